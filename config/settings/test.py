from .base import *  # noqa: F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": STORAGES["documents"],  # noqa: F405
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# API write rate limits are off in tests (suites write fast on purpose); tests/ops turns them on where tested.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"write_burst": None, "write_sustained": None}  # noqa: F405
