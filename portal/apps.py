from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The member portal (``/claim/``): no staff login, its own pages, cookie and limits."""

    name = "portal"
    verbose_name = _("Member portal")
