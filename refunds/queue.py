"""Handing work to the Celery workers, and what happens when the broker cannot take it.

``send`` publishes a task, in one place and on one policy whatever the process has sent before:
one quick retry (``PUBLISH_RETRY``) over connections that give up after
``CELERY_BROKER_TRANSPORT_OPTIONS``' seconds, never the library's default of three retries that
held a request for about 20 s once a pooled connection had gone stale. When the broker (Redis)
does not take the task it runs ``on_failure`` — which marks the waiting import, run or export as
failed so that nothing holds a lock or waits forever — and raises ``BackgroundUnavailable`` for
the page to say so. Nothing is lost: the uploaded file is kept and the same action can simply be
repeated once the broker is back.
"""

from collections.abc import Callable
from typing import Any

from celery import current_app
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

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


# One retry, at once: a stale pooled connection is replaced; a broker that is down is told.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def send(name: str, *args: Any, on_failure: Callable[[str], None]) -> None:
    """Publish the task ``name``; when the broker cannot take it, ``on_failure`` and refuse."""
    in_process = current_app.conf.task_always_eager
    try:
        if in_process:
            task(name).apply_async(args)
        else:
            task(name).apply_async(args, retry=True, retry_policy=PUBLISH_RETRY)
    except (OperationalError, OSError, RedisError) as exc:
        message = _("Background jobs are unavailable; try again later.")
        on_failure(f"{message} ({exc.__class__.__name__})")
        raise BackgroundUnavailable(message) from exc
