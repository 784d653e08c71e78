"""Roles are Django groups; each gets the permissions listed here (kept in sync after migrate)."""

from collections.abc import Iterable
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


def require_supervisor(user: Any) -> None:
    """Refuse (PermissionDenied) unless ``user`` is a supervisor or an admin."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext

    if not user.has_role(*SUPERVISORS):
        raise PermissionDenied(gettext("Only a supervisor may do this."))


_VIEW_DATA = [
    "refunds.view_member",
    "refunds.view_contract",
    "refunds.view_billingline",
    "refunds.view_tariff",
    "refunds.view_remediationprogram",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.STAFF: [*_VIEW_DATA],
    Role.SUPERVISOR: [*_VIEW_DATA, "refunds.view_importbatch", "refunds.view_auditevent"],
    Role.ADMIN: [
        *_VIEW_DATA,
        "refunds.view_importbatch",
        "refunds.add_importbatch",
        "refunds.view_auditevent",
        "refunds.change_remediationprogram",
        "refunds.add_remediationprogram",
    ],
}


def _permission_objects(perm_model: Any, names: Iterable[str]) -> list[Any]:
    wanted = [name.split(".", 1) for name in names]
    found = perm_model.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={code for _, code in wanted},
    ).select_related("content_type")
    wanted_set = {(app, code) for app, code in wanted}
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted_set]


def sync_role_groups(group_model: Any, perm_model: Any) -> None:
    """Create the three role groups and give each exactly its permissions."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        group.permissions.set(_permission_objects(perm_model, names))


def sync_role_groups_after_migrate(sender: Any, **kwargs: Any) -> None:
    if sender.name != "accounts":
        return
    from django.contrib.auth.models import Group, Permission

    sync_role_groups(Group, Permission)
