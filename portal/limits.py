"""The portal's attempt limits, on django-ratelimit's windows (the ``ratelimit`` cache).

Wrong guesses are counted per address (``PORTAL_ADDRESS_RATE``) and over the whole portal
(``PORTAL_OVERALL_RATE``); requests without a letter per address (``PORTAL_REQUEST_RATE``).
A limit is checked before the attempt and counted after a wrong one, so members who type
their code right are never counted. The third limit, per code, lives with the code
(``PORTAL_CODE_FAILURE_LIMIT``): the call center can lift it. If Redis is unreachable the
windows read as empty (django-redis ignores its errors) and the per-code lock, kept in the
database, is what still holds.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

from accounts.client_ip import client_ip
from refunds.models import PortalOutcome

Key = Callable[[str, HttpRequest], str]


def _by_address(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "-"


def _everyone(group: str, request: HttpRequest) -> str:
    return "portal"


@dataclass(frozen=True)
class Window:
    group: str
    key: Key
    setting: str
    outcome: str


@dataclass(frozen=True)
class Limit:
    """A limit reached: which (its outcome) and when its window ends."""

    outcome: str
    until: datetime.datetime


GUESSES = (
    Window("portal.guesses.all", _everyone, "PORTAL_OVERALL_RATE", PortalOutcome.PORTAL_LIMITED),
    Window(
        "portal.guesses.address", _by_address, "PORTAL_ADDRESS_RATE", PortalOutcome.ADDRESS_LIMITED
    ),
)
REQUESTS = (
    Window(
        "portal.requests.address",
        _by_address,
        "PORTAL_REQUEST_RATE",
        PortalOutcome.ADDRESS_LIMITED,
    ),
)


def _usage(request: HttpRequest, window: Window, *, increment: bool) -> dict[str, Any] | None:
    return get_usage(
        request,
        group=window.group,
        key=window.key,
        rate=getattr(settings, window.setting),
        increment=increment,
    )


def reached(request: HttpRequest, windows: tuple[Window, ...]) -> Limit | None:
    """The first of ``windows`` whose count is used up, if any."""
    for window in windows:
        usage = _usage(request, window, increment=False)
        if usage is not None and (usage["limit"] == 0 or usage["count"] >= usage["limit"]):
            left = max(usage["time_left"], 60)
            return Limit(window.outcome, timezone.now() + datetime.timedelta(seconds=left))
    return None


def count(request: HttpRequest, windows: tuple[Window, ...]) -> None:
    """One more in each of ``windows`` (a wrong guess, a request filed)."""
    for window in windows:
        _usage(request, window, increment=True)
