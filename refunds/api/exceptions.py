"""Every refusal as JSON: the services' exceptions mapped to HTTP statuses.

=====================================  ======  ==========================================
raised                                 status  body
=====================================  ======  ==========================================
no or a wrong token                    401     ``{"detail": ...}`` (``WWW-Authenticate``)
``django...PermissionDenied``          403     ``{"detail": <the service's message>}``
 … carrying a ``policies.Refusal``      409     ``{"detail": ..., "code": <REFUSAL_CODES>}``
``Http404`` / ``ObjectDoesNotExist``   404     ``{"detail": ...}``
``django...ValidationError`` (fields)  400     ``{"<field>": [...]}``
``django...ValidationError`` (other)   400     ``{"detail": ...}``
``TransitionNotAllowed``               409     ``{"detail": ..., "code": "state.…"}``
``IntegrityError`` (a race lost)       409     ``{"detail": ...}``
=====================================  ======  ==========================================
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from refunds.policies import Refusal
from refunds.workflow import TransitionNotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Refused(Conflict):
    """A rule's refusal (``refunds.policies.Refusal``): 409 with the rule's stable code."""

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.refusal_code = code


def _from_django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"detail": " ".join(exc.messages)})


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return _from_django_validation(exc)
    if isinstance(exc, PermissionDenied):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, Refusal) and reason.code:
            return Refused(str(reason), reason.code)
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, TransitionNotAllowed):
        return Refused(str(exc), "state.transition_not_allowed")
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()  # one message, whatever was not found
    if isinstance(exc, IntegrityError):
        return Conflict(_("Someone else changed this at the same time; reload and try again."))
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    translated = _translate(exc)
    response = exception_handler(translated, context)
    if response is not None and isinstance(translated, Refused):
        response.data = {"detail": str(translated.detail), "code": translated.refusal_code}
    if response is not None and isinstance(response.data, list):
        # ``raise ValidationError("...")`` in DRF gives a bare list; keep bodies objects.
        response.data = {"detail": " ".join(str(item) for item in response.data)}
    return response
