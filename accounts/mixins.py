from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import HttpRequest

from .roles import Role


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Allow the view to users holding one of ``allowed_roles`` (403 for the others)."""

    allowed_roles: tuple[Role, ...] = (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
    raise_exception = False
    request: HttpRequest

    def test_func(self) -> bool:
        return self.request.user.has_role(*self.allowed_roles)  # type: ignore[union-attr]

    def handle_no_permission(self):  # type: ignore[no-untyped-def]
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()
