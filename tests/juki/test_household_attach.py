"""「世帯全員を案件に設定」 for 転居・転出: each current member of the registry household becomes a person of the
case with the registry's facts (never asked), once, and not over a value the clerk overrode."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.urls import reverse

from madoguchi.web.counter.models import Case, CaseFact, CasePerson
from madoguchi.web.juki.models import FactOverride, Household


@pytest.fixture
def tenkyo_case(clerk, sample_catalog):
    case = Case.objects.create(catalog_id="sample", event_id="tenkyo", created_by=clerk)
    case.assign_number()
    case.save()
    return case


def _big_household():
    return (
        Household.objects.annotate(n=Count("members", filter=Q(members__status="resident")))
        .filter(n__gte=3)
        .order_by("setai_no")
        .first()
    )


def test_the_whole_household_comes_from_the_registry(clerk_client, residents, tenkyo_case):
    house = _big_household()
    members = [m for m in house.members.all() if m.status == "resident"]
    page = clerk_client.get(
        reverse("registry-household", args=[house.setai_no]) + f"?case={tenkyo_case.number}&role=applicant"
    ).content.decode()
    assert 'data-testid="attach-household"' in page
    url = reverse("registry-attach-household", args=[tenkyo_case.number])
    done = clerk_client.post(url, {"atena": members[0].atena_no}, follow=True).content.decode()
    assert f"世帯の {len(members)} 人を設定しました" in done
    persons = list(CasePerson.objects.filter(case=tenkyo_case, role="member").order_by("key"))
    assert sorted(p.name for p in persons) == sorted(m.name for m in members)
    assert {p.key for p in persons} == {f"p{i}" for i in range(1, len(members) + 1)}
    assert all(p.source == "registry" and p.zokugara for p in persons)
    facts = {f.name: f for f in CaseFact.objects.filter(case=tenkyo_case)}
    for p in persons:
        birth = facts[f"member.birth_date@{p.key}"]
        assert birth.value == p.birth_date.isoformat() and birth.source == "registry"
        assert f"member.seal_registered@{p.key}" in facts and f"member.care_certified@{p.key}" in facts
    assert facts["household.child_allowance"].source == "registry"
    # The registry's facts are not asked: no question names a member's 生年月日 or 印鑑登録.
    detail = clerk_client.get(reverse("case-detail", args=[tenkyo_case.number])).content.decode()
    assert "の生年月日を教えてください" not in detail
    # Doing it again updates the same persons; a value overridden with a reason stays.
    first = persons[0]
    FactOverride.objects.create(
        case=tenkyo_case, fact=f"member.seal_registered@{first.key}", old_value=False, new_value=True,
        reason="本人確認のうえ変更",
    )  # fmt: skip
    CaseFact.objects.filter(case=tenkyo_case, name=f"member.seal_registered@{first.key}").update(value="true")
    clerk_client.post(url, {"atena": members[0].atena_no})
    assert CasePerson.objects.filter(case=tenkyo_case, role="member").count() == len(members)
    kept = CaseFact.objects.get(case=tenkyo_case, name=f"member.seal_registered@{first.key}")
    assert kept.value == "true"


def test_a_tennyu_case_is_not_set_from_the_registry(clerk_client, residents, clerk, sample_catalog):
    case = Case.objects.create(catalog_id="sample", event_id="tennyu", created_by=clerk)
    case.assign_number()
    case.save()
    atena = _big_household().members.first().atena_no
    page = clerk_client.post(
        reverse("registry-attach-household", args=[case.number]), {"atena": atena}, follow=True
    ).content.decode()
    assert "まだこの市の住民記録にありません" in page and not CasePerson.objects.filter(case=case).exists()


def test_an_event_without_a_household_refuses_with_a_message(clerk_client, residents, okuyami_case):
    house = _big_household()
    atena = house.members.first().atena_no
    page = clerk_client.post(
        reverse("registry-attach-household", args=[okuyami_case.number]), {"atena": atena}, follow=True
    ).content.decode()
    assert "世帯の全員を設定するものではありません" in page
    assert CasePerson.objects.filter(case=okuyami_case).count() == 0
    missing = clerk_client.post(
        reverse("registry-attach-household", args=[okuyami_case.number]), {"atena": "x" * 10}, follow=True
    ).content.decode()
    assert "見つかりません" in missing
