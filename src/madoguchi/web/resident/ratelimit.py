"""Fixed-window rate limits per client over Django's cache (a file cache on the pre-entry profile, so every
gunicorn worker counts together)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def client_key(request) -> str:
    """The client's address (hashed: the cache holds no addresses). Behind a reverse proxy that sets
    X-Forwarded-For, set MADOGUCHI_TRUST_X_FORWARDED_FOR=1 and the last hop the proxy added is used."""
    addr = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            addr = forwarded.split(",")[-1].strip()
    if ":" in addr:  # IPv6: one client usually holds a whole /64
        addr = ":".join(addr.split(":")[:4])
    return hashlib.sha256(f"{settings.SECRET_KEY[:16]}|{addr}".encode()).hexdigest()[:32]


def hit(scope: str, key: str, limit: int, window: int) -> bool:
    """Count one request; False when ``key`` has made more than ``limit`` in the current window."""
    if limit <= 0:
        return True
    bucket = int(time.time() // window)
    name = f"rl:{scope}:{key}:{bucket}"
    if cache.add(name, 1, timeout=window + 5):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 5)
        return True
    return count <= limit


def retry_after(window: int) -> int:
    return int(window - time.time() % window) + 1
