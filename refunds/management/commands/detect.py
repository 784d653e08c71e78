import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refunds.models import RemediationProgram, RunStatus
from refunds.queue import BackgroundUnavailable
from refunds.services.detection import (
    RUN_COUNTS,
    DetectionLocked,
    detection_plan,
    detection_send,
    detection_start,
    plan_csv,
)

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Apply a remediation program: open, update or close its cases."
    # The system checks import every URL and view (most of the command's start-up); the web and
    # worker processes and ``manage.py check`` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. SONET-HIKARI-2010")
        parser.add_argument("--dry-run", action="store_true", help="change nothing, print the diff")

    def handle(self, *args: Any, **options: Any) -> None:
        program = (
            RemediationProgram.objects.filter(code=options["program"])
            .order_by("-is_active", "-version")
            .first()
        )
        if program is None:
            raise CommandError(f"unknown program: {options['program']}")
        if options["dry_run"]:
            plan = detection_plan(program=program)
            self.stdout.write(plan_csv(plan, program=program), ending="")
            self._summary(plan.summary())
            return
        try:
            run = detection_start(program=program)
            detection_send(run=run)
        except (DetectionLocked, BackgroundUnavailable) as exc:
            raise CommandError(str(exc)) from None
        run.refresh_from_db()
        while run.status == RunStatus.RUNNING:  # the workers share the chunks; wait for them
            time.sleep(0.1)
            run.refresh_from_db()
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(run.message or run.get_status_display())
        problems = run.data_problems.select_related("contract").order_by("kind", "contract_id")
        for problem in problems[:SHOWN_PROBLEMS]:
            self.stderr.write(
                f"{problem.contract.contract_no}: {problem.get_kind_display()} {problem.detail}"
            )
        if run.problems > SHOWN_PROBLEMS:
            self.stderr.write(
                f"… {run.problems - SHOWN_PROBLEMS} more data problems: "
                f"the page of detection run {run.pk} lists them all"
            )
        self._summary({name: getattr(run, name) for name in _COUNTS})

    def _summary(self, counts: dict[str, int]) -> None:
        self.stdout.write(" ".join(f"{name}={counts[name]}" for name in _COUNTS))


_COUNTS = (*RUN_COUNTS, "problems")
