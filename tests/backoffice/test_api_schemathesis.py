"""schemathesis against /api/v1/openapi.json: generated requests (valid and invalid) never get a 5xx."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from madoguchi.web.backoffice.models import ApiToken  # noqa: E402
from madoguchi.web.counter.models import Role  # noqa: E402

from .conftest import KOKUHO_CASE, make_user  # noqa: E402

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_connection():
    """As Django's test client does: the raw WSGI app must not close the test's database connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(routing_catalog, db, keep_connection):
    user = make_user("api-admin", Role.ADMINISTRATOR)
    from madoguchi.web.api.cases import create_case

    create_case({**KOKUHO_CASE, "finish": True}, user)  # something to read, update and resend
    return ApiToken.issue(user, "schemathesis")[1]


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_errors(case, admin_token):
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:500]}"
    )
    assert response.headers.get("content-type", [""])[0].startswith("application/json")
