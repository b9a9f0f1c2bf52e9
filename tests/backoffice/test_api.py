"""The integration API: token auth, roles, field-level 4xx, nothing half-saved, the OpenAPI document."""

from __future__ import annotations

import copy
import json

import pytest

from madoguchi.web.backoffice.models import ApiToken, Delivery, Task
from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, CasePerson, Role

from .conftest import KOKUHO_CASE, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(routing_catalog):
    out = {}
    for name, role, depts in (
        ("clerk", Role.COUNTER_CLERK, []),
        ("hoken", Role.DEPARTMENT_STAFF, ["hoken"]),
        ("admin", Role.ADMINISTRATOR, []),
        ("nobody", None, []),
    ):
        out[name] = ApiToken.issue(make_user(f"api-{name}", role, depts), name)[1]
    return out


def call(client, method, path, token=None, body=None, raw=None, content_type="application/json"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    fn = getattr(client, method.lower())
    if data is None:
        return fn(f"/api/v1/{path}", **headers)
    return fn(f"/api/v1/{path}", data=data, content_type=content_type, **headers)


def test_openapi_document(client, routing_catalog):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/cases", "/cases/{number}", "/procedures", "/tasks", "/tasks/{id}", "/deliveries"} <= set(
        doc["paths"]
    )


def test_token_required_and_roles(client, tokens):
    r = call(client, "GET", "procedures")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Bearer"
    assert call(client, "GET", "procedures", "mdg_wrong").status_code == 401
    assert call(client, "GET", "procedures", tokens["nobody"]).status_code == 200
    assert call(client, "POST", "cases", tokens["hoken"], KOKUHO_CASE).status_code == 403
    assert call(client, "GET", "deliveries", tokens["clerk"]).status_code == 403
    assert call(client, "DELETE", "cases", tokens["admin"]).status_code == 405
    assert call(client, "GET", "nothing/here", tokens["admin"]).status_code == 404
    ApiToken.objects.update(active=False)
    assert call(client, "GET", "procedures", tokens["admin"]).status_code == 401


def test_procedures(client, tokens):
    body = call(client, "GET", "procedures?event=ev", tokens["clerk"]).json()
    kokuho = next(p for p in body["procedures"] if p["id"] == "kokuho")
    assert kokuho == {
        "id": "kokuho",
        "name": "国保の届",
        "events": ["ev"],
        "department": "hoken",
        "handling": "office",
        "deliveries": ["hoken-api"],
    }
    assert call(client, "GET", "procedures?event=nope", tokens["clerk"]).status_code == 422


def test_create_read_case_and_tasks(client, tokens):
    r = call(client, "POST", "cases", tokens["clerk"], {**KOKUHO_CASE, "finish": True})
    assert r.status_code == 201, r.content
    case = r.json()
    assert r["Location"] == f"/api/v1/cases/{case['number']}"
    assert case["status"] == "finished" and case["remaining_departments"] == ["hoken", "shimin"]
    assert {f["source"] for f in case["facts"]} == {"resident"}
    again = call(client, "GET", f"cases/{case['number']}", tokens["clerk"]).json()
    assert again["number"] == case["number"]
    assert AuditEvent.objects.filter(action="api.case.read", case__number=case["number"]).exists()
    assert call(client, "GET", "cases/2026-999999", tokens["clerk"]).status_code == 404

    tasks = call(client, "GET", "tasks", tokens["hoken"]).json()["tasks"]
    assert {t["procedure_id"] for t in tasks} == {"kokuho", "senior-kokuho"}
    t = tasks[0]
    r = call(
        client, "PATCH", f"tasks/{t['id']}", tokens["hoken"], {"status": "done", "version": t["version"]}
    )
    assert r.status_code == 200 and r.json()["version"] == t["version"] + 1
    r = call(client, "PATCH", f"tasks/{t['id']}", tokens["hoken"], {"status": "new", "version": t["version"]})
    assert r.status_code == 409 and r.json()["current"]["status"] == "done"
    shimin = Task.objects.get(procedure_id="always")
    assert call(client, "GET", f"tasks/{shimin.pk}", tokens["hoken"]).status_code == 404
    r = call(
        client, "PATCH", f"tasks/{t['id']}", tokens["hoken"], {"status": "returned", "version": 2, "x": 1}
    )
    assert r.status_code == 422 and set(r.json()["errors"]) == {"reason", "x"}
    assert call(client, "GET", "tasks?status=bogus", tokens["hoken"]).status_code == 422


def test_validation_errors_are_per_field_and_nothing_is_half_saved(client, tokens):
    bad = copy.deepcopy(KOKUHO_CASE)
    bad["facts"]["h.members"] = 99
    bad["facts"]["unknown.fact"] = 1
    bad["persons"]["deceased"]["sex"] = "M"
    bad["persons"]["pet"] = {}
    r = call(client, "POST", "cases", tokens["clerk"], {**bad, "finish": True})
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {
        "facts.h.members",
        "facts.unknown.fact",
        "persons.deceased.sex",
        "persons.pet",
    }
    assert r.json()["errors"]["facts.h.members"] == "残る人数: 0〜20の範囲で入力してください"
    for model in (Case, CaseFact, CasePerson, Task, Delivery):
        assert not model.objects.exists()
    assert call(client, "POST", "cases", tokens["clerk"], raw="{not json").status_code == 400
    assert (
        call(client, "POST", "cases", tokens["clerk"], raw="event=ev", content_type="text/plain").status_code
        == 400
    )
    assert call(client, "POST", "cases", tokens["clerk"], [1, 2]).status_code == 422
    assert call(client, "POST", "cases", tokens["clerk"], {}).json()["errors"]["event"]
    # Found by schemathesis: values of the wrong JSON type (unhashable) are field errors, not a 500.
    odd = {"event": ["ev"], "source": [], "persons": {"deceased": {"sex": {}, "kana_confirmed": "yes"}}}
    r = call(client, "POST", "cases", tokens["clerk"], odd)
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {
        "event",
        "source",
        "persons.deceased.sex",
        "persons.deceased.kana_confirmed",
    }


def test_deliveries_list_and_resend(client, tokens, fake_core):
    call(client, "POST", "cases", tokens["clerk"], {**KOKUHO_CASE, "finish": True})
    rows = call(client, "GET", "deliveries", tokens["admin"]).json()["deliveries"]
    assert {d["status"] for d in rows} == {"pending"}
    d = rows[0]
    assert call(client, "POST", f"deliveries/{d['id']}/resend", tokens["admin"]).status_code == 409
    Delivery.objects.filter(pk=d["id"]).update(status="dead")
    r = call(client, "POST", f"deliveries/{d['id']}/resend", tokens["admin"])
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert call(client, "GET", "deliveries?status=dead", tokens["admin"]).json()["deliveries"] == []
    assert call(client, "GET", "deliveries?status=x", tokens["admin"]).status_code == 422
