"""The API's routes, included under ``api/`` (``path("api/", include("refunds.api.urls"))``)."""

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.urls import include, path, re_path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("members", views.MemberViewSet, basename="member")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("cases", views.CaseViewSet, basename="case")
router.register("inquiries", views.InquiryViewSet, basename="inquiry")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("payments", views.PaymentBatchViewSet, basename="payment")


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, in English unless ``?lang=`` asks for another language (the pages'
    Japanese default would mix Japanese field titles with the English summaries)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        wanted = request.GET.get("lang", "")
        language = wanted if wanted in dict(settings.LANGUAGES) else "en"
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            # Rendered here: the schema's lazy texts are translated in this language.
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        return response

    @extend_schema(exclude=True)  # the schema is not one of its own endpoints
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # After the API's authentication and permission checks: the schema is the same for
        # everyone until the next release, so it is generated and rendered once (50 ms and
        # more) and kept per language and format for SCHEMA_CACHE_SECONDS.
        renderer = request.accepted_renderer
        key = f"api-schema:{translation.get_language()}:{renderer.format}"
        kept = cache.get(key)
        if kept is not None:
            content, content_type = kept
            return HttpResponse(content, content_type=content_type)
        response = super().get(request, *args, **kwargs)
        response.accepted_renderer = renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = self.get_renderer_context()
        response.render()
        kept = (response.content, response["Content-Type"])
        cache.set(key, kept, settings.SCHEMA_CACHE_SECONDS)
        return response


@csrf_exempt  # it changes nothing: a POST is told 404 too, not the HTML CSRF page
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Anything else under ``api/``, whatever the method: a JSON 404 rather than the site's
    HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP). Swagger UI
    # injects a <style> element, so this one page allows inline styles.
    path(
        "docs/",
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("", include(router.urls)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
