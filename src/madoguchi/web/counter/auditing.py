"""Audit records for what happens outside the counter's own views (issue #13): sign-ins (successful and
failed), and every Django-admin page read or change. The client address is the one the audit path always
records (madoguchi.web.project.clientip)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.urls import NoReverseMatch, reverse

from madoguchi.web.counter.services import audit


def _on_login(sender, request, user, **kwargs):
    if request is not None:
        audit(request, "auth.login")


def _on_logout(sender, request, user, **kwargs):
    if request is not None and user is not None:
        audit(request, "auth.logout")


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the user name that was tried (never the password), cut to the field's length.
    username = str((credentials or {}).get("username") or "")[:150]
    if request is not None:
        audit(request, "auth.login_failed", username=username)


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="madoguchi.audit.login")
    user_logged_out.connect(_on_logout, dispatch_uid="madoguchi.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="madoguchi.audit.login_failed")


class AdminAuditMiddleware:
    """Every request a signed-in user makes to the Django admin, read or change, is audited with its path
    (no query string) and method. Place it after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = None

    def prefix(self) -> str | None:
        if self._prefix is None:
            try:
                self._prefix = reverse("admin:index")
            except NoReverseMatch:
                self._prefix = ""
        return self._prefix or None

    def __call__(self, request):
        response = self.get_response(request)
        prefix = self.prefix()
        user = getattr(request, "user", None)
        if prefix and request.path.startswith(prefix) and user is not None and user.is_authenticated:
            action = "admin.read" if request.method in ("GET", "HEAD") else "admin.change"
            audit(
                request, action, path=request.path[:300], method=request.method, status=response.status_code
            )
        return response
