"""申請書 at the counter (Django test client): list, preview, correct (flows back, audited), not needed, bundle."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, CasePerson, ProcedureMark, Role
from madoguchi.web.counter.services import current_catalog, save_answer
from madoguchi.web.shinseisho.models import FormFieldOverride, FormFillStats, FormStatus

from .conftest import DATA, SAMPLE, pdffonts, pdftotext

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sample_catalog(settings):
    settings.CATALOG_PATH = str(SAMPLE)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, role: Role | None) -> User:
    user = User.objects.create_user(username=username, password="pw-123456789")
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def clerk_client(client, db):
    client.force_login(make_user("clerk", Role.COUNTER_CLERK))
    return client


@pytest.fixture
def case(db):
    user = make_user("opener", Role.COUNTER_CLERK)
    case = Case.objects.create(catalog_id="sample", event_id="okuyami", created_by=user)
    case.assign_number()
    case.save()
    catalog = current_catalog()
    facts = json.loads((DATA / "okuyami_facts.json").read_text(encoding="utf-8"))
    for name, value in facts.items():
        fact = catalog.facts[name]
        save_answer(case, fact, date.fromisoformat(value) if fact.type == "date" else value, user)
    CasePerson.objects.create(
        case=case,
        role="applicant",
        name="緑川　花子",
        kana="ミドリカワ　ハナコ",
        birth_date=date(1955, 7, 7),
        sex="2",
        postal_code="999-0012",
        address="架空県みどり市本町二丁目3番4号",
        phone="0000-12-3456",
        relationship="妻",
    )
    CasePerson.objects.create(
        case=case,
        role="deceased",
        name="緑川　一郎",
        kana="ミドリカワ　イチロウ",
        birth_date=date(1950, 2, 11),
        death_date=date(2026, 11, 18),
        sex="1",
        address="架空県みどり市本町二丁目3番4号",
    )
    return case


def url(name, case, **kw):
    return reverse(name, kwargs={"number": case.number, **kw})


def test_roles(client, case):
    assert client.get(url("shinseisho-list", case)).status_code == 302
    client.force_login(make_user("dept", Role.DEPARTMENT_STAFF))
    assert client.get(url("shinseisho-list", case)).status_code == 403
    assert client.get(url("shinseisho-bundle", case)).status_code == 403


def test_case_page_links_to_the_forms(clerk_client, case):
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert url("shinseisho-list", case) in page and "申請書を確認・印刷" in page


def test_list_preview_and_bundle(clerk_client, case, tmp_path):
    page = clerk_client.get(url("shinseisho-list", case)).content.decode()
    assert "国民健康保険 資格喪失届" in page and "相続人代表者指定届" in page
    stats = FormFillStats.objects.get(case=case)
    assert stats.forms >= 15 and stats.auto_fields > 100 and stats.typed_fields == 0

    response = clerk_client.get(url("shinseisho-preview", case, form_id="kokuho-soushitsu"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    flat = "".join(pdftotext(response.content, tmp_path).split())
    assert "緑川一郎" in flat and case.number in flat

    response = clerk_client.get(url("shinseisho-bundle", case))
    assert response.status_code == 200
    path = tmp_path / "bundle.pdf"
    path.write_bytes(response.content)
    text = "".join(pdftotext(path, tmp_path).split())
    assert "申請書・届出書一式" in text and "緑川花子" in text and "ミドリカワイチロウ" in text
    assert "手続き案内票" in text  # the take-home sheet is part of the print
    assert all(f["emb"] == "yes" for f in pdffonts(path))
    assert FormFillStats.objects.get(case=case).printed_at is not None
    assert AuditEvent.objects.filter(case=case, action="forms.print").exists()


def test_correct_a_person_value_flows_back_to_the_case(clerk_client, case):
    response = clerk_client.post(
        url("shinseisho-correct", case, form_id="setainushi-henkou"),
        {"field": "new_name", "value": "緑川　華子"},
    )
    assert response.status_code == 302
    assert CasePerson.objects.get(case=case, role="applicant").name == "緑川　華子"
    row = FormFieldOverride.objects.get(case=case, form_id="setainushi-henkou", field="new_name")
    assert row.written_back == "person:applicant.name" and row.value == ""  # the case holds the value
    event = AuditEvent.objects.get(case=case, action="forms.correct")
    assert event.detail["field"] == "new_name" and "緑川" not in json.dumps(event.detail, ensure_ascii=False)
    # Every form now prints the corrected name; this field counts as typed.
    page = clerk_client.get(url("shinseisho-detail", case, form_id="kokuho-soushitsu")).content.decode()
    assert "緑川　華子" in page
    clerk_client.get(url("shinseisho-list", case))
    assert FormFillStats.objects.get(case=case).typed_fields == 1


def test_correct_a_fact_and_a_form_only_value(clerk_client, case):
    r = clerk_client.post(
        url("shinseisho-correct", case, form_id="kokuho-sousaihi"),
        {"field": "funeral_date", "value": "令和8年11月22日"},
    )
    assert r.status_code == 302
    assert CaseFact.objects.get(case=case, name="funeral.date").value == "2026-11-22"
    r = clerk_client.post(
        url("shinseisho-correct", case, form_id="kokuho-sousaihi"),
        {"field": "bank_number", "value": "1234567"},
    )
    row = FormFieldOverride.objects.get(case=case, form_id="kokuho-sousaihi", field="bank_number")
    assert row.value == "1234567" and row.written_back == ""
    page = clerk_client.get(url("shinseisho-detail", case, form_id="kokuho-sousaihi")).content.decode()
    assert "1234567" in page and "令和8年11月22日" in page


def test_bad_corrections_are_refused_with_a_message(clerk_client, case):
    form_url = url("shinseisho-correct", case, form_id="kokuho-sousaihi")
    r = clerk_client.post(form_url, {"field": "bank_number", "value": "12345678"}, follow=True)
    assert "bank_number" in r.content.decode()
    assert not FormFieldOverride.objects.filter(case=case, field="bank_number").exists()
    r = clerk_client.post(form_url, {"field": "applicant_name", "value": "山" * 200}, follow=True)
    assert CasePerson.objects.get(case=case, role="applicant").name == "緑川　花子"
    r = clerk_client.post(
        url("shinseisho-correct", case, form_id="setainushi-henkou"),
        {"field": "new_mynumber", "value": "123456789012"},
        follow=True,
    )
    assert "個人番号は保存しません" in r.content.decode()
    assert not FormFieldOverride.objects.filter(case=case, field="new_mynumber").exists()
    assert clerk_client.post(form_url, {"field": "applicant_signature", "value": "x"}).status_code == 302
    assert not FormFieldOverride.objects.filter(case=case, field="applicant_signature").exists()


def test_check_box_correction_sets_the_fact(clerk_client, case):
    r = clerk_client.post(
        url("shinseisho-correct", case, form_id="kaigo-soushitsu"),
        {"field": "certified_yes", "kind": "checkbox"},  # unticked
    )
    assert r.status_code == 302
    assert CaseFact.objects.get(case=case, name="deceased.care_certified").value is False


def test_not_needed_forms_leave_the_bundle(clerk_client, case, tmp_path):
    r = clerk_client.post(url("shinseisho-needed", case, form_id="inu-henkou"), {"not_needed": "true"})
    assert r.status_code == 302 and FormStatus.objects.get(case=case, form_id="inu-henkou").not_needed
    ProcedureMark.objects.create(case=case, procedure_id="okuyami.shiei-bochi", plan="not_needed")
    text = "".join(
        pdftotext(clerk_client.get(url("shinseisho-bundle", case) + "?sheet=0").content, tmp_path).split()
    )
    assert "犬の登録事項変更届" not in text and "市営墓地使用権承継申請書" not in text
    assert "国民健康保険資格喪失届" in text
    clerk_client.post(url("shinseisho-needed", case, form_id="inu-henkou"), {"not_needed": "false"})
    text = "".join(
        pdftotext(clerk_client.get(url("shinseisho-bundle", case) + "?sheet=0").content, tmp_path).split()
    )
    assert "犬の登録事項変更届" in text


def test_finished_case_cannot_be_corrected_and_unknown_forms_404(clerk_client, case):
    case.status = Case.Status.FINISHED
    case.save()
    clerk_client.post(
        url("shinseisho-correct", case, form_id="setainushi-henkou"), {"field": "new_name", "value": "x"}
    )
    assert CasePerson.objects.get(case=case, role="applicant").name == "緑川　花子"
    assert clerk_client.get(url("shinseisho-detail", case, form_id="nope")).status_code == 404
    assert clerk_client.get(url("shinseisho-bundle", case)).status_code == 200


def test_qr_code_holds_only_the_case_url(clerk_client, case):
    from madoguchi.web.shinseisho.services import case_forms

    forms = case_forms(case, "http://testserver" + reverse("case-detail", args=[case.number]))
    assert forms.data.url.endswith(f"/cases/{case.number}/")
