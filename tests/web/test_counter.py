"""The counter UI through Django's test client: roles, answering, marks, the sheet, hostile posts."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, ProcedureMark, Role

from .conftest import make_user

pytestmark = pytest.mark.django_db


def new_case(client, event="ev") -> Case:
    response = client.post(reverse("case-new"), {"event": event, "visitor_name": "受付番号 7"})
    assert response.status_code == 302
    return Case.objects.latest("created_at")


def answer(client, case, fact, value=None, htmx=True, skip=False):
    data = {"fact": fact}
    if skip:
        data["skip"] = "1"
    else:
        data["value"] = value
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("case-answer", args=[case.number]), data, **headers)


def test_login_required_and_roles(client, db):
    assert client.get(reverse("case-list")).status_code == 302
    staff = make_user("dept", Role.DEPARTMENT_STAFF)
    client.force_login(staff)
    assert client.get(reverse("case-list")).status_code == 403
    assert client.post(reverse("case-new"), {"event": "ev"}).status_code == 403


def test_case_flow_updates_procedures_after_each_answer(clerk_client):
    case = new_case(clerk_client)
    assert case.number.endswith("000001") or case.number
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "いつですか。" in page  # the event date is the first question
    assert "必ずする届" in page

    response = answer(clerk_client, case, "ev.date", "令和8年11月20日")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="question-panel"' in body and 'id="procedure-panel"' in body
    # The deadline is computed from the event date and shown in 和暦 and 西暦 (7 days, first day counted).
    assert "令和8年11月26日（2026年11月26日）" in body

    body = answer(clerk_client, case, "p.insurance", "kokuho").content.decode()
    assert "国保の届" in body and "保険: 国民健康保険" in body  # the reason is shown
    row = CaseFact.objects.get(case=case, name="p.insurance")
    assert row.value == "kokuho" and row.source == "interview"


def test_change_of_earlier_answer_reevaluates(clerk_client):
    case = new_case(clerk_client)
    answer(clerk_client, case, "p.insurance", "kokuho")
    answer(clerk_client, case, "p.insurance", "kouki")
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    applicable = page.split("未確定（")[0]
    assert "国保の届" not in applicable
    assert CaseFact.objects.filter(case=case, name="p.insurance").count() == 1


def test_forget_makes_the_question_come_back(clerk_client):
    case = new_case(clerk_client)
    answer(clerk_client, case, "p.pension", "true")
    response = clerk_client.post(
        reverse("case-forget", args=[case.number]), {"fact": "p.pension"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not CaseFact.objects.filter(case=case, name="p.pension").exists()
    assert 'data-fact="p.pension"' in response.content.decode()


def test_skip_leaves_fact_unknown_and_not_asked_again(clerk_client):
    case = new_case(clerk_client)
    body = answer(clerk_client, case, "ev.date", skip=True).content.decode()
    assert CaseFact.objects.get(case=case, name="ev.date").skipped
    assert 'class="question" data-fact="ev.date"' not in body
    assert "わからない（後で確認）" in body


def test_plain_form_post_without_javascript_redirects_back(clerk_client):
    case = new_case(clerk_client)
    response = answer(clerk_client, case, "p.pension", "false", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.number])


@pytest.mark.parametrize(
    ("fact", "value", "message"),
    [
        ("h.members", "abc", "数字で入力してください"),
        ("h.members", "99", "範囲"),
        ("ev.date", "2026-13-40", "存在しない日付"),
        ("ev.date", "平成40年1月1日", "範囲外"),
        ("p.insurance", "nope", "選択肢"),
        ("p.pension", "maybe", "はい"),
    ],
)
def test_bad_answers_are_refused_with_a_message(clerk_client, fact, value, message):
    case = new_case(clerk_client)
    response = answer(clerk_client, case, fact, value)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CaseFact.objects.filter(case=case, name=fact).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"fact": "no.such", "value": "x"},
        {"fact": "p.age", "value": "3"},  # derived facts are not answered
        {"fact": "", "value": ""},
        {"fact": "p.note", "value": "x"},  # a form-only fact has no question
        {"fact": "a" * 10000, "value": "x"},
    ],
)
def test_hostile_answer_posts_are_rejected_without_500(clerk_client, data):
    case = new_case(clerk_client)
    response = clerk_client.post(reverse("case-answer", args=[case.number]), data)
    assert response.status_code == 400


def test_hostile_posts_elsewhere(clerk_client):
    case = new_case(clerk_client)
    mark = reverse("case-mark", args=[case.number])
    assert clerk_client.post(mark, {"procedure": "nope", "plan": "today"}).status_code == 400
    assert clerk_client.post(mark, {"procedure": "always", "plan": "drop table"}).status_code == 400
    long_note = {"procedure": "always", "plan": "today", "note": "x" * 600}
    assert clerk_client.post(mark, long_note, HTTP_HX_REQUEST="true").status_code == 422
    assert (
        clerk_client.post(mark, long_note).status_code == 302
    )  # without htmx: back to the case with a message
    assert not ProcedureMark.objects.filter(case=case).exists()
    assert clerk_client.post(reverse("case-new"), {"event": "<script>"}).status_code == 400
    assert clerk_client.get("/cases/" + "9" * 50 + "/").status_code == 404
    assert clerk_client.get(reverse("case-detail", args=["2026-999999"])).status_code == 404
    assert clerk_client.get(reverse("case-answer", args=[case.number])).status_code == 405


def test_csrf_is_enforced(db, clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(reverse("case-new"), {"event": "ev"}).status_code == 403


def test_marks_and_notes(clerk_client):
    case = new_case(clerk_client)
    response = clerk_client.post(
        reverse("case-mark", args=[case.number]),
        {"procedure": "always", "plan": "today", "note": "本日受付"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    mark = ProcedureMark.objects.get(case=case, procedure_id="always")
    assert (mark.plan, mark.note) == ("today", "本日受付")
    clerk_client.post(reverse("case-note", args=[case.number]), {"note": "長男が来庁"})
    case.refresh_from_db()
    assert case.note == "長男が来庁"


def test_finish_locks_answers_and_sheet_lists_procedures(clerk_client):
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-11-20")
    answer(clerk_client, case, "p.insurance", "kokuho")
    answer(clerk_client, case, "p.pension", "true")
    clerk_client.post(reverse("case-mark", args=[case.number]), {"procedure": "kokuho", "plan": "not_needed"})
    response = clerk_client.post(reverse("case-finish", args=[case.number]))
    assert response.status_code == 302 and response["Location"].endswith("/sheet")
    assert answer(clerk_client, case, "p.householder", "true").status_code == 409

    sheet = clerk_client.get(reverse("case-sheet", args=[case.number])).content.decode()
    assert "手続き案内票" in sheet and case.number in sheet
    assert "必ずする届" in sheet
    assert "国保の届" not in sheet  # marked not needed
    office, external = sheet.split("市役所以外での手続き")
    assert "年金の届" in external and "年金事務所" in external
    assert "世帯主変更" in sheet.split("確認が必要なもの")[1]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_sheet_pdf_has_text_and_embedded_fonts(clerk_client, tmp_path):
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-11-20")
    answer(clerk_client, case, "p.insurance", "kokuho")
    response = clerk_client.get(reverse("case-sheet-pdf", args=[case.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "手続き案内票" in text and case.number in text and "国保の届" in text
    assert "令和8年11月26日" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows
    for line in rows:  # columns: name type encoding emb sub uni object id
        emb = re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        assert emb and emb[1] == "yes", f"font not embedded: {line}"


def test_security_headers(clerk_client):
    response = clerk_client.get(reverse("case-list"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline script anywhere


def test_login_throttling_locks_after_repeated_failures(client, db, settings):
    make_user("someone", Role.COUNTER_CLERK, password="right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "someone", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        reverse("login"), {"username": "someone", "password": "right-password-1"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert "一時停止" in response.content.decode()


def test_login_page_and_successful_login(client, db):
    make_user("okclerk", Role.COUNTER_CLERK, password="right-password-1")
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "okclerk", "password": "right-password-1"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("case-list")


def test_audit_records_actions_without_values(clerk_client):
    case = new_case(clerk_client)
    answer(clerk_client, case, "p.insurance", "kokuho")
    actions = list(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
    assert "case.create" in actions and "case.answer" in actions
    event = AuditEvent.objects.filter(case=case, action="case.answer").first()
    assert event.detail == {"fact": "p.insurance"}  # which fact, never its value
    with pytest.raises(RuntimeError):
        event.save()


def test_session_expires_after_idle_time_and_activity_renews_it_once_a_minute(clerk_client, monkeypatch):
    from django.conf import settings
    from django.contrib.sessions.models import Session

    from madoguchi.web.project import middleware

    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    now = [1_800_000_000]
    monkeypatch.setattr(middleware, "_now", lambda: now[0])
    key = clerk_client.session.session_key

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    clerk_client.get(reverse("case-list"))
    renewed = expiry()
    now[0] += 30
    clerk_client.get(reverse("case-list"))
    assert expiry() == renewed  # within the minute: no session write
    now[0] += 31
    clerk_client.get(reverse("case-list"))
    assert expiry() > renewed  # a minute on: the idle timeout starts again


def test_admin_catalog_browser(client, db):
    admin = make_user("boss", None)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(reverse("admin:madoguchi-catalog")).content.decode()
    assert "国保の届" in page and "https://example.go.jp/b" in page and "p.insurance" in page


def test_broken_catalog_shows_located_errors_not_a_trace(clerk_client, settings, tmp_path):
    (tmp_path / "catalog.yaml").write_text("procedures: [\n", encoding="utf-8")
    settings.CATALOG_PATH = str(tmp_path)
    response = clerk_client.get(reverse("case-list"))
    assert response.status_code == 503
    body = response.content.decode()
    assert "catalog.yaml:" in body and "Traceback" not in body


def test_health_check(client):
    assert client.get("/healthz").content == b"ok"


def test_english_translation(clerk_client):
    page = clerk_client.get(reverse("case-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Start a new case" in page and 'lang="en"' in page


def test_person_data_is_saved_and_fills_the_guide(clerk_client, settings):
    from madoguchi.web.counter.models import CasePerson

    settings.CATALOG_PATH = str(
        __import__("pathlib").Path(__file__).resolve().parents[2] / "catalogs" / "sample"
    )
    case = new_case(clerk_client, event="okuyami")
    url = reverse("case-person", args=[case.number])
    response = clerk_client.post(
        url,
        {
            "role": "deceased",
            "name": "緑川\u3000太郎",
            "kana": "みどりかわ\u3000たろう",
            "birth_date": "昭和19年3月15日",
            "death_date": "2026-11-20",
            "sex": "1",
            "postal_code": "９９９－０００１",
            "address": "架空県みどり市本町一丁目1番1号",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    person = CasePerson.objects.get(case=case, role="deceased")
    assert person.name == "緑川\u3000太郎" and person.kana == "ミドリカワ\u3000タロウ"
    assert person.postal_code == "999-0001" and str(person.birth_date) == "1944-03-15"
    facts = dict(CaseFact.objects.filter(case=case).values_list("name", "value"))
    assert facts["deceased.birth_date"] == "1944-03-15" and facts["deceased.death_date"] == "2026-11-20"
    assert "82歳" in response.content.decode()  # the age is derived at once

    bad = clerk_client.post(url, {"role": "deceased", "kana": "Taro"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "カタカナ" in bad.content.decode()
    assert clerk_client.post(url, {"role": "boss"}).status_code == 400
    assert (
        clerk_client.post(url, {"role": "deceased", "name": "x" * 500}, HTTP_HX_REQUEST="true").status_code
        == 422
    )


def test_navigation_follows_roles(client, db):
    clerk = make_user("navclerk", Role.COUNTER_CLERK)
    client.force_login(clerk)
    page = client.get(reverse("case-list")).content.decode()
    assert reverse("resident-preentry") in page and reverse("resident-queue") in page
    assert reverse("registry-lookup") in page and reverse("audit-log") not in page
    auditor = make_user("navaudit", Role.AUDITOR)
    client.force_login(auditor)
    response = client.get(reverse("audit-log"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("audit-log") in body and reverse("resident-queue") not in body


@pytest.mark.parametrize(
    ("role", "start"),
    [(Role.DEPARTMENT_STAFF, "task-list"), (Role.AUDITOR, "audit-log"), (Role.COUNTER_CLERK, "case-list")],
)
def test_each_role_starts_where_its_work_is(client, db, role, start):
    client.force_login(make_user(f"start-{role.value}", role))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(start)


def test_an_answer_marks_the_case_changed_and_a_refused_one_changes_nothing(clerk_client):
    case = new_case(clerk_client)
    before = Case.objects.get(pk=case.pk).updated_at
    assert answer(clerk_client, case, "h.members", "abc").status_code == 422
    assert Case.objects.get(pk=case.pk).updated_at == before
    assert not AuditEvent.objects.filter(case=case, action="case.answer").exists()
    assert answer(clerk_client, case, "h.members", "3").status_code == 200
    after = Case.objects.get(pk=case.pk).updated_at
    assert after > before and after.tzinfo is not None
    clerk_client.post(reverse("case-finish", args=[case.number]))
    finished = Case.objects.get(pk=case.pk).updated_at
    assert answer(clerk_client, case, "h.members", "4").status_code == 409
    assert Case.objects.get(pk=case.pk).updated_at == finished
    assert CaseFact.objects.get(case=case, name="h.members").value == 3
    assert (
        clerk_client.post(reverse("case-answer", args=["2026-999999"]), {"fact": "h.members"}).status_code
        == 404
    )


def test_lock_open_case_returns_the_whole_row_of_open_cases_only(clerk_client):
    from django.db import transaction

    from madoguchi.web.counter.services import lock_open_case

    case = new_case(clerk_client)
    with transaction.atomic():
        locked = lock_open_case(case.number)
    stored = Case.objects.get(pk=case.pk)
    assert locked is not None and locked.pk == case.pk
    # Every column comes back as the ORM reads it (the raw UPDATE … RETURNING maps them to the model).
    for field in Case._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(stored, field.attname), field.name
    assert stored.updated_at > case.updated_at
    Case.objects.filter(pk=case.pk).update(status=Case.Status.FINISHED)
    with transaction.atomic():
        assert lock_open_case(case.number) is None
        assert lock_open_case("no-such") is None
    assert Case.objects.get(pk=case.pk).updated_at == stored.updated_at


def test_an_answer_takes_ten_statements(clerk_client, django_assert_max_num_queries):
    """Each database round trip costs more than most of the Python in an answer (PostgreSQL on the same two
    cores: ~0.6 ms of CPU each). Session; user with roles; SAVEPOINT; lock the case and mark it changed;
    facts; marks; the answer; the audit record; RELEASE; persons."""
    case = new_case(clerk_client)
    clerk_client.get(reverse("case-detail", args=[case.number]))
    with django_assert_max_num_queries(10):
        assert answer(clerk_client, case, "h.members", "3").status_code == 200


def test_user_and_roles_load_in_one_query(db, django_assert_num_queries):
    from madoguchi.web.counter.auth import RolesModelBackend

    clerk = make_user("clerk2", Role.COUNTER_CLERK)
    clerk.groups.add(make_user("x", Role.DEPARTMENT_STAFF).groups.get())
    nobody = make_user("nobody", None)
    backend = RolesModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(clerk.pk)
    assert user == clerk and user._madoguchi_roles == {Role.COUNTER_CLERK.value, Role.DEPARTMENT_STAFF.value}
    assert backend.get_user(nobody.pk)._madoguchi_roles == frozenset()
    nobody.is_active = False
    nobody.save()
    assert backend.get_user(nobody.pk) is None
    assert backend.get_user(10**9) is None


def test_an_answer_refused_by_a_case_reopened_meanwhile_asks_to_try_again(clerk_client, monkeypatch):
    from madoguchi.web.counter import views

    case = new_case(clerk_client)
    # The lock found no open case (finished at that moment), then the case was reopened before the reply.
    monkeypatch.setattr(views, "lock_open_case", lambda number: None)
    response = answer(clerk_client, case, "h.members", "3")
    assert response.status_code == 409 and "もう一度入力してください" in response.content.decode()
    assert not CaseFact.objects.filter(case=case).exists()


def test_date_preview_reads_a_typed_date_with_the_one_wareki_module(clerk_client):
    url = reverse("date-preview")
    assert clerk_client.post(url, {"value": "R8.11.20"}).json() == {
        "text": "→ 令和8年11月20日（2026年11月20日）",
        "ok": True,
    }
    assert clerk_client.post(url, {"value": "平成31年5月1日"}).json()["ok"] is False  # outside its era
    assert clerk_client.post(url, {"value": ""}).json() == {"text": "", "ok": True}
    assert clerk_client.get(url, {"value": "R8.11.20"}).status_code == 405  # never a date in a URL
    assert Client().post(url, {"value": "R8.11.20"}).status_code == 302  # sign-in first


def test_the_counter_page_has_no_calendar_code_of_its_own():
    from pathlib import Path

    import madoguchi.web

    scripts = Path(madoguchi.web.__file__).parent.rglob("*.js")
    own = [p for p in scripts if not p.name.endswith(".min.js") and p.name != "jsQR.js"]
    assert own and not [p.name for p in own if "令和" in p.read_text(encoding="utf-8")]


def test_all_questions_done_does_not_claim_settled_while_some_are_undetermined(clerk_client):
    """#12 item 4: after 「わからない」 answers the page says how many stay open, not 「すべて確定」."""
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-11-20")
    page = ""
    for _ in range(10):
        page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
        asked = re.search(r'name="fact" value="([^"]+)"', page)
        if asked is None:
            break
        answer(clerk_client, case, asked.group(1), skip=True)
    assert 'data-testid="all-answered"' in page
    assert "すべての手続きが確定しました" not in page and "決まっていない手続きが" in page


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_sheet_flags_a_deadline_already_past_on_page_and_pdf(clerk_client, tmp_path):
    """#12 item 4: a deadline before the day the sheet is printed is said on the sheet, not left silent."""
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-10-01")
    answer(clerk_client, case, "p.insurance", "kokuho")
    page = clerk_client.get(reverse("case-sheet", args=[case.number])).content.decode()
    assert 'data-testid="sheet-overdue"' in page and "期限を過ぎています" in page
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(clerk_client.get(reverse("case-sheet-pdf", args=[case.number])).content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "期限を過ぎた手続きが" in text and "【期限を過ぎています】" in text


def test_an_abandoned_case_is_cancelled_with_a_reason_and_can_be_reopened(clerk_client):
    """#12 item 10: 取りやめ needs a reason from the list (words for 「その他」); the case is then read-only,
    audited, and can be reopened."""
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-11-20")
    url = reverse("case-cancel", args=[case.number])
    page = clerk_client.post(url, {"reason": "その他"}, follow=True).content.decode()
    assert "取りやめの理由を選んでください" in page
    case.refresh_from_db()
    assert case.status == "open"
    page = clerk_client.post(url, {"reason": "重複 などの自由文"}, follow=True).content.decode()
    assert "取りやめの理由を選んでください" in page
    page = clerk_client.post(url, {"reason": "誤って作成した", "words": "別の窓口で受付済み"}, follow=True)
    text = page.content.decode()
    assert 'data-testid="case-cancelled"' in text and "誤って作成した：別の窓口で受付済み" in text
    case.refresh_from_db()
    assert case.status == "cancelled" and case.cancelled_at is not None
    assert AuditEvent.objects.filter(action="case.cancel", case=case).exists()
    assert answer(clerk_client, case, "p.insurance", "kokuho").status_code == 409
    assert clerk_client.get(reverse("case-finish", args=[case.number])).status_code == 302
    clerk_client.post(reverse("case-reopen", args=[case.number]))
    case.refresh_from_db()
    assert (case.status, case.cancel_reason) == ("open", "")


def test_cases_are_found_by_name_kana_number_status_event_clerk_and_date(clerk_client, clerk):
    """#12 item 11: the case list searches and filters, shows who the case is about, sorts and pages."""
    from madoguchi.web.counter.models import CasePerson

    first = new_case(clerk_client)
    CasePerson.objects.create(case=first, role="deceased", name="緑川　太郎", kana="ミドリカワ タロウ")
    second = new_case(clerk_client)
    CasePerson.objects.create(case=second, role="deceased", name="青山 一郎", kana="アオヤマ イチロウ")
    other = make_user("clerk2", Role.COUNTER_CLERK)
    Case.objects.filter(pk=second.pk).update(created_by=other, status="finished")
    url = reverse("case-list")

    def numbers(**params):
        page = clerk_client.get(url, params).content.decode()
        return [n for n in (first.number, second.number) if f">{n}</a>" in page], page

    assert numbers(name="緑川太郎")[0] == [first.number]  # spaces folded
    assert numbers(name="みどりかわ")[0] == [first.number]  # hiragana finds the katakana reading
    assert numbers(name="ｱｵﾔﾏ")[0] == [second.number]  # half-width kana too
    assert numbers(number=second.number[-3:])[0] == [second.number]
    assert numbers(status="finished")[0] == [second.number]
    assert numbers(clerk="clerk2")[0] == [second.number]
    assert numbers(event="ev", sort="old")[0] == [first.number, second.number]
    found, page = numbers(name="緑川")
    assert '<span class="person-name">亡くなった方: 緑川　太郎</span>' in page
    found, page = numbers(**{"from": "きのう"})
    assert "受付日「きのう」を日付として読めませんでした" in page and found == [first.number, second.number]
    assert numbers(**{"from": "2999-01-01"})[0] == []
    # Paging keeps the filters.
    for _ in range(50):
        new_case(clerk_client)
    page = clerk_client.get(url, {"event": "ev"}).content.decode()
    assert "52 件" in page and "event=ev&amp;page=2" in page
    assert clerk_client.get(url, {"event": "ev", "page": "2"}).status_code == 200


def test_the_signed_in_clerk_is_named_family_name_first(clerk_client, clerk):
    """#12 item 13: 「窓口 花子」, not Django's given-name-first 「花子 窓口」."""
    clerk.last_name, clerk.first_name = "窓口", "花子"
    clerk.save()
    page = clerk_client.get(reverse("case-list")).content.decode()
    assert '<span class="user">窓口 花子</span>' in page
