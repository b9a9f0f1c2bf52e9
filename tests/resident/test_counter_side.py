"""The counter profile's resident side: pre-entry import, the paired resident screen, the self-service desk."""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, Role
from madoguchi.web.resident import client as preentry_client
from madoguchi.web.resident import store
from madoguchi.web.resident.models import KioskReceipt, ScreenPairing

from .conftest import make_user
from .helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_preentry(monkeypatch):
    """The counter's client reads the pre-entry store in this process (the API is tested on its own)."""
    monkeypatch.setattr(preentry_client, "take", lambda code, timeout=8.0, clerk="": store.take(code))


@pytest.fixture
def api_preentry(monkeypatch, settings):
    """The counter's real client, its HTTP call answered by the pre-entry API view in this process."""
    from django.test import RequestFactory

    from madoguchi.web.resident import preentry_views

    settings.PREENTRY_URL = "http://preentry.invalid"
    settings.PREENTRY_API_KEY = "k-123"

    def urlopen(request, timeout):
        response = preentry_views.api_take(
            RequestFactory().post(
                "/api/v1/take",
                data=request.data,
                content_type="application/json",
                HTTP_AUTHORIZATION=request.get_header("Authorization"),
            )
        )
        if response.status_code != 200:
            raise urllib.error.HTTPError(request.full_url, response.status_code, "", {}, None)
        return io.BytesIO(response.content)

    monkeypatch.setattr(preentry_client.urllib.request, "urlopen", urlopen)


def new_case(client, event="ev") -> Case:
    assert client.post(reverse("case-new"), {"event": event}).status_code == 302
    return Case.objects.latest("created_at")


def test_case_page_has_the_tools(clerk_client):
    case = new_case(clerk_client)
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "事前入力を取り込む" in page and "お客様画面と接続" in page
    assert "resident/counter.js" in page


def test_import_opens_a_case_with_resident_answers(clerk_client, local_preentry):
    _token, code, _ = store.create(
        "ev", "mini", {"ev.date": "2026-11-20", "p.insurance": "kokuho", "p.pension": None}, "easy"
    )
    response = clerk_client.post(reverse("resident-preentry-import"), {"code": code.lower()})
    assert response.status_code == 302
    case = Case.objects.get()
    assert response.url == reverse("case-detail", args=[case.number])
    rows = {r.name: r for r in case.facts.all()}
    # 「わからない」 stays unknown: the counter's guide asks it, and the clerk is told.
    assert set(rows) == {"ev.date", "p.insurance"}
    assert all(r.source == CaseFact.Source.RESIDENT for r in rows.values())
    assert rows["p.insurance"].value == "kokuho"
    page = clerk_client.get(response.url).content.decode()
    assert "本人入力" in page and "国保の届" in page
    assert "「わからない」と答えた項目（聞き取りで確認）: 年金" in page
    assert 'href="?ask=p.pension"' in page or 'data-fact="p.pension"' in page
    assert AuditEvent.objects.filter(action="preentry.import", case=case).exists()
    # Taken once: the same code again finds nothing.
    again = clerk_client.post(reverse("resident-preentry-import"), {"code": code}, follow=True)
    assert "見つかりません" in again.content.decode()


def test_import_into_an_open_case_keeps_existing_answers(clerk_client, local_preentry):
    case = new_case(clerk_client)
    clerk_client.post(reverse("case-answer", args=[case.number]), {"fact": "p.insurance", "value": "kouki"})
    _t, code, _ = store.create("ev", "mini", {"p.insurance": "kokuho", "p.householder": True}, "ja")
    response = clerk_client.post(reverse("resident-preentry-import"), {"code": code, "case": case.number})
    assert response.url == reverse("case-detail", args=[case.number])
    rows = {r.name: r for r in case.facts.all()}
    assert rows["p.insurance"].value == "kouki" and rows["p.insurance"].source == "interview"
    assert rows["p.householder"].value is True and rows["p.householder"].source == "resident"


def test_import_ignores_unknown_or_badly_typed_answers(clerk_client, local_preentry):
    _t, code, _ = store.create("ev", "mini", {"nope.x": 1, "p.pension": "yes", "h.members": 3}, "ja")
    clerk_client.post(reverse("resident-preentry-import"), {"code": code})
    case = Case.objects.get()
    assert {r.name for r in case.facts.all()} == {"h.members"}


def test_import_errors_are_messages(clerk_client, local_preentry, monkeypatch):
    r = clerk_client.post(reverse("resident-preentry-import"), {"code": "???"}, follow=True)
    assert "形が正しくありません" in r.content.decode()
    monkeypatch.undo()
    monkeypatch.delenv("MADOGUCHI_PREENTRY_URL", raising=False)
    r = clerk_client.post(reverse("resident-preentry-import"), {"code": "ABCDE-FGHJK"}, follow=True)
    assert "設定されていません" in r.content.decode()
    assert Case.objects.count() == 0


