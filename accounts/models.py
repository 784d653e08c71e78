from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person who signs in: call-center staff, supervisor or admin (roles are groups)."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # Part of every session's signature: a new value signs the user out everywhere.
    session_epoch = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    @staticmethod
    def name_in_sql(path: str) -> Coalesce:
        """``str()`` of the user at ``path`` (a foreign key's name) as an expression: a list
        naming each row's user reads the name as a column instead of a ``User`` a row."""
        display_name = NullIf(models.F(f"{path}__display_name"), models.Value(""))
        return Coalesce(display_name, models.F(f"{path}__username"))

    def _session_hash(self, secret: Any = None) -> str:
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        """What signs the user's sessions: the password hash, as in Django, and the epoch."""
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    @property
    def role_names(self) -> set[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    def has_role(self, *roles: Role) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return any(role.value in self.role_names for role in roles)
