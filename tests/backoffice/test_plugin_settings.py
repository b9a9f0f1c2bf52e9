"""「設定の確認」: every plug-in concern's registry and check_config(), seen by the administrator."""

from __future__ import annotations

import re

import pytest

from madoguchi.web.counter.models import Role

from .conftest import make_user

pytestmark = pytest.mark.django_db


def _section(page: str, key: str) -> str:
    match = re.search(rf'data-testid="concern-{key}">(.*?)</section>', page, re.S)
    assert match, key
    return match.group(1)


@pytest.fixture
def admin_client(client, routing_catalog):
    client.force_login(make_user("admin", Role.ADMINISTRATOR))
    return client


def test_only_administrators_see_it(client, routing_catalog):
    client.force_login(make_user("clerk", Role.COUNTER_CLERK))
    assert client.get("/settings/plugins/").status_code == 403


def test_every_concern_with_its_plugins_and_what_is_in_use(admin_client, monkeypatch, encryption_ready):
    monkeypatch.setenv("MADOGUCHI_CARD_AGENT_URL", "http://127.0.0.1:8791")
    monkeypatch.setenv("MADOGUCHI_CARD_AGENT_TOKEN", "t" * 24)
    monkeypatch.setenv("MADOGUCHI_CARD_CA_KEY", str(encryption_ready))
    monkeypatch.delenv("MADOGUCHI_CARD_TEST_MODE", raising=False)
    monkeypatch.delenv("MADOGUCHI_FORM_RENDERER", raising=False)
    page = admin_client.get("/settings/plugins/").content.decode()
    card, registry, forms, delivery = (_section(page, k) for k in ("card", "registry", "forms", "delivery"))
    assert (
        'data-plugin="pcsc"' in card and 'data-plugin="virtual"' in card and "http://127.0.0.1:8791" in card
    )
    assert 'data-plugin="csv"' in registry and "取り込まれていません" in registry  # no residents yet
    from datetime import datetime

    from django.utils import timezone

    from madoguchi.web.juki.models import Household, Resident

    at = datetime(2026, 11, 27, 23, 30, tzinfo=timezone.get_fixed_timezone(0))  # 08:30 in Japan
    h = Household.objects.create(setai_no="1", address="a", address_key="a", source="csv", imported_at=at)
    Resident.objects.create(
        atena_no="1", household=h, name="a", name_key="a", birth={}, birth_sort="1990-01-01", sex="1",
        relationship="世帯主", address_key="a", imported_at=at,
    )  # fmt: skip
    registry = _section(admin_client.get("/settings/plugins/").content.decode(), "registry")
    assert "1 人" in registry and "2026-11-28 08:30（csv）" in registry and "取込時に確認" in registry
    assert 'data-plugin="overlay"' in forms and "使用中" in forms and 'data-testid="ok"' in forms
    assert 'data-plugin="file_drop"' in delivery and 'data-plugin="http"' in delivery
    assert 'data-testid="ok"' in delivery and "送信先 juki" in delivery


def test_problems_are_named_where_they_are(admin_client, monkeypatch, routing_catalog):
    monkeypatch.setenv("MADOGUCHI_FORM_RENDERER", "pdfkit")
    monkeypatch.setenv("MADOGUCHI_CARD_AGENT_URL", "http://pc12:8791")
    monkeypatch.setenv("MADOGUCHI_CARD_TEST_MODE", "1")
    monkeypatch.delenv("MADOGUCHI_CARD_CA_KEY", raising=False)
    routing_catalog["drop"].rmdir() if routing_catalog["drop"].exists() else None
    page = admin_client.get("/settings/plugins/").content.decode()
    forms, card, delivery = _section(page, "forms"), _section(page, "card"), _section(page, "delivery")
    assert (
        "unknown form renderer &#x27;pdfkit&#x27; (known: overlay)" in forms
        and 'data-testid="problems"' in forms
    )
    assert "&#x27;http://pc12:8791&#x27; is not an http(s) address" in card
    assert "MADOGUCHI_CARD_CA_KEY" in card and "MADOGUCHI_CARD_TEST_MODE=1" in card
    assert "juki" in delivery and 'data-testid="problems"' in delivery


@pytest.fixture
def encryption_ready(tmp_path):
    """A CA key file the server can load (the virtual test hierarchy's)."""
    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.signature import key_file_text

    h = virtual_hierarchy()
    path = tmp_path / "ca.pem"
    path.write_text(key_file_text(h.ca.public_key(), h.ca_key_id, "test CA"))
    return path
