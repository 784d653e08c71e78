"""``/healthz``: is the database there, the broker, and a worker alive (for a load balancer)."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views import View


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


class HealthView(View):
    """200 when everything needed answers, 503 otherwise; the body says which part is down."""

    def get(self, request: HttpRequest) -> JsonResponse:
        broker, workers = _broker_and_workers()
        checks: dict[str, Any] = {"database": _database(), "broker": broker, "workers": workers}
        healthy = (
            checks["database"] == "ok"
            and broker in ("ok", "in process")
            and (workers == "in process" or (workers.endswith("alive") and workers != "none alive"))
        )
        return JsonResponse(
            {"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503
        )
