from typing import Any

from django.core.management.base import BaseCommand, CommandError

from refunds.demo.users import DEMO_USERS, MissingRole, demo_password, ensure_users, login_table


class Command(BaseCommand):
    help = (
        "Create (or reset) one demo login per role: staff, supervisor, supervisor2, admin. "
        "The password is $DEMO_PASSWORD, or refund-desk-demo."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        password = demo_password()
        try:
            ensure_users(DEMO_USERS, password)
        except MissingRole as exc:
            raise CommandError(str(exc)) from None
        for line in login_table(DEMO_USERS, password):
            self.stdout.write(line)
