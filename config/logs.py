"""The one JSON log line format, shared by the application's logging (config.settings.production) and
gunicorn's (config/gunicorn.conf.py): one object per line with time, level, logger and message."""

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
