"""Liveness and readiness, apart.

``/healthz`` (anonymous, for a load balancer's liveness probe): the process answers; no
database, broker or worker is asked, so no probe holds a web worker. ``/readyz`` (a signed-in
user, or the ``HEALTH_TOKEN`` as a bearer token): the database, the broker and a worker alive,
with the part that is down; the answer is cached ``HEALTH_CACHE_SECONDS`` so probes cannot
pile up on the broker's one-second ping.
"""

import hmac
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views import View

READINESS_CACHE_KEY = "health:readiness"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure is the answer
        return f"unavailable: {exc.__class__.__name__}"


def _broker_and_workers() -> tuple[str, str]:
    if not settings.CELERY_BROKER_URL:
        return "in process", "in process"
    from celery import current_app as app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"unavailable: {exc.__class__.__name__}", "unknown"
    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as exc:
        return "ok", f"unknown: {exc.__class__.__name__}"
    return "ok", f"{len(replies)} alive" if replies else "none alive"


def readiness() -> tuple[bool, dict[str, Any]]:
    """Whether everything needed answers, and what each part said (cached)."""
    cached = cache.get(READINESS_CACHE_KEY)
    if cached is not None:
        return cached
    broker, workers = _broker_and_workers()
    checks: dict[str, Any] = {"database": _database(), "broker": broker, "workers": workers}
    ready = (
        checks["database"] == "ok"
        and broker in ("ok", "in process")
        and (workers == "in process" or (workers.endswith("alive") and workers != "none alive"))
    )
    cache.set(READINESS_CACHE_KEY, (ready, checks), settings.HEALTH_CACHE_SECONDS)
    return ready, checks


def _may_ask(request: HttpRequest) -> bool:
    if request.user.is_authenticated:
        return True
    token = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


class HealthView(View):
    """Liveness: 200 while the process answers requests."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"status": "ok"})


class ReadinessView(View):
    """200 when everything needed answers, 503 otherwise; the body says which part is down.
    403 without a session or the token."""

    def get(self, request: HttpRequest) -> JsonResponse:
        if not _may_ask(request):
            return JsonResponse({"detail": "a session or the health token is required"}, status=403)
        ready, checks = readiness()
        return JsonResponse(
            {"status": "ok" if ready else "unhealthy", **checks}, status=200 if ready else 503
        )
