from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language

from refunds.views.account import LogoutEverywhereView, SecondFactorSetupView, SecondFactorView
from refunds.views.health import HealthView, ReadinessView
from refunds.views.home import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    # Browsers ask for /favicon.ico on pages without a link to the icon (files, the API's pages).
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.ico"), permanent=True),
        name="favicon",
    ),
    path("accounts/", include("accounts.urls")),
    path(
        "accounts/logout/everywhere/",
        LogoutEverywhereView.as_view(),
        name="logout_everywhere",
    ),
    path("accounts/second-factor/", SecondFactorView.as_view(), name="second_factor"),
    path(
        "accounts/second-factor/setup/",
        SecondFactorSetupView.as_view(),
        name="second_factor_setup",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("refunds.api.urls")),
    # The member portal: no staff login, its own pages and cookie (portal/).
    path("claim/", include("portal.urls")),
    path("", include("refunds.urls")),
]

# JSON for every /api/ path, the site's own pages elsewhere (refunds/views/errors.py).
handler400 = "refunds.views.errors.bad_request"
handler403 = "refunds.views.errors.permission_denied"
handler404 = "refunds.views.errors.page_not_found"
handler500 = "refunds.views.errors.server_error"
