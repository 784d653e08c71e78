import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refunds import claimcodes
from refunds.demo import generate
from refunds.demo.load import DemoLoadError, load
from refunds.demo.users import DEMO_OPERATORS, DEMO_USERS, MissingRole, demo_password, login_table


class Command(BaseCommand):
    help = (
        "Write a generated So-net-like scenario (members.csv in CP932, contracts.csv, "
        "billing.csv, tariffs.csv) and its expected cases into a directory; with --load, "
        "import it, create the demo logins, detect, and play the program's first six weeks."
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
        parser.add_argument(
            "--load",
            action="store_true",
            help=(
                "then import the files, create the demo logins, run detection and play six "
                "weeks of the program through the services (same seed, same story)"
            ),
        )
        parser.add_argument(
            "--day-one",
            action="store_true",
            help="with --load: stop after detection (every case detected or awaiting a claim)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        members: int = options["members"]
        target: int | None = options["billing_lines"]
        if members < 1 or (target is not None and target < 1):
            raise CommandError("--members and --billing-lines must be at least 1")
        if options["day_one"] and not options["load"]:
            raise CommandError("--day-one goes with --load")
        output: Path = options["output"]
        started = time.perf_counter()
        stats = generate(output, members=members, seed=options["seed"], billing_lines=target)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{output}: members={stats.members} contracts={stats.contracts} "
            f"billing_lines={stats.billing_lines} affected_contracts={stats.affected_contracts} "
            f"total_amount_yen={stats.total_amount_yen} ({elapsed:.1f}s)"
        )
        if options["load"]:
            self._load(output, seed=options["seed"], day_one=options["day_one"], started=started)

    def _load(self, output: Path, *, seed: int, day_one: bool, started: float) -> None:
        try:
            result = load(output, seed=seed, day_one=day_one, write=self.stdout.write)
        except (DemoLoadError, MissingRole) as exc:
            raise CommandError(str(exc)) from None
        if result.already_loaded:
            self.stdout.write(
                "The database already holds the demo program; it is left as it is "
                "(remove the database file for a fresh demo)."
            )
        for name, count in sorted(result.story_counts.items()):
            self.stdout.write(f"  {name}: {count:,}")
        statuses = " ".join(f"{status}={n}" for status, n in result.statuses.items())
        self.stdout.write(f"cases: {statuses}")
        self.stdout.write(f"demo data ready in {time.perf_counter() - started:.1f}s")
        password = demo_password()
        for line in login_table(DEMO_USERS, password):
            self.stdout.write(line)
        if result.played:
            names = " and ".join(name for name, _role in DEMO_OPERATORS)
            self.stdout.write(f"(operators {names}, same password, took calls in the story)")
        for sample in result.portal:
            # A member's view: the portal with the code of their latest letter.
            self.stdout.write(
                f"member portal (category {sample.category}, {sample.case_no}): "
                f"{claimcodes.portal_url(sample.code)}  birth date {sample.birth_date:%Y-%m-%d}"
            )
