"""Roles are Django groups (created after every migrate); the role sets are named here once."""

from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    STAFF = "staff", _("Call-center staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


# Role sets, named once: every role; the roles that decide (approve, pay, review) — supervisors,
# and admins who may do anything.
ALL_ROLES: tuple[Role, ...] = (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
SUPERVISORS: tuple[Role, ...] = (Role.SUPERVISOR, Role.ADMIN)


def sync_role_groups(group_model: Any) -> None:
    """Create the role groups that are missing. What a role may do is decided by
    ``refunds.policies`` and the views' ``allowed_roles``, never by Django's model permissions,
    so the groups carry none."""
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=str(role))
        group.permissions.clear()


def sync_role_groups_after_migrate(sender: Any, **kwargs: Any) -> None:
    if sender.name != "accounts":
        return
    from django.contrib.auth.models import Group

    sync_role_groups(Group)


def needs_second_factor(user: Any) -> bool:
    """Whether ``user`` signs in with a code after the password (``TWO_FACTOR_ROLES``)."""
    from django.conf import settings

    wanted = [Role(name) for name in settings.TWO_FACTOR_ROLES]
    return bool(wanted) and bool(user.has_role(*wanted))
