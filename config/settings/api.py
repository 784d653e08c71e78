"""The API's settings (Django REST framework, drf-spectacular), imported by ``base``.

``API_APPS`` go at the end of ``INSTALLED_APPS``; ``REST_FRAMEWORK`` and ``SPECTACULAR_SETTINGS``
are the settings of the same names.
"""

from typing import Any

# ``django_filters`` (used by the API's filters too) is already installed for the pages.
API_APPS: list[str] = [
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our own static files
]

REST_FRAMEWORK: dict[str, Any] = {
    # Token first: its ``authenticate_header`` makes a missing or wrong token a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["refunds.api.permissions.HasAnyRole"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "refunds.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "refunds.api.exceptions.api_exception_handler",
}

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Refund Desk API",
    "DESCRIPTION": (
        "Members, contracts, cases, inquiries, claims and payment batches; case decisions "
        "through the same services as the pages. Authenticate with `Authorization: Token <key>` "
        "(or the signed-in session)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page are for signed-in users with a role, like the API.
    "SERVE_PERMISSIONS": ["refunds.api.permissions.HasAnyRole"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar (our static files), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "refunds.models.CaseStatus",
        "MemberStatusEnum": "refunds.models.MemberStatus",
        "BatchStatusEnum": "refunds.models.BatchStatus",
        "PaymentItemStatusEnum": "refunds.models.ItemStatus",
        "CallerRelationEnum": "refunds.models.CallerRelation",
    },
    # Every POST documents its Idempotency-Key header and the refusals it brings.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "refunds.api.idempotency.document_header",
    ],
}

# How long an API answer is kept for a request sent again with its Idempotency-Key.
IDEMPOTENCY_KEY_HOURS = 24
