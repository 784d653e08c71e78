"""Developer machine: the embedded default (SQLite under var/, Celery in process)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
