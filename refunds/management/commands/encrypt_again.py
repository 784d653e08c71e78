"""``manage.py encrypt_again``: every encrypted value (the claims' and payments' account
numbers) written again with the first key — after a new key was put first, before the old one
is removed. In chunks, each its own transaction; safe to run twice."""

from typing import Any

from django.core.management.base import BaseCommand

from refunds.services.encryption import encrypt_again


class Command(BaseCommand):
    help = "Encrypt the account numbers again with the first key."

    def handle(self, *args: Any, **options: Any) -> None:
        for label, count in encrypt_again().items():
            self.stdout.write(f"{label}: {count:,} rows")
