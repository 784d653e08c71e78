from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control


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
