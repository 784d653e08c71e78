import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEFAULT_PASSWORD = "refund-desk-demo"
LOGIN_URL = "http://127.0.0.1:8000/"
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("staff", "staff"),
    ("supervisor", "supervisor"),
    ("supervisor2", "supervisor"),
    ("admin", "admin"),
)


class Command(BaseCommand):
    help = (
        "Create (or reset) one demo login per role: staff, supervisor, supervisor2, admin. "
        "The password is $DEMO_PASSWORD, or refund-desk-demo."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            for username, role in DEMO_USERS:
                self._ensure_user(username, role, password)
        self._print_table(password)

    def _ensure_user(self, username: str, role: str, password: str) -> None:
        try:
            group = Group.objects.get(name=role)
        except Group.DoesNotExist:
            raise CommandError(f"group {role!r} is missing: run migrate first") from None
        user, _created = get_user_model().objects.get_or_create(username=username)
        user.is_active = True
        if not user.check_password(password):
            user.set_password(password)
        user.save()
        user.groups.add(group)

    def _print_table(self, password: str) -> None:
        rows = [("URL", "username", "password", "role")]
        rows += [(LOGIN_URL, username, password, role) for username, role in DEMO_USERS]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for index, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            if index == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
