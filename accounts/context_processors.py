from typing import Any

from django.http import HttpRequest

from .roles import ALL_ROLES, SUPERVISORS, Role


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_role": False, "is_supervisor": False, "is_admin": False}
    return {
        "is_staff_role": user.has_role(*ALL_ROLES),
        "is_supervisor": user.has_role(*SUPERVISORS),
        "is_admin": user.has_role(Role.ADMIN),
    }
