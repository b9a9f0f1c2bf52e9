"""The full card flow (agent → counter page → server) with every log captured: the full 個人番号 must never
appear in a log, in the audit trail, in a response for a clerk, or in clear in the database."""

import json
import logging
import urllib.error
import urllib.request

from django.db import connection
from django.urls import reverse

from madoguchi.card import transport
from madoguchi.card.agent import AgentConfig, CardAgent, serve_in_thread
from madoguchi.card.builder import virtual_hierarchy
from madoguchi.card.virtual import PROFILES
from madoguchi.web.counter.models import AuditEvent, CasePerson

TOKEN = "test-token-0123456789abcdef"


def _agent(card: str):
    agent = CardAgent(transport.create("virtual", {"card": card}), virtual_hierarchy().trust_store())
    config = AgentConfig(token=TOKEN, origin="http://testserver", port=0)
    server, _ = serve_in_thread(agent, config)
    return server, f"http://127.0.0.1:{config.port}"


def _call(url: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310 - loopback agent
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_full_card_flow_never_logs_the_number(
    clerk_client, okuyami_case, residents, server_trusts_virtual_ca, caplog, capfd
):
    number = PROFILES["demo"].my_number
    caplog.set_level(logging.DEBUG)
    server, url = _agent("demo")
    try:
        status, body = _call(url, "/v1/status")
        assert status == 200 and body["card"]["tries_left"] == 3
        status, body = _call(url, "/v1/read", {"pin": "9999"})
        assert (status, body["error"], body["tries_left"]) == (409, "wrong_pin", 2)
        status, body = _call(url, "/v1/read", {"pin": "1234"})
        assert status == 200 and body["card"]["signature"] == "valid"
        evidence = body["evidence"]
    finally:
        server.shutdown()
    response = clerk_client.post(
        reverse("card-post", args=[okuyami_case.number]),
        {"evidence": evidence},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["filled"] is True and result["card"]["my_number_masked"] == "********" + number[-4:]
    person = CasePerson.objects.get(case=okuyami_case, role="applicant")
    assert (person.name, person.source, person.sex) == ("窓口\u3000花子", "card", "2")
    assert person.address == PROFILES["demo"].address and person.birth_date.isoformat() == "1985-04-15"
    page = clerk_client.get(reverse("case-detail", args=[okuyami_case.number])).content.decode()
    assert "窓口\u3000花子" in page and "********" + number[-4:] in page and number not in page
    # The card's holder is in the registry: the page offers to complete the applicant from it.
    assert 'data-testid="card-match"' in page
    from madoguchi.web.juki.models import Resident

    taro = Resident.objects.get(name="窓口\u3000太郎")
    hanako = Resident.objects.get(name="窓口\u3000花子")
    attach = reverse("registry-attach", args=[okuyami_case.number])
    clerk_client.post(attach, {"atena": taro.atena_no, "role": "deceased"})
    clerk_client.post(attach, {"atena": hanako.atena_no, "role": "applicant"})
    person = CasePerson.objects.get(case=okuyami_case, role="applicant")
    assert (person.kana, person.relationship, person.postal_code) == (
        "マドグチ\u3000ハナコ",
        "子",
        "999-0001",
    )
    page = clerk_client.get(reverse("case-detail", args=[okuyami_case.number])).content.decode()
    assert 'data-testid="card-match"' not in page
    # The number is stored encrypted, and nowhere in clear.
    reading = okuyami_case.card_readings.get()
    from madoguchi.web.juki.services import reveal_card_number

    assert reveal_card_number(reading) == number
    # The stored evidence can be re-verified later.
    verify = reverse("card-verify", args=[okuyami_case.number, reading.pk])
    assert clerk_client.post(verify).status_code == 302
    assert AuditEvent.objects.get(action="card.reverify").detail["signature"] == "valid"
    with connection.cursor() as cursor:
        from madoguchi.web.counter.models import CaseFact
        from madoguchi.web.juki.models import CardEvidence, Resident

        for model in (CardEvidence, Resident, AuditEvent, CaseFact, CasePerson):
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert number not in repr(cursor.fetchall()), table
    # Every log record of the whole flow, formatted, and everything printed.
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    out, err = capfd.readouterr()
    assert logged, "the flow should have logged something (agent requests)"
    assert number not in logged and number not in out and number not in err
    assert all(number not in json.dumps(e.detail) for e in AuditEvent.objects.all())


def test_tampered_card_is_kept_but_not_filled(
    clerk_client, okuyami_case, encryption_key, server_trusts_virtual_ca
):
    server, url = _agent("tampered")
    try:
        status, body = _call(url, "/v1/read", {"pin": "1234"})
    finally:
        server.shutdown()
    assert status == 200 and body["card"]["signature"] == "invalid"
    response = clerk_client.post(
        reverse("card-post", args=[okuyami_case.number]),
        {"evidence": body["evidence"]},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["filled"] is False
    assert not CasePerson.objects.filter(case=okuyami_case).exists()
    assert okuyami_case.card_readings.get().signature == "invalid"


def test_without_a_configured_ca_nothing_is_filled(clerk_client, okuyami_case, encryption_key, monkeypatch):
    monkeypatch.delenv("MADOGUCHI_CARD_CA_KEY", raising=False)
    server, url = _agent("demo")
    try:
        _, body = _call(url, "/v1/read", {"pin": "1234", "read_my_number": False})
    finally:
        server.shutdown()
    response = clerk_client.post(
        reverse("card-post", args=[okuyami_case.number]),
        {"evidence": body["evidence"]},
        content_type="application/json",
    )
    assert response.json()["filled"] is False and response.json()["card"]["signature"] == "not_checked"
    assert okuyami_case.card_readings.get().my_number_last4 == ""
