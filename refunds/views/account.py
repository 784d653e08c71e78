import base64
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from django_otp import user_has_device

from accounts.mixins import signed_in_user
from refunds.forms.account import SecondFactorForm
from refunds.services.accounts import (
    second_factor_state,
    user_logout_everywhere,
    user_second_factor_check,
    user_second_factor_set_up,
    user_totp_device,
)


class LogoutEverywhereView(LoginRequiredMixin, View):
    """Sign the user out of every browser and device at once."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user_logout_everywhere(user=signed_in_user(request))
        logout(request)
        messages.info(request, _("You are signed out on every device."))
        return redirect("accounts:login")


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else reverse("home")


class SecondFactorView(LoginRequiredMixin, View):
    """The code after the password: the authenticator's six digits or a recovery code."""

    template_name = "accounts/second_factor.html"

    def _render(self, request: HttpRequest, form: SecondFactorForm) -> HttpResponse:
        wrong, locked_until = second_factor_state(signed_in_user(request))
        return render(
            request,
            self.template_name,
            {"form": form, "next": _next(request), "wrong": wrong, "locked_until": locked_until},
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, SecondFactorForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SecondFactorForm(request.POST)
        if form.is_valid():
            try:
                device = user_second_factor_check(
                    user=signed_in_user(request), token=form.cleaned_data["token"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                otp_login(request, device)
                return redirect(_next(request))
        return self._render(request, form)


class SecondFactorSetupView(LoginRequiredMixin, View):
    """First sign-in of a role with a second factor: scan the code, type what the app shows,
    keep the recovery codes (shown once)."""

    template_name = "accounts/second_factor_setup.html"

    def _render(self, request: HttpRequest, form: SecondFactorForm) -> HttpResponse:
        device = user_totp_device(user=signed_in_user(request))
        form.fields["token"].help_text = _("The six digits your authenticator app shows.")
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "next": _next(request),
                "qr": mark_safe(segno.make(device.config_url).svg_inline(scale=4)),
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        if user_has_device(signed_in_user(request)):
            return redirect(f"{reverse('second_factor')}?{urlencode({'next': _next(request)})}")
        return self._render(request, SecondFactorForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SecondFactorForm(request.POST)
        if form.is_valid():
            try:
                device, codes = user_second_factor_set_up(
                    user=signed_in_user(request), token=form.cleaned_data["token"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                otp_login(request, device)
                return render(
                    request,
                    "accounts/second_factor_codes.html",
                    {"codes": codes, "next": _next(request)},
                )
        return self._render(request, form)