def test_import_needs_a_counter_role(client, db, local_preentry):
    client.force_login(make_user("dept", Role.DEPARTMENT_STAFF.value))
    assert client.post(reverse("resident-preentry-import"), {"code": "ABCDE-FGHJK"}).status_code == 403
    assert Client().post(reverse("resident-preentry-import"), {"code": "ABCDE-FGHJK"}).status_code == 302


def _import(client, code):
    return client.post(reverse("resident-preentry-import"), {"code": code}, follow=True).content.decode()


def test_mistyped_codes_are_limited_per_clerk(clerk_client, api_preentry):
    _t, code, _ = store.create("ev", "mini", {"h.members": 2}, "ja")
    for _ in range(10):  # a clerk may mistype 10 codes in 10 minutes
        assert "見つかりません" in _import(clerk_client, "ABCDE-FGHJK")
    # This clerk waits, even with a good code, and the code is not used up by the refusal.
    assert "しばらく取り込めません" in _import(clerk_client, code)
    assert Case.objects.count() == 0 and AuditEvent.objects.filter(action="preentry.throttled").exists()
    other = Client()
    other.force_login(make_user("clerk2", Role.COUNTER_CLERK.value))
    _import(other, code)
    assert Case.objects.get().facts.get(name="h.members").value == 2


def test_the_preentry_api_counts_unknown_codes_per_clerk(clerk_client, api_preentry, monkeypatch):
    """Above the counter's own limit, the API's: one clerk's misses must not fill a bucket every clerk shares."""
    from madoguchi.web.resident import counter_views, preentry_views

    monkeypatch.setattr(counter_views, "CODE_MISSES", 1000, raising=False)
    _t, code, _ = store.create("ev", "mini", {"h.members": 2}, "ja")
    for _ in range(preentry_views.API_FAILURES_PER_MINUTE):
        assert "見つかりません" in _import(clerk_client, "ABCDE-FGHJK")
    assert "照会が多すぎます" in _import(clerk_client, code)
    other = Client()
    other.force_login(make_user("clerk2", Role.COUNTER_CLERK.value))
    _import(other, code)
    assert Case.objects.count() == 1


class _Stub(BaseHTTPRequestHandler):
    replies: dict = {}
    seen: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Stub.seen.append((self.path, self.headers["Authorization"], body))
        status, payload = _Stub.replies.get(body["code"], (404, {"error": "not_found"}))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_http_client_against_a_stub_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.PREENTRY_URL = f"http://127.0.0.1:{server.server_port}/"
        settings.PREENTRY_API_KEY = "k-123"
        _Stub.replies = {"GOOD": (200, {"event_id": "ev", "answers": {}}), "SLOW": (429, {})}
        assert preentry_client.take("GOOD") == {"event_id": "ev", "answers": {}}
        assert _Stub.seen[-1] == ("/api/v1/take", "Bearer k-123", {"code": "GOOD"})
        assert preentry_client.take("GOOD", clerk="c1") is not None
        assert _Stub.seen[-1][2] == {"code": "GOOD", "clerk": "c1"}
        assert preentry_client.take("NONE") is None
        with pytest.raises(preentry_client.PreentryUnavailable, match="多すぎ"):
            preentry_client.take("SLOW")
    finally:
        server.shutdown()
    with pytest.raises(preentry_client.PreentryUnavailable, match="接続できません"):
        preentry_client.take("GOOD", timeout=1)
    settings.PREENTRY_URL = "file:///etc/passwd"
    with pytest.raises(preentry_client.PreentryUnavailable):
        preentry_client.take("GOOD")


# --- the resident's screen -------------------------------------------------------------------------


def pair(clerk_client, case, allow=False) -> Client:
    clerk_client.post(reverse("screen-start", args=[case.number]), {"allow": "1" if allow else "0"})
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    code = re.search(r'data-testid="pair-code">(\d{6})<', page).group(1)
    screen = Client()
    response = screen.post(reverse("screen-pair"), {"code": code})
    assert response.status_code == 302 and response.url == reverse("screen-show")
    return screen


