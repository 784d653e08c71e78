"""Bench-only settings: the product's local settings plus Django's admin.

``bench_pages.py`` runs with these to time Django's own admin changelist of the case model as
the baseline of the case list, in the same process and on the same data. The product itself has
no admin.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import INSTALLED_APPS

INSTALLED_APPS = ["django.contrib.admin", *INSTALLED_APPS]
ROOT_URLCONF = "benchmarks.admin_urls"
