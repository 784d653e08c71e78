from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refunds import csvcells
from refunds.models import Case, RemediationProgram

COLUMNS = ("case_no", "program", "member_no", "contract_no", "category", "amount_yen", "status")


class Command(BaseCommand):
    help = "Export every case of a program as UTF-8 CSV, ordered by case number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True)
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["program"]
        if not RemediationProgram.objects.filter(code=code).exists():
            raise CommandError(f"unknown program: {code}")
        output: Path = options["output"]
        if not output.parent.is_dir():
            raise CommandError(f"{output}: no such folder {output.parent} (create it first)")
        if output.is_dir():
            raise CommandError(f"{output}: is a folder, give a file name")
        rows = (
            Case.objects.filter(program__code=code)
            .order_by("case_no")
            .values_list(
                "case_no",
                "program__code",
                "member__member_no",
                "contract__contract_no",
                "category",
                "amount_yen",
                "status",
            )
        )
        count = 0
        with output.open("w", encoding="utf-8", newline="") as fh:
            writer = csvcells.writer(fh)
            writer.writerow(COLUMNS)
            for row in rows.iterator(chunk_size=5000):
                writer.writerow(["" if value is None else value for value in row])
                count += 1
        self.stdout.write(f"cases={count}")
