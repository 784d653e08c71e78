"""Developer machine: the embedded default (SQLite under var/, Celery in process).

DEBUG is off unless ``DJANGO_DEBUG=1``: an instance started with the defaults (``manage.py``,
``wsgi.py``, the Celery app) shows the product's own error pages, never Django's debug pages
with every URL pattern. Static files are served by WhiteNoise from the apps' folders, so
``runserver`` needs no ``collectstatic`` either way.
"""

from .base import *  # noqa: F403
from .base import STATIC_ROOT, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The demo signs in with the printed passwords alone unless TWO_FACTOR_ROLES is set; production
# asks supervisors and admins for a code (config/settings/base.py).
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=[])
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

for _folder in (VAR_DIR, STATIC_ROOT):
    _folder.mkdir(parents=True, exist_ok=True)
