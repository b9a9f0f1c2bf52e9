"""Issue #13 High 1: the full 個人番号 only for a department whose 番号利用事務 needs it, on a case the user works on,
for a reason from the municipality's list, within a per-user rate limit; the registry scoped the same way."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.card import transport
from madoguchi.card.agent import CardAgent
from madoguchi.card.builder import virtual_hierarchy
from madoguchi.card.signature import key_file_text
from madoguchi.web.counter.models import AuditEvent, Role
from madoguchi.web.juki.models import Resident

from .conftest import make_user


@pytest.fixture
def family_case(clerk_client, okuyami_case, residents, tmp_path, monkeypatch):
    """The clerk's case with 窓口 太郎 † and 花子 set from the registry and 花子's card read."""
    h = virtual_hierarchy()
    path = tmp_path / "ca.pem"
    path.write_text(key_file_text(h.ca.public_key(), h.ca_key_id, "virtual test CA"))
    monkeypatch.setenv("MADOGUCHI_CARD_CA_KEY", str(path))
    monkeypatch.setenv("MADOGUCHI_CARD_TEST_MODE", "1")
    taro = Resident.objects.get(name="窓口\u3000太郎")
    hanako = Resident.objects.get(name="窓口\u3000花子")
    attach = reverse("registry-attach", args=[okuyami_case.number])
    clerk_client.post(attach, {"atena": taro.atena_no, "role": "deceased"})
    clerk_client.post(attach, {"atena": hanako.atena_no, "role": "applicant"})
    agent = CardAgent(transport.create("virtual", {"card": "demo"}), h.trust_store())
    evidence = agent.read("1234", confirm_last_try=False)["evidence"]
    response = clerk_client.post(
        reverse("card-post", args=[okuyami_case.number]),
        {"evidence": evidence},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"case": okuyami_case, "taro": taro, "hanako": hanako, "reading": okuyami_case.card_readings.get()}


def _urls(f):
    return (
        reverse("registry-my-number", args=[f["hanako"].atena_no]),
        reverse("card-my-number", args=[f["case"].number, f["reading"].pk]),
    )


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_kankyo_only_account_is_refused_everywhere(family_case):
    from madoguchi.web.backoffice.models import Task

    f = family_case
    number = f["hanako"].reveal_my_number()
    # 環境課 even holds a task on the case: its 事務 does not need the number.
    Task.objects.create(case=f["case"], procedure_id="okuyami.inu-touroku", department_id="kankyo")
    kankyo = _login(make_user("kankyo", Role.DEPARTMENT_STAFF, ["kankyo"]))
    for url in _urls(f):
        response = kankyo.post(url, {"case": f["case"].number, "reason": "juki"})
        page = response.content.decode()
        assert response.status_code == 403 and number not in page
        assert "個人番号利用事務を行う課の職員" in page
    # No registry search result: 窓口 一家 is on the case only through the clerk; other residents not at all.
    page = kankyo.get("/registry/", {"name": "窓口"}).content.decode()
    assert "窓口\u3000和子" not in page and "あなたの課は個人番号利用事務を行わない" in page
    other = Resident.objects.exclude(household=f["hanako"].household).first()
    assert other.name not in kankyo.get("/registry/", {"atena": other.atena_no}).content.decode()
    assert kankyo.get(f"/registry/households/{other.household.setai_no}/").status_code == 404
    # 花子's household shows only the persons on the case it works on, never 和子, and never a reveal.
    house = kankyo.get(f"/registry/households/{f['hanako'].household.setai_no}/").content.decode()
    assert "窓口\u3000花子" in house and "窓口\u3000和子" not in house and "reveal-form" not in house
    assert not AuditEvent.objects.filter(
        action__in=["registry.my_number.view", "card.my_number.view"]
    ).exists()
    assert AuditEvent.objects.filter(action="registry.my_number.refused").count() == 1


def test_staff_without_any_task_see_only_nothing(family_case):
    nobody = _login(make_user("kankyo2", Role.DEPARTMENT_STAFF, ["kankyo"]))
    page = nobody.get("/registry/", {"name": "窓口"}).content.decode()
    assert "窓口\u3000花子" not in page and "窓口\u3000太郎" not in page


def test_a_clerk_without_the_case_is_refused(family_case):
    f = family_case
    other = _login(make_user("clerk2", Role.COUNTER_CLERK, ["shimin"]))
    for url in _urls(f):
        response = other.post(url, {"case": f["case"].number, "reason": "juki"})
        assert response.status_code == 403
        assert f["hanako"].reveal_my_number() not in response.content.decode()
    # Without a case at all: refused too (the number is only shown in the context of a case).
    response = other.post(_urls(f)[0], {"reason": "juki"})
    assert response.status_code == 403
    # 市民課 department staff with no task on the case: refused the same way.
    shimin = _login(make_user("shimin", Role.DEPARTMENT_STAFF, ["shimin"]))
    for url in _urls(f):
        response = shimin.post(url, {"case": f["case"].number, "reason": "juki"})
        assert response.status_code == 403
        assert f["hanako"].reveal_my_number() not in response.content.decode()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "表示の理由（個人番号利用事務）を一覧から選んでください。"),
        ("   ", "表示の理由（個人番号利用事務）を一覧から選んでください。"),
        ("児童手当の審査", "選んだ理由は、この案件であなたの課が行う個人番号利用事務ではありません。"),
        (
            "kokuho",
            "選んだ理由は、この案件であなたの課が行う個人番号利用事務ではありません。",
        ),  # not 市民課's
    ],
)
def test_an_empty_or_unlisted_reason_is_refused(clerk_client, family_case, reason, message):
    f = family_case
    for url in _urls(f):
        response = clerk_client.post(url, {"case": f["case"].number, "reason": reason})
        page = response.content.decode()
        assert response.status_code == 400 and message in page
        assert f["hanako"].reveal_my_number() not in page and "reason" not in page.split("<main", 1)[-1]


def test_the_clerk_of_the_case_sees_it_for_a_listed_reason_and_it_is_audited(clerk_client, family_case):
    f = family_case
    number = f["hanako"].reveal_my_number()
    page = clerk_client.get(reverse("case-detail", args=[f["case"].number])).content.decode()
    assert 'data-testid="reveal-reason"' in page and "住民基本台帳に関する事務" in page
    assert "国民健康保険に関する事務" not in page  # not a 事務 of 市民課
    resident_url, card_url = _urls(f)
    response = clerk_client.post(resident_url, {"case": f["case"].number, "reason": "juki"})
    assert response.status_code == 200 and number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    response = clerk_client.post(card_url, {"case": f["case"].number, "reason": "juki"})
    assert response.status_code == 200 and number in response.content.decode()
    event = AuditEvent.objects.get(action="registry.my_number.view")
    assert event.case == f["case"] and event.detail["reason"] == "juki"
    assert (
        event.detail["reason_name"] == "住民基本台帳に関する事務"
        and event.detail["resident"] == f["hanako"].pk
    )
    assert AuditEvent.objects.get(action="card.my_number.view").detail["reason"] == "juki"
    assert number not in json.dumps([e.detail for e in AuditEvent.objects.all()])
    # The household page in the case's context offers the reveal for the persons on the case only.
    house = clerk_client.get(
        f"/registry/households/{f['hanako'].household.setai_no}/", {"case": f["case"].number}
    ).content.decode()
    assert house.count('data-testid="reveal-form"') == 2  # 太郎 and 花子, not 和子


def test_staff_of_a_department_with_a_task_see_it_for_their_own_work(family_case):
    from madoguchi.web.backoffice.models import Task

    f = family_case
    Task.objects.create(case=f["case"], procedure_id="okuyami.kokuho-soushitsu", department_id="hoken-nenkin")
    staff = _login(make_user("hoken", Role.DEPARTMENT_STAFF, ["hoken-nenkin"]))
    url = _urls(f)[0]
    assert staff.post(url, {"case": f["case"].number, "reason": "juki"}).status_code == 400  # 市民課's 事務
    response = staff.post(url, {"case": f["case"].number, "reason": "kokuho"})
    assert response.status_code == 200 and f["hanako"].reveal_my_number() in response.content.decode()
    # Not 和子: she is not on the case.
    kazuko = Resident.objects.get(name="窓口\u3000和子")
    url = reverse("registry-my-number", args=[kazuko.atena_no])
    response = staff.post(url, {"case": f["case"].number, "reason": "kokuho"})
    assert response.status_code == 403 and kazuko.reveal_my_number() not in response.content.decode()


def test_the_task_page_offers_the_number_only_to_a_department_that_needs_it(family_case):
    from madoguchi.web.backoffice.models import Task

    f = family_case
    masked = f["hanako"].my_number_masked
    dog = Task.objects.create(case=f["case"], procedure_id="okuyami.inu-touroku", department_id="kankyo")
    kokuho = Task.objects.create(
        case=f["case"], procedure_id="okuyami.kokuho-soushitsu", department_id="hoken-nenkin"
    )
    kankyo = _login(make_user("kankyo", Role.DEPARTMENT_STAFF, ["kankyo"]))
    page = kankyo.get(f"/tasks/{dog.pk}/").content.decode()
    assert masked not in page and "reveal-form" not in page and "個人番号（" not in page
    staff = _login(make_user("hoken", Role.DEPARTMENT_STAFF, ["hoken-nenkin"]))
    page = staff.get(f"/tasks/{kokuho.pk}/").content.decode()
    assert 'data-testid="task-my-numbers"' in page and masked in page
    assert page.count('data-testid="reveal-form"') == 2 and "国民健康保険に関する事務" in page
    assert f["hanako"].reveal_my_number() not in page
    assert f'name="case" value="{f["case"].number}"' in page


def test_the_rate_limit_refuses_and_writes_an_alert(clerk_client, family_case, settings, monkeypatch):
    settings.MADOGUCHI_MY_NUMBER_REVEALS = 3
    settings.MADOGUCHI_MY_NUMBER_WINDOW_SECONDS = 600
    f = family_case
    number = f["hanako"].reveal_my_number()
    resident_url, card_url = _urls(f)
    data = {"case": f["case"].number, "reason": "juki"}
    for url in (resident_url, card_url, resident_url):
        assert clerk_client.post(url, data).status_code == 200
    for url in (card_url, resident_url):
        response = clerk_client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 429 and number not in page
        assert "短い時間に個人番号の表示が続いたため、表示を止めました。" in page
    alerts = AuditEvent.objects.filter(action="my_number.rate_limit_alert")
    assert alerts.count() == 2 and alerts.first().case == f["case"]
    assert alerts.first().detail == {"reveals": 3, "limit": 3, "window_seconds": 600}
    # Another user is not limited by the clerk's views (the limit is per user).
    from madoguchi.web.backoffice.models import Task

    Task.objects.create(case=f["case"], procedure_id="okuyami.kokuho-soushitsu", department_id="hoken-nenkin")
    staff = _login(make_user("hoken", Role.DEPARTMENT_STAFF, ["hoken-nenkin"]))
    assert staff.post(resident_url, {"case": f["case"].number, "reason": "kokuho"}).status_code == 200
    # The window passes: the clerk may again (state is in the database, not in a process).
    from datetime import timedelta

    from django.utils import timezone

    from madoguchi.web.juki import access

    later = timezone.now() + timedelta(seconds=601)
    monkeypatch.setattr(access, "timezone", type("Later", (), {"now": staticmethod(lambda: later)}))
    assert clerk_client.post(resident_url, data).status_code == 200


def test_the_catalog_validates_the_list_of_my_number_uses(tmp_path, mini_catalog_path):
    from madoguchi.catalog import CatalogError, load_catalog

    text = (mini_catalog_path / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "fictional: true}",
        "fictional: true, my_number_uses: [{id: juki, name: 住民基本台帳に関する事務}]}",
        1,
    )
    good = text.replace(
        "{id: shimin, name: 市民課, counter: 1番, order: 1}",
        "{id: shimin, name: 市民課, counter: 1番, order: 1, my_number_uses: [juki]}",
    )
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "catalog.yaml").write_text(good, encoding="utf-8")
    catalog = load_catalog(tmp_path / "good")
    assert catalog.departments["shimin"].needs_my_number and not catalog.departments["hoken"].needs_my_number
    assert catalog.municipality.my_number_use("juki").name == "住民基本台帳に関する事務"
    for name, bad, message in (
        (
            "unknown",
            good.replace("my_number_uses: [juki]}", "my_number_uses: [kokuho]}"),
            "'kokuho' is not in",
        ),
        (
            "external",
            good.replace("kind: external, order: 9}", "kind: external, order: 9, my_number_uses: [juki]}"),
            "external agency",
        ),
        (
            "twice",
            text.replace(
                "fictional: true, my_number_uses: [{id: juki, name: 住民基本台帳に関する事務}]",
                "fictional: true, my_number_uses: [{id: juki, name: a}, {id: juki, name: b}]",
            ),
            "twice",
        ),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "catalog.yaml").write_text(bad, encoding="utf-8")
        with pytest.raises(CatalogError) as exc:
            load_catalog(tmp_path / name)
        assert any(message in issue.message for issue in exc.value.issues), (name, exc.value.issues)
