"""Issue #13 low: half a character (a lone UTF-16 surrogate, JSON ``"\\ud800"``) in a name or any other text of a
JSON body is a 400 with a Japanese message, not a 500 at the database's INSERT; nothing is stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.web import requestjson

HALF = "緑川\ud800花子"


def _user(name: str, role: str):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username=name, password="pw-123456789")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_the_reader_refuses_half_a_character_anywhere_and_keeps_whole_ones():
    for body in ({"name": HALF}, {"persons": [{"x": ["a", HALF]}]}, {HALF: 1}, {"a": "\udc00"}):
        with pytest.raises(requestjson.JsonBodyError, match="読み取れない文字"):
            requestjson.parse(json.dumps(body).encode())
    # A pair is one character (an emoji); an escaped backslash before "ud800" is plain text.
    assert requestjson.parse(json.dumps({"a": "花\U0001f338"}).encode())["a"] == "花\U0001f338"
    assert requestjson.parse(b'{"a": "\\\\ud800"}')["a"] == "\\ud800"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "where", ["deceased.name", "applicant.kana", "applicant.address", "visitor_name", "note"]
)
def test_the_api_refuses_half_a_character_in_a_name_with_a_400(settings, where):
    from pathlib import Path

    from madoguchi.web.backoffice.models import ApiToken
    from madoguchi.web.counter.models import Case, CasePerson, Role

    settings.CATALOG_PATH = str(Path(__file__).resolve().parents[1] / "fixtures" / "mini")
    token = ApiToken.issue(_user("api-clerk", Role.COUNTER_CLERK.value), "t")[1]
    body = {
        "event": "ev",
        "facts": {"ev.date": "2026-11-01"},
        "persons": {"deceased": {"name": "窓口 太郎"}, "applicant": {"name": "窓口 花子"}},
    }
    if "." in where:
        role, key = where.split(".")
        body["persons"][role][key] = HALF
    else:
        body[where] = HALF
    response = Client(raise_request_exception=False).post(
        "/api/v1/cases",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == requestjson.HALF_CHARACTER
    assert Case.objects.count() == 0 and CasePerson.objects.count() == 0


@pytest.mark.django_db
def test_a_card_post_with_half_a_character_is_a_400(monkeypatch):
    from madoguchi.juki.crypto import new_key
    from madoguchi.web.counter.models import Case, Role
    from madoguchi.web.juki.models import CardEvidence

    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", new_key())
    clerk = _user("card-clerk", Role.COUNTER_CLERK.value)
    c = Client(raise_request_exception=False)
    c.force_login(clerk)
    case = Case.objects.create(catalog_id="mini", event_id="ev", created_by=clerk)
    case.assign_number()
    case.save(update_fields=["number"])
    body = json.dumps({"evidence": {"ef0001": HALF}})
    response = c.post(reverse("card-post", args=[case.number]), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "カードのデータを確認できませんでした。"
    assert CardEvidence.objects.count() == 0
