import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.roles import needs_second_factor


class LanguageMiddleware:
    """Japanese unless the user picked another language with the switch in the header.

    Unlike Django's ``LocaleMiddleware`` the browser's Accept-Language is not consulted: the
    product speaks Japanese to everybody by default, whatever the workstation's locale.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every answer to a signed-in user and on every
    API answer: pages, lists and downloads carry personal data that no browser cache, proxy
    or shared workstation may keep. A response that set its own cache policy keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (signed_in or request.path.startswith("/api/")) and not response.has_header(
            "Cache-Control"
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response


# Where a signed-in user who still owes the second factor may go: the code page, the setup
# page, signing out, the language switch and the health probes.
SECOND_FACTOR_OPEN = {
    "second_factor",
    "second_factor_setup",
    "accounts:logout",
    "set_language",
    "healthz",
    "readyz",
}


class SecondFactorMiddleware:
    """A user whose role signs in with a second factor (``needs_second_factor``) reaches no page
    before giving it: the code page if an authenticator is set up, else its setup page; the
    API (a session) answers 403. API tokens are not sessions and are not asked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and needs_second_factor(user)
            and not user.is_verified()
            and not request.path.startswith(settings.STATIC_URL or "/static/")
        ):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = ""
            if name not in SECOND_FACTOR_OPEN:
                if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                    return JsonResponse(
                        {"detail": _("Sign in with your second factor first.")}, status=403
                    )
                target = "second_factor" if user_has_device(user) else "second_factor_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class SessionTouchMiddleware:
    """Keeps a signed-in user's session alive while it is used, writing it at most once every
    ``SESSION_TOUCH_SECONDS``: the idle timeout (``SESSION_COOKIE_AGE``) counts from the last
    write, so a session used within the timeout never lapses and one left alone lapses at most
    that many seconds early; the other requests read the session row and write nothing."""

    KEY = "_touched_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        if SESSION_KEY not in session:  # an API token's request: no session to keep
            return response
        now = int(time.time())
        touched = session.get(self.KEY)
        if not isinstance(touched, int) or now - touched >= settings.SESSION_TOUCH_SECONDS:
            session[self.KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
