"""The demo logins: one user per role (and, in a demo played over weeks, two more operators).

``manage.py demo_users`` and ``manage.py generate_demo --load`` both create them here, with
the groups the roles migration keeps, and print the same table of logins.
"""

import os
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

DEFAULT_PASSWORD = "refund-desk-demo"
LOGIN_URL = "http://127.0.0.1:8000/"
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("staff", "staff"),
    ("supervisor", "supervisor"),
    ("supervisor2", "supervisor"),
    ("admin", "admin"),
)
# Call-center operators beside ``staff`` who take calls and prepare cases in the played demo.
DEMO_OPERATORS: tuple[tuple[str, str], ...] = (("staff2", "staff"), ("staff3", "staff"))


class MissingRole(Exception):
    """The group of a role does not exist (the database is not migrated)."""


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def ensure_user(username: str, role: str, password: str, *, encoded: str = "") -> Any:
    """Create the user (or reactivate it and reset its password) in the role's group.

    ``encoded`` is ``password`` already hashed, for a new user: a hash takes about a second,
    and every demo login has the same password."""
    try:
        group = Group.objects.get(name=role)
    except Group.DoesNotExist:
        raise MissingRole(f"group {role!r} is missing: run migrate first") from None
    user, created = get_user_model().objects.get_or_create(username=username)
    user.is_active = True
    if created and encoded:
        user.password = encoded
    elif not user.check_password(password):
        user.set_password(password)
    user.save()
    user.groups.add(group)
    return user


def ensure_users(users: Iterable[tuple[str, str]], password: str) -> dict[str, Any]:
    """Every ``(username, role)`` of ``users``, by username, in one transaction."""
    encoded = make_password(password)
    with transaction.atomic():
        return {
            username: ensure_user(username, role, password, encoded=encoded)
            for username, role in users
        }


def login_table(users: Sequence[tuple[str, str]], password: str) -> list[str]:
    """The logins as lines of a table: URL, username, password, role."""
    rows = [("URL", "username", "password", "role")]
    rows += [(LOGIN_URL, username, password, role) for username, role in users]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
