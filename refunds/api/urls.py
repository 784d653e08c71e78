"""The API's routes, included under ``api/`` (``path("api/", include("refunds.api.urls"))``)."""

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.urls import include, path, re_path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
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
