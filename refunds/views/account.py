from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import signed_in_user
from refunds.services.accounts import user_logout_everywhere


class LogoutEverywhereView(LoginRequiredMixin, View):
    """Sign the user out of every browser and device at once."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user_logout_everywhere(user=signed_in_user(request))
        logout(request)
        messages.info(request, _("You are signed out on every device."))
        return redirect("accounts:login")
