"""Walk the audit log's hash chain and name the first broken link (exit status 1 if any)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refunds.services.audit import audit_seal, audit_unsealed, audit_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain (each link the SHA-256 of the previous link and "
        "of its event) and name the first event whose content, order or presence changed."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seal", action="store_true", help="chain the events not chained yet first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seal"]:
            self.stdout.write(f"sealed={audit_seal()}")
        checked, broken = audit_verify()
        unsealed = audit_unsealed()
        if broken is not None:
            raise CommandError(
                f"audit chain broken at link {broken.seq} (event {broken.event_id}): "
                f"{broken.why}; {checked} links before it are intact"
            )
        self.stdout.write(f"links={checked} unsealed={unsealed} chain=intact")
