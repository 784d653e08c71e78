"""Error answers: JSON for every ``/api/`` path, the site's own pages (in the user's language)
everywhere else."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _portal(request: HttpRequest) -> bool:
    """The member portal has its own pages (no staff navigation)."""
    return request.path.startswith("/claim/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    if _portal(request):
        return defaults.bad_request(request, exception, template_name="portal/error.html")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": str(exception) or _("Not allowed.")}, status=403)
    if _portal(request):
        return defaults.permission_denied(request, exception, template_name="portal/error.html")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    if _portal(request):
        return defaults.page_not_found(request, exception, template_name="portal/error.html")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return defaults.server_error(request)
