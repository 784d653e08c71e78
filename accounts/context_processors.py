from typing import Any

from django.http import HttpRequest

from .roles import ALL_ROLES, SUPERVISORS, Role, needs_second_factor


def roles(request: HttpRequest) -> dict[str, Any]:
    """The user's roles for the templates; ``signed_in`` once the sign-in is complete (with the
    second factor where the role asks for one): before that no menu, search or badge shows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_role": False, "is_supervisor": False, "is_admin": False}
    if needs_second_factor(user) and not user.is_verified():
        return {"is_staff_role": False, "is_supervisor": False, "is_admin": False}
    return {
        "signed_in": True,
        "is_staff_role": user.has_role(*ALL_ROLES),
        "is_supervisor": user.has_role(*SUPERVISORS),
        "is_admin": user.has_role(Role.ADMIN),
    }
