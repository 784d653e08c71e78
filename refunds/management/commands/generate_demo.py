import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refunds.demo import generate


class Command(BaseCommand):
    help = (
        "Write a generated So-net-like scenario (members.csv in CP932, contracts.csv, "
        "billing.csv, tariffs.csv) and its expected cases into a directory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=1000, help="number of members")
        parser.add_argument("--output", type=Path, required=True, help="directory to write to")
        parser.add_argument("--seed", type=int, default=2010, help="same seed, same files")
        parser.add_argument(
            "--billing-lines",
            type=int,
            default=None,
            metavar="TARGET",
            help="size the scenario to about TARGET billing lines (overrides --members)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        members: int = options["members"]
        target: int | None = options["billing_lines"]
        if members < 1 or (target is not None and target < 1):
            raise CommandError("--members and --billing-lines must be at least 1")
        output: Path = options["output"]
        started = time.perf_counter()
        stats = generate(output, members=members, seed=options["seed"], billing_lines=target)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{output}: members={stats.members} contracts={stats.contracts} "
            f"billing_lines={stats.billing_lines} affected_contracts={stats.affected_contracts} "
            f"total_amount_yen={stats.total_amount_yen} ({elapsed:.1f}s)"
        )
