"""The browser's address, for the sign-in lockout (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

Directly on the network it is ``REMOTE_ADDR``. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies
every request comes from the last proxy, so a lockout by user and address would become a
lockout by user alone (anyone could lock anyone out); the address is then the one the outermost
trusted proxy saw, read from ``X-Forwarded-For`` from the right — the entries on its left are
whatever the client wrote, and are never taken.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-count] if len(hops) >= count else remote
