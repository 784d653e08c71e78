"""``manage.py reset_second_factor USER --by ADMIN --reason TEXT``: an admin removes a user's
authenticator and recovery codes (a lost phone); the user sets up a new one at the next sign-in.
Written to the audit log with the admin's name and the reason."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from refunds.services.accounts import user_second_factor_reset


class Command(BaseCommand):
    help = "Reset a user's second factor (an admin, with a reason)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="the admin who resets it")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
            admin = User.objects.get(username=options["by"])
        except User.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        try:
            user_second_factor_reset(user=user, by=admin, reason=options["reason"])
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        self.stdout.write(f"second factor of {user.username} reset by {admin.username}")
