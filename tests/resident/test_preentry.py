"""The public pre-entry profile through Django's test client (its URLconf and session engine)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.web.resident import store
from madoguchi.web.resident.models import PreentrySubmission

from .conftest import MINI_CATALOG, PREENTRY
from .helpers import make_code, text, walk_preentry

pytestmark = pytest.mark.django_db
API = PREENTRY["PREENTRY_API_KEY"]
SRC = Path(__file__).resolve().parents[2] / "src"


def take(client, code, key=API):
    return client.post(
        "/api/v1/take",
        data=json.dumps({"code": code}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_one_question_per_screen_with_progress_and_unknown(preentry, client):
    client.post("/e/ev/")
    page = client.get("/e/ev/q").content.decode()
    assert page.count('class="r-question"') == 1
    assert "いつですか。" in page and "<progress" in page and "しつもん 1" in page
    assert "わからない" in page and 'type="date"' in page
    client.post("/e/ev/q", {"fact": "ev.date", "value": "令和8年11月20日"})
    page = client.get("/e/ev/q").content.decode()
    assert "しつもん 2" in page and 'data-fact="ev.date"' not in page
    # Back: the last answer is taken back and asked again.
    client.post("/e/ev/q", {"action": "back"})
    assert (
        'data-fact="ev.date"'
        in client.get(client.get("/e/ev/q").request["PATH_INFO"] + "?ask=ev.date").content.decode()
    )


def test_walk_summary_and_handoff(preentry, client):
    given = walk_preentry(client)
    assert given["p.pension"] is None
    html = client.get("/e/ev/summary").content.decode()
    summary = text(html)
    assert "必ずする届" in summary and "国保の届" in summary
    assert "持ち物" in summary or "もちもの" in summary
    assert 'data-testid="make-code"' in html
    code = make_code(client)
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    page = client.get("/e/ev/summary").content.decode()
    assert '<img class="r-qr" src="data:image/svg+xml' in page
    row = PreentrySubmission.objects.get()
    assert row.expires_at - row.created_at == timedelta(days=14)
    blob = bytes(row.sealed)
    assert b"kokuho" not in blob and b"2026-11-20" not in blob  # stored sealed
    assert code.replace("-", "") not in row.code_digest


def test_summary_pdf(preentry, client):
    walk_preentry(client)
    response = client.get("/e/ev/summary.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_api_take_once_with_key(preentry, client):
    walk_preentry(client)
    code = make_code(client)
    api = Client()
    assert take(api, code, key="wrong").status_code == 401
    assert api.post("/api/v1/take", {"code": code}).status_code == 401  # no key
    response = take(api, code.lower())
    assert response.status_code == 200
    data = response.json()
    assert data["event_id"] == "ev" and data["catalog_id"] == "mini"
    assert data["answers"]["p.insurance"] == "kokuho"
    assert data["answers"]["p.pension"] is None  # わからない
    assert "p.pension" in data["answers"]
    assert take(api, code).status_code == 404  # single use: deleted when taken
    assert PreentrySubmission.objects.count() == 0


def test_api_takes_the_qr_token(preentry, client):
    token, _code, _ = store.create("ev", "mini", {"p.pension": True}, "ja")
    response = take(Client(), "MDG1:" + token)
    assert response.status_code == 200 and response.json()["answers"] == {"p.pension": True}


def test_expired_tokens_are_refused_and_purged(preentry, client):
    token, code, _ = store.create("ev", "mini", {"p.pension": True}, "ja")
    PreentrySubmission.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert take(Client(), code).status_code == 404
    assert PreentrySubmission.objects.count() == 0
    store.create("ev", "mini", {}, "ja")
    PreentrySubmission.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert store.purge() == 1


def test_retention_is_configurable(preentry, settings):
    settings.PREENTRY_RETENTION_DAYS = 3
    store.create("ev", "mini", {}, "ja")
    row = PreentrySubmission.objects.get()
    assert row.expires_at - row.created_at == timedelta(days=3)


def test_purge_command(preentry):
    from django.core.management import call_command

    store.create("ev", "mini", {}, "ja")
    PreentrySubmission.objects.update(expires_at=timezone.now() - timedelta(days=1))
    call_command("madoguchi_preentry_purge")
    assert PreentrySubmission.objects.count() == 0


def test_api_errors_without_500(preentry):
    api = Client()
    for body in [b"not json", b"{}", b'{"code": 5}', b"[1]"]:
        r = api.post(
            "/api/v1/take", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {API}"
        )
        assert r.status_code == 400
    assert take(api, "x" * 2000).status_code == 413
    assert take(api, "ABCDE-FGHJK").status_code == 404
    assert api.get("/api/v1/take").status_code == 405


def test_api_disabled_without_key(preentry, settings):
    settings.PREENTRY_API_KEY = None
    assert take(Client(), "ABCDE-FGHJK").status_code == 503


def test_handoff_rate_limit_per_client(preentry, settings, client):
    settings.PREENTRY_HANDOFF_PER_HOUR = 2
    walk_preentry(client)
    assert client.post("/e/ev/handoff").status_code == 302
    assert client.post("/e/ev/handoff").status_code == 302
    response = client.post("/e/ev/handoff")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # A new code replaces the previous one: only the newest is stored.
    assert PreentrySubmission.objects.count() == 1
    other = Client(REMOTE_ADDR="192.0.2.7")
    walk_preentry(other)
    assert other.post("/e/ev/handoff").status_code == 302


def test_page_rate_limit(preentry, settings, client):
    settings.PREENTRY_PAGES_PER_MINUTE = 5
    codes = [client.get("/").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_scripted_instant_handoff_is_refused(preentry, settings, client):
    settings.PREENTRY_MIN_SECONDS = 60
    walk_preentry(client)
    assert client.post("/e/ev/handoff").status_code == 429
    assert PreentrySubmission.objects.count() == 0


class _Clock:
    """The pre-entry views' clock, moved by hand (the cookie's signature keeps real time)."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


