from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refunds.imports.errors import ImportLocked
from refunds.imports.reader import ENCODINGS
from refunds.imports.schema import SPECS
from refunds.services.imports import import_path

EXIT_PARTIAL = 3


class Command(BaseCommand):
    help = "Import a CSV file of members, contracts, billing lines or tariffs."
    # A data command run by scripts, often once per file: the system checks (which import every
    # view and URL) belong to the server's start and to migrate, not to each file.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(SPECS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", choices=ENCODINGS, default="auto")
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows when some are rejected"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            batch, outcome = import_path(
                kind=options["kind"],
                path=path,
                encoding=options["encoding"],
                partial=options["partial"],
            )
        except ImportLocked as exc:
            raise CommandError(str(exc)) from None
        if outcome is None:  # the file was refused as a whole
            raise CommandError(batch.message)
        for error in outcome.errors:
            self.stderr.write(error.format(str(path)))
        self.stdout.write(outcome.summary())
        if outcome.errors:
            if outcome.taken:
                raise SystemExit(EXIT_PARTIAL)
            raise SystemExit(1)