def test_screen_follows_the_clerk(clerk_client):
    case = new_case(clerk_client)
    screen = pair(clerk_client, case)
    page = screen.get(reverse("screen-show")).content.decode()
    assert "いつですか。" in page and 'hx-trigger="every 2s"' in page
    assert "<ruby>" not in page or "<rt>" in page
    version = re.search(r'data-version="([^"]+)"', page).group(1)
    # Nothing changed: 204 keeps the screen as it is, from the session, the pairing and the case row alone
    # (every screen asks every 2 s; the answers and the guide are not read).
    with CaptureQueriesContext(connection) as queries:
        assert screen.get(reverse("screen-panel"), {"v": version}).status_code == 204
    assert not any("casefact" in q["sql"] for q in queries.captured_queries), queries.captured_queries
    assert len(queries.captured_queries) <= 3
    # The clerk answers; the clerk's page says which question it now shows; the screen follows.
    clerk_client.post(reverse("case-answer", args=[case.number]), {"fact": "ev.date", "value": "2026-11-20"})
    clerk_client.post(reverse("screen-focus", args=[case.number]), {"fact": "p.householder"})
    panel = screen.get(reverse("screen-panel"), {"v": version})
    assert panel.status_code == 200
    body = panel.content.decode()
    assert 'data-fact="p.householder"' in body and "世帯主でしたか。" in text(body)
    assert "必ずする届" in text(body)
    # Answering is off until the clerk allows it.
    assert "職員が" in text(body) or "しょくいんが" in text(body)
    r = screen.post(reverse("screen-answer"), {"fact": "p.householder", "value": "true"})
    assert r.status_code == 403