def test_a_replayed_cookie_cannot_skip_the_wait_or_make_a_second_code(
    preentry, settings, client, monkeypatch
):
    from madoguchi.web.resident import preentry_views

    clock = _Clock()
    monkeypatch.setattr(preentry_views, "time", clock)
    settings.PREENTRY_MIN_SECONDS = 60
    walk_preentry(client)
    clock.now += 61
    old = client.cookies[settings.SESSION_COOKIE_NAME].value  # a cookie past the wait, kept by a script
    first = make_code(client)
    # The same visit again: the old cookie has no code in it, so without a record it would make one more.
    client.cookies[settings.SESSION_COOKIE_NAME] = old
    response = client.post("/e/ev/handoff")
    assert response.status_code == 409
    page = response.content.decode()
    assert "さいしょから 入れなおして" in text(page)  # the default: やさしい日本語
    assert 'href="/e/ev/summary"' in page and 'href="/e/ev/"' in page  # see the code made, or start again
    assert PreentrySubmission.objects.count() == 1
    assert take(Client(), first).status_code == 200  # the code made first is untouched
    # A fresh visit needs the wait again, and its cookie cannot be replayed either.
    walk_preentry(client)
    clock.now += 61
    fresh = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post("/e/ev/handoff").status_code == 302
    client.cookies[settings.SESSION_COOKIE_NAME] = fresh
    assert client.post("/e/ev/handoff").status_code == 409
    assert PreentrySubmission.objects.count() == 1


def test_a_new_code_after_a_changed_answer_waits_again(preentry, settings, client, monkeypatch):
    from madoguchi.web.resident import preentry_views

    clock = _Clock()
    monkeypatch.setattr(preentry_views, "time", clock)
    settings.PREENTRY_MIN_SECONDS = 60
    walk_preentry(client)
    clock.now += 61
    make_code(client)
    client.post("/e/ev/q", {"action": "back"})
    client.post("/e/ev/q", {"fact": "h.members", "value": "3"})
    # Making the code started a new visit: an instant second code is a script, a person gets it later.
    assert client.post("/e/ev/handoff").status_code == 429
    clock.now += 61
    code = make_code(client)
    assert PreentrySubmission.objects.count() == 1
    assert take(Client(), code).json()["answers"]["h.members"] == 3


def test_a_visit_is_accepted_only_as_long_as_its_cookie(preentry, settings, client, monkeypatch):
    from madoguchi.web.resident import preentry_views
    from madoguchi.web.resident.models import PreentryVisit

    clock = _Clock()
    monkeypatch.setattr(preentry_views, "time", clock)
    walk_preentry(client)
    clock.now += settings.SESSION_COOKIE_AGE + 1
    assert client.post("/e/ev/handoff").status_code == 409
    assert PreentrySubmission.objects.count() == 0 and PreentryVisit.objects.count() == 0
    # A used visit is remembered until its cookie could no longer be accepted, then purged.
    walk_preentry(client)
    make_code(client)
    (row,) = PreentryVisit.objects.all()
    assert row.expires_at > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)
    store.purge(now=row.expires_at)
    assert PreentryVisit.objects.count() == 0


