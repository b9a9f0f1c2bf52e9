"""Middleware of the counter site."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.cache import add_never_cache_headers


def _now() -> int:
    return int(time.time())


class SessionTouchMiddleware:
    """Keep idle sessions alive without writing the session on every request.

    Counter PCs are shared, so a session ends after ``SESSION_COOKIE_AGE`` idle seconds. Django's
    ``SESSION_SAVE_EVERY_REQUEST`` would renew it with a database write per request — at a busy counter a
    third of all writes. Renewing at most every ``MADOGUCHI_SESSION_TOUCH_SECONDS`` (60) gives the same
    idle timeout within a minute at a fraction of the writes. Place it after SessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.every = getattr(settings, "MADOGUCHI_SESSION_TOUCH_SECONDS", 60)

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = _now()
            if now - session.get("_touched", 0) >= self.every:
                session["_touched"] = now  # marks the session modified: SessionMiddleware saves it
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (and Django's other never-cache headers) on every page and JSON answer:
    they carry residents' personal data, and counter PCs are shared (issue #13). Static files never reach
    it — WhiteNoise, placed before it, answers them with its own long-lived caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
