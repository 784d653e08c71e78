from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import HttpRequest

from .models import User
from .roles import ALL_ROLES, Role


def signed_in_user(request: Any) -> User:
    """The ``User`` of a request that passed the login check (a page's or the API's)."""
    user = request.user
    assert isinstance(user, User), "a view that needs a user ran without the login check"
    return user


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Allow the view to users holding one of ``allowed_roles`` (403 for the others)."""

    allowed_roles: tuple[Role, ...] = ALL_ROLES
    raise_exception = False
    request: HttpRequest

    def test_func(self) -> bool:
        user = self.request.user
        return isinstance(user, User) and user.has_role(*self.allowed_roles)

    @property
    def user(self) -> User:
        """The signed-in user (the login check runs before any handler)."""
        return signed_in_user(self.request)

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()
