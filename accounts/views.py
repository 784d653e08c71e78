import secrets

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from refunds.models.audit import AuditAction
from refunds.services.audit import audit_record


class LogoutEverywhereView(LoginRequiredMixin, View):
    """Sign the user out of every browser and device at once (a new session epoch)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        with transaction.atomic():
            user.session_epoch = secrets.token_hex(16)  # type: ignore[union-attr]
            user.save(update_fields=["session_epoch"])  # type: ignore[union-attr, call-arg]
            audit_record(actor=user, action=AuditAction.USER_LOGGED_OUT_EVERYWHERE, obj=user)  # type: ignore[arg-type]
        logout(request)
        messages.info(request, _("You are signed out on every device."))
        return redirect("accounts:login")
