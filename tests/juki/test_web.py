import json
import re

import pytest
from django.urls import reverse

from madoguchi.web.counter.models import AuditEvent, CaseFact, CasePerson, Role
from madoguchi.web.counter.services import load_state
from madoguchi.web.juki.models import Resident

from .conftest import make_user


def test_lookup_needs_a_counter_role(client, residents):
    assert client.get("/registry/?name=窓口").status_code == 302  # login
    client.force_login(make_user("kansa", Role.AUDITOR))
    assert client.get("/registry/?name=窓口").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"name": "窓口"},
        {"q": "窓口　太郎"},
        {"kana": "まどぐち たろう"},
        {"q": "ﾏﾄﾞｸﾞﾁ"},
        {"birth": "昭和19年3月15日"},
        {"q": "S19.3.15"},
        {"address": "中央町1丁目2番3号"},
        # #12 item 13: common ways of writing the same address, through one normaliser
        {"address": "中央町1-2-3"},
        {"address": "中央町１－２－３"},
        {"address": "中央町一丁目二番三号"},
        {"q": "中央町1-2"},
    ],
)
def test_lookup_finds_the_deceased(clerk_client, residents, query):
    response = clerk_client.get("/registry/", query)
    assert response.status_code == 200
    assert "窓口\u3000太郎" in response.content.decode()


def test_lookup_by_atena_and_household(clerk_client, residents):
    taro = Resident.objects.get(name="窓口\u3000太郎")
    page = clerk_client.get("/registry/", {"atena": taro.atena_no}).content.decode()
    assert "窓口\u3000太郎" in page and "死亡" in page
    house = clerk_client.get(f"/registry/households/{taro.household.setai_no}/").content.decode()
    assert "窓口\u3000和子" in house and "窓口\u3000花子" in house
    # Masked for a clerk: the last 4 digits only, and no button to see more.
    hanako = Resident.objects.get(name="窓口\u3000花子")
    assert hanako.my_number_masked in house
    assert hanako.reveal_my_number() not in house
    assert "表示（記録されます）" not in house


def test_attach_fills_person_and_facts_and_the_guide_stops_asking(clerk_client, residents, okuyami_case):
    taro = Resident.objects.get(name="窓口\u3000太郎")
    response = clerk_client.post(
        reverse("registry-attach", args=[okuyami_case.number]), {"atena": taro.atena_no, "role": "deceased"}
    )
    assert response.status_code == 302
    person = CasePerson.objects.get(case=okuyami_case, role="deceased")
    assert (
        person.name == "窓口\u3000太郎"
        and person.source == "registry"
        and person.kana == "マドグチ\u3000タロウ"
    )
    assert person.birth_date.isoformat() == "1944-03-15" and person.death_date.isoformat() == "2026-11-20"
    rows = {f.name: f for f in okuyami_case.facts.all()}
    for name in (
        "deceased.birth_date",
        "deceased.death_date",
        "deceased.health_insurance",
        "deceased.was_householder",
        "deceased.care_certified",
        "deceased.disability_handbook",
        "household.remaining_members",
    ):
        assert rows[name].source == CaseFact.Source.REGISTRY, name
    state = load_state(okuyami_case)
    asked = {q.fact.name for q in state.result.questions}
    assert not asked & set(rows), asked & set(rows)
    page = clerk_client.get(reverse("case-detail", args=[okuyami_case.number])).content.decode()
    assert "住基" in page
    event = AuditEvent.objects.filter(action="registry.attach", case=okuyami_case).get()
    assert "deceased.health_insurance" in event.detail["facts"]


def test_override_needs_a_reason_and_is_audited(clerk_client, residents, okuyami_case):
    taro = Resident.objects.get(name="窓口\u3000太郎")
    url = reverse("registry-override", args=[okuyami_case.number])
    clerk_client.post(
        reverse("registry-attach", args=[okuyami_case.number]), {"atena": taro.atena_no, "role": "deceased"}
    )
    clerk_client.post(url, {"fact": "deceased.health_insurance", "value": "kokuho", "reason": ""})
    assert okuyami_case.facts.get(name="deceased.health_insurance").value == "kouki"
    clerk_client.post(
        url, {"fact": "deceased.health_insurance", "value": "kokuho", "reason": "転入直後で住基が未更新"}
    )
    row = okuyami_case.facts.get(name="deceased.health_insurance")
    assert (row.value, row.source) == ("kokuho", "interview")
    event = AuditEvent.objects.get(action="case.fact_override", case=okuyami_case)
    assert event.detail == {"fact": "deceased.health_insurance", "reason": "転入直後で住基が未更新"}
    # Setting the person from the registry again keeps the overridden value.
    clerk_client.post(
        reverse("registry-attach", args=[okuyami_case.number]), {"atena": taro.atena_no, "role": "deceased"}
    )
    assert okuyami_case.facts.get(name="deceased.health_insurance").value == "kokuho"


