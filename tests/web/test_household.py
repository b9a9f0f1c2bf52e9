"""A case with several persons in one role (each 世帯員 of a household that moves), at the counter: added,
asked about by name, listed per person, marked per person, taken off again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from madoguchi.web.counter.models import AuditEvent, CaseFact, CasePerson, ProcedureMark

from .test_counter import answer, new_case

pytestmark = pytest.mark.django_db

HOUSEHOLD = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "bench" / "household"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _household_catalog(settings):
    settings.CATALOG_PATH = str(HOUSEHOLD)


def add_member(client, case, **fields):
    data = {"role": "member", "key": "", **fields}
    return client.post(reverse("case-person", args=[case.number]), data, **HX)


def test_members_are_added_asked_by_name_and_listed_per_person(clerk_client):
    case = new_case(clerk_client, "moving")
    assert answer(clerk_client, case, "move.date", "2026-12-01").status_code == 200
    r = add_member(clerk_client, case, name="緑川　花子", birth_date="1990-04-01", zokugara="妻", sex="2")
    assert r.status_code == 200, r.content.decode()
    r = add_member(clerk_client, case, name="緑川　太郎", birth_date="2018-05-05", zokugara="子", sex="1")
    body = r.content.decode()
    hanako, taro = CasePerson.objects.filter(case=case, role="member").order_by("id")
    assert (hanako.key, taro.key) == ("p1", "p2")
    # The birth dates went to the guide as each person's facts, stored under the person's key.
    assert CaseFact.objects.get(case=case, name="member.birth_date@p2").value == "2018-05-05"
    # A child under 15 makes 児童手当 apply for the household; the members panel shows each with age.
    assert "児童手当の認定請求" in body
    assert "子 緑川　太郎" in body and "（8歳）" in body
    # The next question about a person names them and posts under the person's key.
    assert 'name="fact" value="member.health_insurance@p1"' in body
    assert "妻 花子さん" in body

    body = answer(clerk_client, case, "member.health_insurance@p1", "kokuho").content.decode()
    assert "国民健康保険の加入" in body and "— 妻 花子さん" in body
    assert "— 子 太郎さん" not in body.split("国民健康保険の加入")[1].split("</h4>")[0]
    # Only the person it was said of.
    assert not CaseFact.objects.filter(case=case, name="member.health_insurance@p2").exists()
    assert AuditEvent.objects.filter(case=case, action="case.answer", detail__person="p1").exists()

    # A mark is kept per person.
    r = clerk_client.post(
        reverse("case-mark", args=[case.number]), {"procedure": "kokuho-kanyu@p1", "plan": "today"}, **HX
    )
    assert r.status_code == 200
    assert ProcedureMark.objects.get(case=case).procedure_id == "kokuho-kanyu@p1"


def test_a_person_fact_for_an_unknown_person_or_without_a_person_is_refused(clerk_client):
    case = new_case(clerk_client, "moving")
    add_member(clerk_client, case, name="緑川　花子", birth_date="1990-04-01")
    assert answer(clerk_client, case, "member.health_insurance@p9", "kokuho").status_code == 409
    assert answer(clerk_client, case, "member.health_insurance", "kokuho").status_code == 409
    assert not CaseFact.objects.filter(case=case, name__startswith="member.health_insurance").exists()


def test_a_member_is_taken_off_with_their_answers(clerk_client):
    case = new_case(clerk_client, "moving")
    answer(clerk_client, case, "move.date", "2026-12-01")
    add_member(clerk_client, case, name="緑川　花子", birth_date="1990-04-01")
    body = add_member(clerk_client, case, name="緑川　太郎", birth_date="2018-05-05").content.decode()
    assert (
        'data-procedure="jidou-teate"'
        in body.split('id="procedure-panel"')[1].split("未確定（")[0].split("対象外の手続き")[0]
    )
    answer(clerk_client, case, "member.health_insurance@p2", "kokuho")
    r = clerk_client.post(reverse("case-person-remove", args=[case.number]), {"key": "p2"}, **HX)
    assert r.status_code == 200
    assert list(CasePerson.objects.filter(case=case).values_list("key", flat=True)) == ["p1"]
    assert not CaseFact.objects.filter(case=case, name__endswith="@p2").exists()
    body = r.content.decode()
    assert (
        'data-procedure="jidou-teate"'
        not in body.split('id="procedure-panel"')[1].split("未確定（")[0].split("対象外の手続き")[0]
    )
    # The next person added gets a fresh key.
    add_member(clerk_client, case, name="緑川　次郎", birth_date="2020-01-01")
    assert set(CasePerson.objects.filter(case=case).values_list("key", flat=True)) == {"p1", "p2"}


def test_an_invalid_zokugara_is_shown_next_to_the_form(clerk_client):
    case = new_case(clerk_client, "moving")
    r = add_member(clerk_client, case, name="緑川　花子", zokugara="いとこ")
    assert r.status_code == 422
    body = r.content.decode()
    assert "世帯主との続柄" in body and "「いとこ」" in body and "'いとこ'" not in body
    assert not CasePerson.objects.filter(case=case).exists()


def test_finishing_sends_one_task_per_person_a_procedure_applies_to(clerk_client):
    from madoguchi.web.backoffice.models import Task

    case = new_case(clerk_client, "moving")
    answer(clerk_client, case, "move.date", "2026-12-01")
    add_member(clerk_client, case, name="緑川　花子", birth_date="1990-04-01", zokugara="妻")
    add_member(clerk_client, case, name="緑川　太郎", birth_date="2018-05-05", zokugara="子")
    add_member(clerk_client, case, name="緑川　一郎", birth_date="1988-01-01", zokugara="世帯主")
    answer(clerk_client, case, "member.health_insurance@p1", "kokuho")
    answer(clerk_client, case, "member.health_insurance@p2", "kokuho")
    answer(clerk_client, case, "member.health_insurance@p3", "employee")
    clerk_client.post(
        reverse("case-mark", args=[case.number]), {"procedure": "kokuho-kanyu@p2", "plan": "not_needed"}
    )
    assert clerk_client.post(reverse("case-finish", args=[case.number])).status_code == 302
    kokuho = Task.objects.filter(case=case, procedure_id="kokuho-kanyu")
    assert list(kokuho.values_list("person", flat=True)) == ["p1"]  # p2 marked 不要, p3 not in 国保
    assert Task.objects.filter(case=case, procedure_id="tengaku", person="p2").exists()
    assert Task.objects.filter(case=case, procedure_id="tennyu", person="").exists()
    sheet = clerk_client.get(reverse("case-sheet", args=[case.number])).content.decode()
    assert "□ 転入学の手続き — 子 太郎さん" in sheet
    assert "□ 国民健康保険の加入 — 妻 花子さん" in sheet and "国民健康保険の加入 — 子 太郎さん" not in sheet
