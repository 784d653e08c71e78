"""Load a generated demo into the database: import, logins, detection, then six weeks.

``manage.py generate_demo --load`` runs it after writing the files: the files go through the
import service ``import_csv`` uses, the demo logins are created as ``demo_users`` creates them,
the built-in program is applied by the detection service in this process, and
``refunds.demo.story`` plays the program's first six weeks (unless ``day_one``). A database
that already holds the program's cases is left as it is: the story is played once.
"""

import datetime
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import time_machine
from django.db.models import Count
from django.utils import timezone

from refunds.models import Case, RemediationProgram
from refunds.services.audit import audit_seal
from refunds.services.detection import detection_execute, detection_start
from refunds.services.imports import import_path

from . import story
from .users import DEMO_OPERATORS, DEMO_USERS, demo_password, ensure_users

PROGRAM_CODE = "SONET-HIKARI-2010"
IMPORT_ORDER = ("members", "contracts", "tariffs", "billing")


class DemoLoadError(Exception):
    """A demo file was refused, or the detection failed."""


@dataclass
class LoadResult:
    played: bool = False
    already_loaded: bool = False
    story_start: datetime.date | None = None
    story_counts: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, int] = field(default_factory=dict)
    portal: list[story.PortalSample] = field(default_factory=list)


def _at(moment: datetime.datetime | None) -> AbstractContextManager[object]:
    return time_machine.travel(moment, tick=True) if moment else nullcontext()


def load(directory: Path, *, seed: int, day_one: bool, write: Callable[[str], None]) -> LoadResult:
    """Import ``directory``'s files, create the logins, detect, and play the six weeks."""
    result = LoadResult()
    program = (
        RemediationProgram.objects.filter(code=PROGRAM_CODE, is_active=True)
        .order_by("-version")
        .first()
    )
    if program is None:
        raise DemoLoadError(f"the built-in program {PROGRAM_CODE} is missing: run migrate first")
    if Case.objects.filter(program_code=PROGRAM_CODE).exists():
        ensure_users(DEMO_USERS, demo_password())
        result.already_loaded = True
        result.statuses = _statuses()
        return result
    now = timezone.now()
    # The program started six weeks ago: files imported that morning, detection at 10:30.
    start = None if day_one else story.Story.start_of(now)
    with _at(start.replace(hour=8) if start else None):
        users = ensure_users(DEMO_USERS, demo_password())
    admin = users["admin"]
    for kind in IMPORT_ORDER:
        started = time.perf_counter()
        with _at(start.replace(hour=9, minute=IMPORT_ORDER.index(kind) * 5) if start else None):
            batch, outcome = import_path(kind=kind, path=directory / f"{kind}.csv", user=admin)
        if outcome is None or outcome.errors:
            raise DemoLoadError(f"{kind}.csv: {batch.message or 'rows were rejected'}")
        write(f"import {kind}: {outcome.summary()} ({time.perf_counter() - started:.1f}s)")
    started = time.perf_counter()
    with _at(start.replace(hour=10, minute=30) if start else None):
        run = detection_execute(run=detection_start(program=program, user=admin))
    write(
        f"detect {PROGRAM_CODE}: created={run.created} problems={run.problems} "
        f"({time.perf_counter() - started:.1f}s)"
    )
    if not day_one:
        with _at(start.replace(hour=8) if start else None):
            operators = ensure_users(DEMO_OPERATORS, demo_password())
        cast = story.Cast(
            operators=(users["staff"], *operators.values()),
            supervisors=(users["supervisor"], users["supervisor2"]),
            admin=admin,
        )
        started = time.perf_counter()
        played = story.play(program=program, cast=cast, seed=seed, output=directory, now=now)
        result.played = True
        result.story_start = played.start
        result.story_counts = played.counts
        result.portal = played.portal
        write(f"six weeks from {played.start:%Y-%m-%d} ({time.perf_counter() - started:.1f}s)")
    # What beat's audit_seal task would have chained minute by minute over the six weeks.
    write(f"audit chain: {audit_seal()} events sealed")
    result.statuses = _statuses()
    return result


def _statuses() -> dict[str, int]:
    rows = Case.objects.values("status").annotate(n=Count("pk")).order_by("status")
    return {row["status"]: row["n"] for row in rows}
