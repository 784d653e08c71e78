"""Test settings: same stack as local, fast hashing, isolated media and cache."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import _FRAGMENT_CACHE, CELERY_BROKER_URL, DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="refund-desk-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="refund-desk-static-"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
    "fragments": _FRAGMENT_CACHE,
}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
IMPORT_CHUNK_ROWS = 500
TWO_FACTOR_ROLES = []  # the tests of the second factor ask for it
DETECTION_CHUNK_CONTRACTS = 3

VAR_DIR.mkdir(parents=True, exist_ok=True)

# A file, not memory, so that a real worker process can share the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test_refund_desk_{os.getpid()}.sqlite3")
    }
