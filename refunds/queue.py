"""Handing work to the Celery workers, and what happens when the broker cannot take it.

``send`` publishes a task; when the broker (Redis) is down it runs ``on_failure`` — which marks
the waiting import, run or export as failed so that nothing holds a lock or waits forever — and
raises ``BackgroundUnavailable`` for the page to say so. Nothing is lost: the uploaded file is
kept and the same action can simply be repeated once the broker is back.
"""

from collections.abc import Callable
from typing import Any

from celery import current_app
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

# The tasks services hand work to, by the name each is registered under (``refunds.tasks``):
# services name a task, they never import the module that runs it.
IMPORT_BATCH = "refunds.import_batch"
DETECTION_RUN = "refunds.detection_run"
EXPORT_JOB = "refunds.export_job"
DASHBOARD_REFRESH = "refunds.dashboard_refresh"


class BackgroundUnavailable(Exception):
    """The broker did not take the task; the message is for the user."""


def task(name: str) -> Any:
    """The registered task of that name (the Celery app finds the tasks modules)."""
    return current_app.tasks[name]


def send(name: str, *args: Any, on_failure: Callable[[str], None]) -> None:
    """Publish the task ``name``; when the broker cannot take it, ``on_failure`` and refuse."""
    try:
        task(name).delay(*args)
    except (OperationalError, OSError) as exc:
        message = _("Background jobs are unavailable; try again later.")
        on_failure(f"{message} ({exc.__class__.__name__})")
        raise BackgroundUnavailable(message) from exc
