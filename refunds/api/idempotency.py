"""``Idempotency-Key`` on the API's POSTs, as Stripe's API does it.

A client that sends ``Idempotency-Key: <any unique text>`` with a POST may send the same request
again (a timeout, a lost connection) without doing it twice: the first answer (status and JSON
body) is kept for ``IDEMPOTENCY_KEY_HOURS`` (24) and given again to the same user sending the
same key with the same body. The same key with another body is refused (422), and a second
request while the first is still being answered too (409). Server errors are not kept: the
request may be sent again. The record is written before the service runs, so that two
identical requests racing each other do the work once.
"""

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from refunds.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class KeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"


class Replay(Exception):
    """The stored answer of a request already made with this key."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request._request.body)
    return digest.hexdigest()


def claim_key(request: Request) -> IdempotencyRecord | None:
    """The record this request answers into, or None without a key; raises ``Replay``,
    ``KeyReused`` or ``KeyInProgress`` when the key was used before."""
    key = request.headers.get(HEADER, "").strip()
    if request.method != "POST" or not key or not request.user.is_authenticated:
        return None
    if len(key) > 255:
        raise exceptions.ValidationError({HEADER: [_("At most 255 characters.")]})
    fingerprint = _fingerprint(request)
    expired = timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    IdempotencyRecord.objects.filter(user=request.user, key=key, created_at__lt=expired).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=request.user, key=key, request_sha256=fingerprint
            )
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(user=request.user, key=key)
    if record.request_sha256 != fingerprint:
        raise KeyReused(_("This Idempotency-Key was sent with another request."))
    if record.status_code is None:
        raise KeyInProgress(_("A request with this Idempotency-Key is still being answered."))
    raise Replay(record)


def keep_answer(record: IdempotencyRecord, response: Response) -> None:
    """Store the answer of the key's first request (a server error frees the key)."""
    if response.status_code >= 500:
        record.delete()
        return
    record.status_code = response.status_code
    record.body = response.data if isinstance(response.data, dict | list) else None
    record.save(update_fields=["status_code", "body"])


def replayed(record: IdempotencyRecord) -> Response:
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotentMixin:
    """For API views: POSTs honour ``Idempotency-Key`` (see the module's docstring)."""

    _idempotency: IdempotencyRecord | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._idempotency = claim_key(request)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Replay):
            return replayed(exc.record)
        try:
            return super().handle_exception(exc)  # type: ignore[misc]
        except Exception:
            if self._idempotency is not None:  # a server error: the key may be sent again
                self._idempotency.delete()
                self._idempotency = None
            raise

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if self._idempotency is not None and isinstance(response, Response):
            keep_answer(self._idempotency, response)
            self._idempotency = None
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


def document_header(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: the header and its two refusals on every POST of the schema."""
    header = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "maxLength": 255},
        "description": "Send a request again without doing it twice: the same key and body "
        f"get the first answer for {settings.IDEMPOTENCY_KEY_HOURS} hours.",
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path in result.get("paths", {}).values():
        operation = path.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(header)
        responses = operation.setdefault("responses", {})
        responses.setdefault(
            "409",
            {
                **error,
                "description": "The key's first request is still being answered, or a conflict.",
            },
        )
        responses["422"] = {**error, "description": "The key was sent with another request."}
    return result
