"""Settings of the import benchmark's baseline run: the local settings with django-import-export
installed, and without DEBUG (no query log, as in production)."""

from config.settings.local import *  # noqa: F403
from config.settings.local import INSTALLED_APPS

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "import_export"]