def test_full_my_number_only_on_a_case_for_a_listed_reason_and_audited(client, residents, okuyami_case):
    """Need-to-know (issue #13): see tests/juki/test_need_to_know.py for every refusal."""
    hanako = Resident.objects.get(name="窓口\u3000花子")
    url = reverse("registry-my-number", args=[hanako.atena_no])
    client.force_login(make_user("tantou", Role.DEPARTMENT_STAFF, ["kodomo"]))
    assert client.post(url, {"reason": "jidou-teate"}).status_code == 403  # no case: refused
    from madoguchi.web.backoffice.models import Task
    from madoguchi.web.juki.models import CaseRegistryLink

    CaseRegistryLink.objects.create(case=okuyami_case, role="applicant", resident=hanako)
    Task.objects.create(case=okuyami_case, procedure_id="jidou-teate", department_id="kodomo")
    house = client.get(
        f"/registry/households/{hanako.household.setai_no}/", {"case": okuyami_case.number}
    ).content.decode()
    assert "表示（記録されます）" in house and "児童手当に関する事務" in house
    response = client.post(url, {"case": okuyami_case.number, "reason": "jidou-teate"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert hanako.reveal_my_number() in response.content.decode()
    event = AuditEvent.objects.get(action="registry.my_number.view")
    assert event.detail["resident"] == hanako.pk and event.detail["reason"] == "jidou-teate"
    assert hanako.reveal_my_number() not in json.dumps(event.detail)
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    "data",
    [
        {"atena": "x" * 500, "role": "deceased"},
        {"atena": "", "role": "deceased"},
        {"atena": "999999999", "role": "deceased"},
        {"atena": "1", "role": "boss"},
        {"atena": ["1", "2"], "role": ["deceased", "x"]},
    ],
)
def test_hostile_attach_posts(clerk_client, residents, okuyami_case, data):
    response = clerk_client.post(reverse("registry-attach", args=[okuyami_case.number]), data)
    assert response.status_code == 400
    assert not CasePerson.objects.filter(case=okuyami_case).exists()


def test_hostile_override_and_card_posts(clerk_client, residents, okuyami_case):
    override = reverse("registry-override", args=[okuyami_case.number])
    assert clerk_client.post(override, {"fact": "nope", "value": "1", "reason": "r"}).status_code == 400
    assert (
        clerk_client.post(override, {"fact": "deceased.age", "value": "1", "reason": "r"}).status_code == 400
    )
    r = clerk_client.post(override, {"fact": "deceased.care_certified", "value": "maybe", "reason": "r"})
    assert r.status_code == 302 and not okuyami_case.facts.filter(name="deceased.care_certified").exists()
    card = reverse("card-post", args=[okuyami_case.number])
    assert clerk_client.post(card, {"evidence": "x"}).status_code == 415
    for body in (
        b"{",
        b"[]",
        b'{"evidence": "x"}',
        b'{"evidence": {"ef9999": "AA=="}}',
        b'{"evidence": {"ef0002": "%%%"}}',
        b'{"evidence": {"ef0002": "AAAA"}}',
        json.dumps({"evidence": {"ef0002": "A" * 20000}}).encode(),
    ):
        response = clerk_client.post(card, body, content_type="application/json")
        assert response.status_code == 400, body[:40]
    assert (
        clerk_client.post("/cases/" + "9" * 30 + "/card", b"{}", content_type="application/json").status_code
        == 404
    )
    assert clerk_client.get(card).status_code == 405
    assert not okuyami_case.card_readings.exists()


def test_lookup_with_hostile_parameters(clerk_client, residents):
    for params in (
        {"q": "%" * 300},
        {"birth": "昭和99年"},
        {"case": "x" * 50},
        {"role": "<script>"},
        {"atena": "'; drop"},
    ):
        assert clerk_client.get("/registry/", params).status_code in (200, 404)


def test_kana_and_postal_endpoints(clerk_client, residents):
    assert (
        "マドグチ\u3000ハナコ"
        in clerk_client.get("/registry/kana", {"name": "窓口　花子"}).json()["suggestions"]
    )
    assert (
        clerk_client.get("/registry/postal", {"code": "999-0001"}).json()["address"] == "架空県みどり市中央町"
    )
    assert clerk_client.get("/registry/postal", {"code": "x" * 100}).json() == {"found": False}


def test_attach_a_handbook_holder_to_a_shintai_techo_case(clerk_client, clerk, residents):
    from madoguchi.web.counter.models import Case

    case = Case.objects.create(catalog_id="sample", event_id="shintai-techo", created_by=clerk)
    case.assign_number()
    case.save()
    jiro = Resident.objects.get(name="手帳\u3000次郎")
    clerk_client.post(
        reverse("registry-attach", args=[case.number]), {"atena": jiro.atena_no, "role": "applicant"}
    )
    rows = {f.name: (f.value, f.source) for f in case.facts.all()}
    assert rows["applicant.disability_grade"] == (2, "registry")
    assert rows["applicant.disability_type"] == ("limb", "registry")
    assert rows["applicant.handbook_status"] == ("granted", "registry")
    person = CasePerson.objects.get(case=case, role="applicant")
    assert person.address == "架空県みどり市北町２丁目５番８号\u3000みどりハイツ２０１号室"
    asked = {q.fact.name for q in load_state(case).result.questions}
    assert not asked & set(rows)


def test_card_post_needs_the_csrf_token(residents, okuyami_case, clerk):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    url = reverse("card-post", args=[okuyami_case.number])
    response = client.post(url, b'{"evidence": {"ef0002": "AA=="}}', content_type="application/json")
    assert response.status_code == 403


def test_registry_pages_in_english(clerk_client, residents):
    page = clerk_client.get("/registry/", {"name": "窓口"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Resident registry search" in page and "Set this person on the case" not in page  # no case given
    assert "窓口\u3000太郎" in page  # names are never translated or normalised


def test_admin_shows_no_full_number(client, residents):
    from django.contrib.auth.models import User

    admin_user = User.objects.create_superuser("root", password="pw-123456789")
    client.force_login(admin_user)
    hanako = Resident.objects.get(name="窓口\u3000花子")
    listing = client.get("/admin/registry/resident/", {"q": "マドグチ"}).content.decode()
    detail = client.get(f"/admin/registry/resident/{hanako.pk}/change/").content.decode()
    assert "窓口\u3000花子" in listing and hanako.my_number_masked in detail
    assert hanako.reveal_my_number() not in listing + detail
    assert hanako.my_number_encrypted not in detail


def test_lookup_by_a_part_of_a_given_name(clerk_client, residents):
    page = clerk_client.get("/registry/", {"name": "太郎"}).content.decode()
    assert "窓口\u3000太郎" in page


@pytest.mark.parametrize(
    ("url", "enabled"),
    [("http://127.0.0.1:8791", True), ("http://192.0.2.10:8791", False), ("", False)],
)
def test_card_button_only_with_an_agent_address_the_page_may_reach(
    clerk_client, residents, okuyami_case, monkeypatch, url, enabled
):
    # The CSP lets the page reach only the agent address's loopback origin; another address would fail in
    # the browser, so the button says the agent is not set instead.
    monkeypatch.setenv("MADOGUCHI_CARD_AGENT_URL", url)
    monkeypatch.setenv("MADOGUCHI_CARD_AGENT_TOKEN", "t" * 24)
    page = clerk_client.get(f"/cases/{okuyami_case.number}/").content.decode()
    assert f'data-agent-url="{url if enabled else ""}"' in page
    assert ("カードリーダー（card-agent）が設定されていません" in page) is not enabled


def test_the_roles_offered_are_the_case_events_own(clerk_client, clerk, residents):
    """#11: a 転居 case sets a registry person as its 届出人 — not as 亡くなった方, a role it does not have; its
    members come through the household. A role the case lacks is refused with a message, nothing set."""
    from madoguchi.web.counter.models import Case

    case = Case.objects.create(catalog_id="sample", event_id="tenkyo", created_by=clerk)
    case.assign_number()
    case.save()
    page = clerk_client.get(
        reverse("registry-lookup"), {"case": case.number, "role": "deceased"}
    ).content.decode()
    options = re.findall(r'<option value="([^"]+)"', page)
    assert options == ["applicant"] and "亡くなった方" not in page and "届出人" in page
    jiro = Resident.objects.get(name="手帳\u3000次郎")
    for role in ("deceased", "member"):
        refused = clerk_client.post(
            reverse("registry-attach", args=[case.number]), {"atena": jiro.atena_no, "role": role}
        )
        assert refused.status_code == 400 and "設定先" in refused.content.decode()
    assert not CasePerson.objects.filter(case=case).exists()
    clerk_client.post(
        reverse("registry-attach", args=[case.number]), {"atena": jiro.atena_no, "role": "applicant"}
    )
    person = CasePerson.objects.get(case=case, role="applicant")
    assert person.name == "手帳\u3000次郎" and person.source == "registry" and person.death_date is None


def test_names_in_the_lookup_table_do_not_break_mid_name(clerk_client, residents):
    page = clerk_client.get("/registry/", {"name": "窓口"}).content.decode()
    assert '<span class="person-name">窓口\u3000太郎</span>' in page
