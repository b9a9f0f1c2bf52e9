"""Login limits per user name and per address (issue #13), both counted in the database (django-axes'
AccessAttempt rows, shared by every worker process and server).

django-axes locks a user name from one address after ``AXES_FAILURE_LIMIT`` failures. This handler also
locks an address after ``MADOGUCHI_LOGIN_IP_FAILURE_LIMIT`` failures under any user names within the same
cool-off time, so one client cannot try a few passwords on each of many accounts. A successful login resets
only its own user name's count (axes' reset), not the address's other failures. The address is the one
``madoguchi.web.project.clientip`` gives (X-Forwarded-For only from ``MADOGUCHI_TRUSTED_PROXIES``).
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def address_failures(request) -> int:
    ip = getattr(request, "axes_ip_address", None)
    if not ip:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=ip)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginLimitHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.MADOGUCHI_LOGIN_IP_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
