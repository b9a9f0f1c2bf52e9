"""Issue #13, Lows: sign-ins, Django-admin reads and registry imports are audited with the client address
from a trusted proxy only; login limits hold per address as well as per user name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from madoguchi.juki.crypto import new_key
from madoguchi.web.counter.models import AuditEvent

PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRUSTED_PROXIES = ["10.0.0.5", "10.0.1.0/24"]


def _login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("at", "id"))


@pytest.mark.django_db
def test_logins_and_failures_are_audited_with_the_address_a_trusted_proxy_names():
    User.objects.create_user("sato", password=PASSWORD)
    # Through the trusted proxy (two hops: the client, then another trusted proxy of ours).
    _login(
        Client(),
        "sato",
        "wrong-password",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.1.9",
    )
    # Straight from a client that claims an address: the header is ignored.
    response = _login(
        Client(), "sato", PASSWORD, REMOTE_ADDR="192.0.2.44", HTTP_X_FORWARDED_FOR="203.0.113.1"
    )
    assert response.status_code == 302
    failed, ok = _events("auth.login_failed"), _events("auth.login")
    assert [(e.ip, e.detail["username"], e.user_id) for e in failed] == [("198.51.100.7", "sato", None)]
    assert "wrong-password" not in str(failed[0].detail)
    assert [(e.ip, e.user.username) for e in ok] == [("192.0.2.44", "sato")]


@pytest.mark.django_db
def test_django_admin_reads_are_audited(client):
    admin = User.objects.create_superuser("kanri", password=PASSWORD)
    client.force_login(admin)
    assert client.get("/admin/auth/user/?q=yamada").status_code == 200
    assert client.get(f"/admin/auth/user/{admin.pk}/change/").status_code == 200
    reads = _events("admin.read")
    assert [e.detail["path"] for e in reads] == ["/admin/auth/user/", f"/admin/auth/user/{admin.pk}/change/"]
    assert all(e.user_id == admin.pk and e.ip == "127.0.0.1" for e in reads)


@pytest.mark.django_db
def test_a_registry_import_is_audited(monkeypatch):
    from madoguchi.web.juki import encryption
    from madoguchi.web.juki.store import generate_into_db

    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", new_key())
    encryption.keyring.cache_clear()
    try:
        generate_into_db(5, seed=3)
    finally:
        encryption.keyring.cache_clear()
    [event] = _events("registry.import")
    assert event.detail["residents"] == 5 and event.detail["errors"] == 0
    assert set(event.detail) >= {"source", "by", "households", "rows"}


@pytest.mark.django_db
def test_one_address_is_locked_after_failures_under_many_user_names(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.MADOGUCHI_LOGIN_IP_FAILURE_LIMIT = 3
    for name in ("a1", "a2", "a3", "a4"):
        User.objects.create_user(name, password=PASSWORD)
    attacker = Client(REMOTE_ADDR="192.0.2.10")
    for name in ("a1", "a2"):  # one failure each: far below the per-user limit
        assert _login(attacker, name, "guess").status_code == 200
    assert _login(attacker, "a3", "guess").status_code == 429  # the third failure from the address locks it
    locked = _login(attacker, "a4", PASSWORD)
    assert locked.status_code == 429, "the address should be locked, even for a right password"
    # The same account from another counter PC signs in; a trusted proxy's own address is not the client's.
    assert _login(Client(REMOTE_ADDR="192.0.2.11"), "a4", PASSWORD).status_code == 302
    via_proxy = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.12")
    assert _login(via_proxy, "a4", PASSWORD).status_code == 302
