"""Issue #13 low: a deeply nested JSON body (a RecursionError in json.loads) is a 400 with a Japanese message on
the integration API and on both card posts, never a 500; every JSON body goes through one bounded reader."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.web import requestjson


def _user(name: str, role: str):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username=name, password="pw-123456789")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


DEEP = b"[" * 200_000 + b"]" * 200_000  # within no size bound here: the reader's depth check must stop it


def test_the_reader_bounds_depth_and_size_before_parsing():
    with pytest.raises(requestjson.JsonBodyError, match="入れ子が深すぎます"):
        requestjson.parse(DEEP, max_bytes=len(DEEP))
    with pytest.raises(requestjson.JsonBodyError, match="大きすぎます"):
        requestjson.parse(b'"' + b"a" * 100 + b'"', max_bytes=50)
    with pytest.raises(requestjson.JsonBodyError, match="JSON として読めませんでした"):
        requestjson.parse(b"{not json")
    # Brackets inside strings are text, not structure; the depth bound itself is allowed.
    assert requestjson.parse(b'{"a": "' + b"[" * 1000 + b'"}')["a"] == "[" * 1000
    assert requestjson.parse(b"[" * 32 + b"]" * 32, max_depth=32)
    assert requestjson.nesting_depth(b'{"a": [1, {"b": "\\"[{"}]}') == 3


@pytest.mark.django_db
def test_the_api_answers_a_deep_body_with_a_400_and_a_message(client):
    from madoguchi.web.backoffice.models import ApiToken
    from madoguchi.web.counter.models import Role

    token = ApiToken.issue(_user("api-clerk", Role.COUNTER_CLERK.value), "t")[1]
    body = b'{"event": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post(
        "/api/v1/cases", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "送られたデータの入れ子が深すぎます。"


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["card-post", "arrivals-card"])
def test_both_card_posts_answer_a_deep_body_with_a_400_and_a_message(where, monkeypatch):
    from madoguchi.juki.crypto import new_key
    from madoguchi.web.counter.models import Case, Role

    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", new_key())
    clerk = _user("card-clerk", Role.COUNTER_CLERK.value)
    c = Client()
    c.force_login(clerk)
    if where == "card-post":
        case = Case.objects.create(catalog_id="mini", event_id="ev", created_by=clerk)
        case.assign_number()
        case.save(update_fields=["number"])
        url = reverse("card-post", args=[case.number])
    else:
        url = reverse("arrivals-card")
    body = b'{"evidence": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"  # 60 kB: within the card post's size bound
    response = c.post(url, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "カードのデータを確認できませんでした。"