def test_resident_answers_when_allowed(clerk_client):
    case = new_case(clerk_client)
    screen = pair(clerk_client, case, allow=True)
    before = clerk_client.get(reverse("screen-version", args=[case.number])).json()["resident"]
    r = screen.post(
        reverse("screen-answer"), {"fact": "ev.date", "value": "2026-11-20"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    row = case.facts.get(name="ev.date")
    assert row.source == "resident" and row.updated_by is None
    after = clerk_client.get(reverse("screen-version", args=[case.number])).json()["resident"]
    assert after and after != before
    r = screen.post(reverse("screen-answer"), {"fact": "h.members", "value": "abc"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422
    # The clerk takes the permission back.
    clerk_client.post(reverse("screen-settings", args=[case.number]), {"allow": "0"})
    assert screen.post(reverse("screen-answer"), {"fact": "p.pension", "action": "skip"}).status_code == 403


def test_pairing_code_is_single_use_and_checked(clerk_client):
    case = new_case(clerk_client)
    clerk_client.post(reverse("screen-start", args=[case.number]))
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    code = re.search(r'data-testid="pair-code">(\d{6})<', page).group(1)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert Client().post(reverse("screen-pair"), {"code": wrong}).status_code == 422
    assert Client().post(reverse("screen-pair"), {"code": code}).status_code == 302
    assert Client().post(reverse("screen-pair"), {"code": code}).status_code == 422
    assert ScreenPairing.objects.get().code_digest == ""


def test_pairing_attempts_are_throttled(db):
    c = Client()
    codes = [c.post(reverse("screen-pair"), {"code": "000000"}).status_code for _ in range(12)]
    assert codes[:10] == [422] * 10 and codes[10:] == [429, 429]


def test_the_pairing_limit_holds_across_worker_processes(db, settings):
    """Each attempt as if a different worker process took it: nothing of one process's memory (its cache)
    survives into the next, yet the eleventh attempt from the address is refused — the count is in the
    database, taken by a conditional UPDATE."""
    from django.core.cache import caches

    codes = []
    for _ in range(12):
        for cache in caches.all():
            cache.clear()  # a fresh process
        codes.append(Client().post(reverse("screen-pair"), {"code": "000000"}).status_code)
    assert codes[:10] == [422] * 10 and codes[10:] == [429, 429]
    from madoguchi.web.resident.models import RateCount

    assert RateCount.objects.get().count == 10
    # The window ends: the next attempt counts from 1 again, in the same row.
    RateCount.objects.update(expires_at=timezone.now())
    assert Client().post(reverse("screen-pair"), {"code": "000000"}).status_code == 422
    assert RateCount.objects.get().count == 1


def test_ending_the_pairing_disconnects_the_screen(clerk_client):
    case = new_case(clerk_client)
    screen = pair(clerk_client, case)
    clerk_client.post(reverse("screen-settings", args=[case.number]), {"end": "1"})
    response = screen.get(reverse("screen-panel"))
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("screen-pair")
    answer = screen.post(reverse("screen-answer"), {"fact": "ev.date", "value": "2026-11-20"})
    assert answer.status_code == 403
    assert screen.get(reverse("screen-show")).url == reverse("screen-pair")


def test_the_next_visitor_does_not_see_the_last_case(clerk_client):
    first = new_case(clerk_client)
    screen = pair(clerk_client, first)
    second = new_case(clerk_client)
    clerk_client.post(reverse("screen-start", args=[second.number]))  # the same clerk, the next visitor
    assert screen.get(reverse("screen-panel")).status_code == 204
    assert screen.get(reverse("screen-show")).url == reverse("screen-pair")
    assert ScreenPairing.objects.filter(ended_at__isnull=True).get().case_number == second.number


def test_finishing_the_case_disconnects_the_screen(clerk_client):
    case = new_case(clerk_client)
    screen = pair(clerk_client, case)
    clerk_client.post(reverse("case-finish", args=[case.number]))
    assert ScreenPairing.objects.get().ended_at is not None
    assert screen.get(reverse("screen-show")).url == reverse("screen-pair")


def test_screen_without_pairing(db):
    c = Client()
    assert c.get(reverse("screen-show")).url == reverse("screen-pair")
    assert c.get(reverse("screen-panel")).status_code == 204
    assert c.post(reverse("screen-answer"), {"fact": "ev.date"}).status_code == 403


# --- self-service desk -----------------------------------------------------------------------------


def test_kiosk_to_queue(client, clerk_client, db):
    kiosk = Client()
    kiosk.force_login(make_user("kiosk1", "kiosk"))
    assert kiosk.get(reverse("case-list")).status_code == 403  # a desk sees no cases
    assert kiosk.post(reverse("kiosk-home"), {"event": "ev"}).status_code == 302
    page = kiosk.get(reverse("kiosk-question")).content.decode()
    assert 'data-fact="ev.date"' in page
    assert (
        kiosk.post(reverse("kiosk-question"), {"fact": "ev.date", "value": "2026-11-20"}).status_code == 302
    )
    assert kiosk.post(reverse("kiosk-question"), {"fact": "p.insurance", "action": "skip"}).status_code == 302
    r = kiosk.post(reverse("kiosk-question"), {"action": "finish"})
    assert r.url == reverse("kiosk-receipt")
    page = kiosk.get(reverse("kiosk-receipt")).content.decode()
    number = re.search(r'data-testid="receipt-number">(\d+)<', page).group(1)
    assert number == "001"
    case = Case.objects.get()
    assert {r.source for r in case.facts.all()} == {"resident"}
    queue = clerk_client.get(reverse("resident-queue")).content.decode()
    assert ">001<" in queue
    r = clerk_client.post(reverse("resident-queue-call", args=[case.number]))
    assert r.url == reverse("case-detail", args=[case.number])
    assert KioskReceipt.objects.get().called_at is not None
    assert ">001<" not in clerk_client.get(reverse("resident-queue")).content.decode()
    # 次の方へ: the desk starts over.
    assert kiosk.post(reverse("kiosk-receipt")).url == reverse("kiosk-home")
    assert kiosk.get(reverse("kiosk-question")).url == reverse("kiosk-home")


def test_kiosk_needs_a_desk_or_counter_account(client, db):
    assert client.get(reverse("kiosk-home")).status_code == 302  # login
    client.force_login(make_user("dept", Role.DEPARTMENT_STAFF.value))
    assert client.get(reverse("kiosk-home")).status_code == 403


def test_import_by_scanned_qr_text(clerk_client, local_preentry):
    token, _code, _ = store.create("ev", "mini", {"p.householder": True}, "ja")
    # A USB scanner types the QR text into the field, as a keyboard would.
    clerk_client.post(reverse("resident-preentry-import"), {"code": f"MDG1:{token}"})
    assert Case.objects.get().facts.get().name == "p.householder"


def test_kiosk_account_command(db):
    from io import StringIO

    from django.contrib.auth.models import User
    from django.core.management import call_command

    out = StringIO()
    call_command("madoguchi_kiosk_account", "kisaidai-1", stdout=out)
    password = out.getvalue().split(" / ")[1].split()[0]
    user = User.objects.get(username="kisaidai-1")
    assert user.check_password(password) and list(user.groups.values_list("name", flat=True)) == ["kiosk"]
    c = Client()
    c.force_login(user)
    assert c.get(reverse("kiosk-home")).status_code == 200
    assert c.get(reverse("case-list")).status_code == 403
    assert c.get(reverse("resident-queue")).status_code == 403


def test_import_puts_the_persons_the_answers_state_on_the_case(clerk_client, local_preentry, settings):
    from pathlib import Path

    from madoguchi.web.counter.models import CasePerson

    settings.CATALOG_PATH = str(Path(__file__).resolve().parents[2] / "catalogs" / "sample")
    answers = {"deceased.death_date": "2026-11-20", "deceased.birth_date": "1944-02-03"}
    _t, code, _ = store.create("okuyami", "sample", answers, "ja")
    assert clerk_client.post(reverse("resident-preentry-import"), {"code": code}).status_code == 302
    person = CasePerson.objects.get(case=Case.objects.get(), key="deceased")
    assert (person.birth_date.isoformat(), person.death_date.isoformat()) == ("1944-02-03", "2026-11-20")
    assert person.source == "resident" and person.name == ""  # the name comes from the card or the registry
    assert not CasePerson.objects.filter(key="applicant").exists()  # nothing stated about the applicant
