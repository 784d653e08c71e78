"""Handing work to the Celery workers, and what happens when the broker cannot take it.

``send`` publishes a task; when the broker (Redis) is down it runs ``on_failure`` — which marks
the waiting import, run or export as failed so that nothing holds a lock or waits forever — and
raises ``BackgroundUnavailable`` for the page to say so. Nothing is lost: the uploaded file is
kept and the same action can simply be repeated once the broker is back.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError


class BackgroundUnavailable(Exception):
    """The broker did not take the task; the message is for the user."""


def send(task: Any, *args: Any, on_failure: Callable[[str], None]) -> None:
    try:
        task.delay(*args)
    except (OperationalError, OSError) as exc:
        message = _("Background jobs are unavailable; try again later.")
        on_failure(f"{message} ({exc.__class__.__name__})")
        raise BackgroundUnavailable(message) from exc