def test_a_visit_used_elsewhere_stores_nothing(preentry, client):
    from madoguchi.web.resident.models import PreentryVisit

    walk_preentry(client)
    visit = client.session["pe:ev"]["visit"]
    store.create("ev", "mini", {}, "ja", visit=(visit, timezone.now() + timedelta(hours=1)))
    with pytest.raises(store.VisitUsed):
        store.create("ev", "mini", {}, "ja", visit=(visit, timezone.now() + timedelta(hours=1)))
    assert PreentrySubmission.objects.count() == 1 and PreentryVisit.objects.count() == 1


def test_storage_is_bounded(preentry, settings, client):
    settings.PREENTRY_MAX_PENDING = 1
    store.create("ev", "mini", {}, "ja")
    walk_preentry(client)
    assert client.post("/e/ev/handoff").status_code == 503
    assert PreentrySubmission.objects.count() == 1


def test_csrf_is_enforced(preentry):
    c = Client(enforce_csrf_checks=True)
    assert c.post("/e/ev/").status_code == 403
    assert c.post("/e/ev/handoff").status_code == 403


def test_hostile_answers_are_rejected(preentry, client):
    client.post("/e/ev/")
    assert client.post("/e/ev/q", {"fact": "nope.fact", "value": "1"}).status_code == 400
    assert client.post("/e/ev/q", {"fact": "h.members", "value": "9" * 300}).status_code == 422
    assert client.post("/e/ev/q", {"fact": "h.members", "value": "99"}).status_code == 422  # above max
    assert client.post("/e/ev/q", {"fact": "p.insurance", "value": "<script>"}).status_code == 422
    assert client.post("/e/ev/q", {"fact": "ev.date", "value": "9999-99-99"}).status_code == 422
    assert client.get("/e/nope/").status_code == 404


def test_languages(preentry, client):
    page = client.get("/?lang=en").content.decode()
    assert '<html lang="en">' in page and "Prepare your visit" in page
    client.post("/e/ev/")
    page = client.get("/e/ev/q").content.decode()
    assert "Question 1 of about" in page and "I don&#x27;t know" in page
    # No English translation in this catalog: the question falls back to Japanese, marked as such.
    assert '<span lang="ja">いつですか。</span>' in page
    page = client.get("/e/ev/q?lang=ja").content.decode()
    assert '<html lang="ja">' in page and "質問 1" in page


def test_counter_urls_do_not_exist_on_the_preentry_profile(preentry, client):
    for path in [
        "/login/",
        "/cases/",
        "/cases/new",
        "/cases/2026-000001/",
        "/admin/",
        "/registry/",
        "/resident/preentry/",
        "/resident/queue/",
        "/screen/",
        "/kiosk/",
    ]:
        assert client.get(path).status_code == 404, path


