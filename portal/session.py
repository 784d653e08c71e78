"""The portal's session: a signed cookie of its own, scoped to ``/claim/``, that names the
claim code its holder signed in with and lapses ``PORTAL_SESSION_SECONDS`` after sign-in.

It is not Django's session: a staff session gives nothing on the portal and this cookie gives
nothing on the staff's pages (it is not even sent to them).
"""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "refund_desk_portal"
PATH = "/claim/"
_SALT = "portal.session"


def start(response: HttpResponse, code_id: int) -> None:
    value = signing.dumps({"code": code_id}, salt=_SALT, compress=False)
    response.set_cookie(
        COOKIE,
        value,
        max_age=settings.PORTAL_SESSION_SECONDS,
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def end(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path=PATH, samesite="Strict")


def code_id(request: HttpRequest) -> int | None:
    """The signed-in code's id, or None (no cookie, a forged one, or older than the limit)."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=_SALT, max_age=settings.PORTAL_SESSION_SECONDS)
    except signing.BadSignature:
        return None
    found = data.get("code") if isinstance(data, dict) else None
    return found if isinstance(found, int) else None
