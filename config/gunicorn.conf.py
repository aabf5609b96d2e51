"""gunicorn settings for the registry: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Everything comes from the environment so the same file serves systemd, Docker and the tests:
  GUNICORN_BIND       where to listen (default 127.0.0.1:8000: only the reverse proxy on this host reaches it)
  GUNICORN_WORKERS    worker processes (default 2 × cores + 1, capped at 8)
  GUNICORN_THREADS    threads per worker (default 1: sync workers, one request each)
  GUNICORN_TIMEOUT    seconds before a stuck worker is killed and replaced (default 30)
  GUNICORN_ACCESS_LOG access log target (default "-", stdout; "" turns it off)
Logs are one JSON object per line (access and errors), like the application's own logs in production.
"""

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

from gunicorn import glogging

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, for config.logs
from config.logs import JSON_FORMATTER  # noqa: E402


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak can never take a host down; jitter avoids all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Refuse absurd request lines and headers before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Only the local reverse proxy may set X-Forwarded-* (it always overwrites X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "beco-registry"
# Worker heartbeat files in memory (gunicorn's advice for containers, where /tmp may be a slow overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


class JsonLogger(glogging.Logger):
    """Access lines as JSON objects (user agents and paths can hold quotes, so no printf-style template)."""

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "logger": "gunicorn.access",
            "remote": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(record, ensure_ascii=False))
        except Exception:  # a log line must never break a response
            self.exception("could not write the access log")


logger_class = JsonLogger
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": JSON_FORMATTER,
        "raw": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": (
            {"class": "logging.StreamHandler", "formatter": "raw", "stream": "ext://sys.stdout"}
            if accesslog in (None, "-") else
            {"class": "logging.handlers.WatchedFileHandler", "formatter": "raw", "filename": accesslog}
        ),
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