def test_preentry_profile_has_no_counter_apps_or_data(tmp_path):
    """Run the real pre-entry settings in a fresh process: no counter app, model or module is loaded."""
    script = """
import sys, django
django.setup()
from django.apps import apps
from django.conf import settings
from django.test import Client
labels = sorted(a.label for a in apps.get_app_configs())
assert labels == ["django_htmx", "resident", "staticfiles"], labels
for model in [("web", "Case"), ("auth", "User"), ("registry", "Resident")]:
    try:
        apps.get_model(*model)
    except LookupError:
        pass
    else:
        raise AssertionError(model)
import madoguchi.web.project.preentry_urls
c = Client()
assert c.get("/").status_code == 200
assert c.get("/cases/").status_code == 404
loaded = [m for m in sys.modules if m.startswith("madoguchi.web.") and m.split(".")[2] in
          ("models", "services", "views", "registry", "presenters", "shinseisho", "routing")]
assert not loaded, loaded
assert "preentry.sqlite3" in str(settings.DATABASES["default"]["NAME"])
print("ok")
"""
    env = {
        "DJANGO_SETTINGS_MODULE": "madoguchi.web.project.settings_preentry",
        "MADOGUCHI_HOME": str(tmp_path),
        "MADOGUCHI_ALLOWED_HOSTS": "testserver",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


def test_api_throttles_failures_only(preentry):
    api = Client()
    for _ in range(40):  # successful takes do not count
        _t, code, _ = store.create("ev", "mini", {}, "ja")
        assert take(api, code).status_code == 200
    statuses = [take(api, "ABCDE-FGHJK").status_code for _ in range(32)]
    assert statuses[:30] == [404] * 30 and statuses[30:] == [429, 429]
    _t, code, _ = store.create("ev", "mini", {}, "ja")
    assert take(api, code).status_code == 429  # now everything waits


def test_api_counts_unknown_codes_per_clerk(preentry, monkeypatch):
    from madoguchi.web.resident import preentry_views

    def take_as(clerk, code):
        return Client().post(
            "/api/v1/take",
            data=json.dumps({"code": code, "clerk": clerk}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {API}",
        )

    monkeypatch.setattr(preentry_views, "API_MISSES_PER_MINUTE_ALL", 35, raising=False)
    statuses = [take_as("a", "ABCDE-FGHJK").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429
    _t, code, _ = store.create("ev", "mini", {}, "ja")
    assert take_as("a", code).status_code == 429
    assert take_as("b", code).status_code == 200  # another clerk of the same counter is not held up
    # Whatever clerk keys a client sends, its unknown codes together stay bounded.
    assert [take_as(f"c{i}", "ABCDE-FGHJK").status_code for i in range(5)] == [404] * 5
    _t, code, _ = store.create("ev", "mini", {}, "ja")
    assert take_as("d", code).status_code == 429
    assert take_as("x" * 65, code).status_code == 400


def _summary_pdf_through(client, tool: str, *args: str) -> str:
    """The resident's summary PDF after a full walk, passed through a poppler tool (skips without it)."""
    import shutil

    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils)")
    walk_preentry(client, lang="ja")
    pdf = client.get("/e/ev/summary.pdf").content
    return subprocess.run([path, *args], input=pdf, capture_output=True, timeout=30).stdout.decode()


def test_summary_pdf_text(preentry, client):
    out = _summary_pdf_through(client, "pdftotext", "-", "-")
    assert "必要な手続きと持ち物" in out and "必ずする届" in out and "国保の届" in out and "市民課" in out


def test_changing_an_answer_after_the_code_withdraws_it(preentry, client):
    walk_preentry(client)
    code = make_code(client)
    assert PreentrySubmission.objects.count() == 1
    client.post("/e/ev/q", {"action": "back"})
    client.post("/e/ev/q", {"fact": "h.members", "value": "3"})
    assert PreentrySubmission.objects.count() == 0  # the old code would have handed over old answers
    page = client.get("/e/ev/summary").content.decode()
    assert 'data-testid="make-code"' in page and code not in page
    assert take(Client(), code).status_code == 404


def test_a_bad_value_keeps_the_earlier_answer(preentry, client):
    client.post("/e/ev/")
    client.post("/e/ev/q", {"fact": "h.members", "value": "2"})
    assert client.post("/e/ev/q", {"fact": "h.members", "value": "zwei"}).status_code == 422
    assert client.session["pe:ev"]["answers"]["h.members"] == 2


def test_summary_pdf_embeds_every_font(preentry, client):
    out = _summary_pdf_through(client, "pdffonts", "-")
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert rows
    for line in rows:  # columns: name type encoding emb sub uni object id
        emb = re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        assert emb and emb[1] == "yes", f"font not embedded: {line}"


def test_the_residents_cookie_ends_with_the_browser_session(tmp_path):
    """A shared device (a library PC, a family tablet): the pre-entry cookie holding the answers is a session
    cookie (no Expires, no Max-Age), so closing the browser ends it; the signature still expires on the server."""
    script = """
import django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
response = c.post("/e/ev/")
assert response.status_code == 302, response.status_code
morsel = response.cookies[settings.SESSION_COOKIE_NAME]
assert morsel.value, "no session cookie"
assert not morsel["expires"] and not morsel["max-age"], (morsel["expires"], morsel["max-age"])
assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
assert settings.SESSION_COOKIE_AGE <= 6 * 60 * 60
print("ok")
"""
    env = {
        "DJANGO_SETTINGS_MODULE": "madoguchi.web.project.settings_preentry",
        "MADOGUCHI_HOME": str(tmp_path),
        "MADOGUCHI_ALLOWED_HOSTS": "testserver",
        "MADOGUCHI_CATALOG": str(MINI_CATALOG),
        "PYTHONPATH": str(SRC),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
