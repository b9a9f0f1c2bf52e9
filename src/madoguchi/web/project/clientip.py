"""The client's address as the audit log and the login limits see it.

``REMOTE_ADDR`` is the peer of the connection. Only when that peer is one of ``MADOGUCHI_TRUSTED_PROXIES``
(comma-separated addresses or networks, e.g. ``10.0.0.5,10.0.1.0/24``) is ``X-Forwarded-For`` read: from its
right end, skipping the trusted proxies, the first other address is the client. A header sent by anyone
else is ignored, so a client cannot choose the address recorded for it.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def trusted(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()))))


def _valid(addr: str) -> str | None:
    try:
        return str(ipaddress.ip_address(addr))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    peer = _valid(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None or not trusted(peer):
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        addr = _valid(hop)
        if addr is None:
            return peer  # a malformed chain: fall back to what we know
        if not trusted(addr):
            return addr
    return peer


def axes_client_ip(request, *args) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE."""
    return client_ip(request)
