"""Who may call what: the pages' roles (``accounts.roles.Role``), checked before any service.

The services check again (a staff member calling ``case_approve`` is refused there too); these
classes only make the API refuse early, with a 401 for no or a wrong token and a 403 for a
missing role, as the pages' ``RoleRequiredMixin`` does.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.roles import ALL_ROLES, SUPERVISORS, Role

EVERY_ROLE = ALL_ROLES


class HasAnyRole(BasePermission):
    """A signed-in, active user holding one of ``roles`` (every role by default)."""

    roles: tuple[Role, ...] = EVERY_ROLE
    message = _("Your account has no role that may use this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(user.has_role(*self.roles))


class IsSupervisor(HasAnyRole):
    """Supervisors and admins (payments and the review decisions)."""

    roles = SUPERVISORS
    message = _("Only a supervisor may do this.")
