"""The resident's side in real Chromium against real servers: the public pre-entry profile and the counter,
each its own gunicorn process with its own database, connected only by the counter's API calls."""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from madoguchi.juki.crypto import new_key
from madoguchi.local_server import start_serve

from .conftest import CHROMIUM, ROOT, LiveServer

pytestmark = pytest.mark.e2e

AXE = ROOT / "tests" / "resident" / "vendor" / "axe.min.js"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
API_KEY = secrets.token_urlsafe(24)

# A fictional family's answers on the phone; facts not listed get a neutral answer; one is 「わからない」.
FAMILY = {
    "deceased.death_date": "2026-11-20",
    "deceased.birth_date": "1944-03-15",
    "deceased.health_insurance": "kouki",
    "deceased.was_householder": "true",
    "household.remaining_members": "1",
    "household.remaining_members_15_or_older": "1",
    "funeral.held": "true",
}
UNKNOWN = "deceased.pension_recipient"


class PreentryServer(LiveServer):
    def setup(self) -> str:
        return ""

    def start(self) -> None:  # serve --profile preentry --migrate
        self.process = start_serve(
            self.port,
            env=self.env,
            cwd=self.home,
            log=self.log,
            threads=2,
            extra_args=("--profile", "preentry", "--migrate"),
        )


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        MADOGUCHI_HOME=str(home / "var"),
        MADOGUCHI_CATALOG=str(ROOT / "catalogs" / "sample"),
        MADOGUCHI_ENCRYPTION_KEY=new_key(),  # the counter's serve refuses to start without one
        PYTHONUNBUFFERED="1",
    )
    return env


def _preentry(tmp_path_factory, name: str, **extra: str) -> PreentryServer:
    home = tmp_path_factory.mktemp(name)
    env = _base_env(home)
    env.pop("DATABASE_URL", None)  # never the counter's database
    env.update(
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
        MADOGUCHI_PREENTRY_API_KEY=API_KEY,
        MADOGUCHI_PREENTRY_MIN_SECONDS="1",
        MADOGUCHI_ACCESS_LOG=str(home / "access.log"),
        **extra,
    )
    server = PreentryServer(env, home)
    server.start()
    return server


@pytest.fixture(scope="module")
def preentry_server(tmp_path_factory):
    server = _preentry(tmp_path_factory, "preentry-home")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def counter_server(tmp_path_factory, preentry_server):
    """A counter connected to the pre-entry server (SQLite; the PostgreSQL pass is the counter's own e2e)."""
    home = tmp_path_factory.mktemp("counter-home")
    env = _base_env(home)
    env.pop("DATABASE_URL", None)
    env.update(
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
        MADOGUCHI_PREENTRY_URL=preentry_server.url,
        MADOGUCHI_PREENTRY_API_KEY=API_KEY,
        MADOGUCHI_ACCESS_LOG=str(home / "access.log"),
    )
    server = LiveServer(env, home)
    server.setup()
    server.start()
    yield server
    server.stop()


def _context(browser, **kw):
    context = browser.new_context(locale="ja-JP", **kw)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    return context, page


def axe_serious(page) -> list[str]:
    """axe-core (WCAG 2.0/2.1 A and AA) on the current page; the serious and critical violations.
    Evaluated through the DevTools protocol, so the page's CSP (no inline script) stays as it is."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes']}" for v in result if v["impact"] in ("serious", "critical")
    ]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def login(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "madoguchi")
    page.fill("#id_password", "madoguchi-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/$"))


def answer_on_phone(page) -> tuple[str, str | None]:
    form = page.locator("form.r-question")
    fact = form.get_attribute("data-fact")
    if fact == UNKNOWN:
        form.locator("button[value=skip]").click()
        return fact, None
    value = FAMILY.get(fact)
    date_input = form.locator("input[type=date]")
    text_input = form.locator("input[name=value]")
    if date_input.count():
        value = value or "2026-11-22"
        date_input.fill(value)
        form.locator("button.r-primary").click()
    elif text_input.count():
        value = value or "0"
        text_input.fill(value)
        form.locator("button.r-primary").click()
    else:
        if value is None:
            value = (
                "false"
                if form.locator("button[value=false]").count()
                else (form.locator("button[name=value]").first.get_attribute("value"))
            )
        form.locator(f"button[name=value][value='{value}']").click()
    return fact, value


def test_phone_preentry_then_the_counter_opens_the_case(browser, preentry_server, counter_server):
    context, phone = _context(browser, **PHONE)
    phone.goto(f"{preentry_server.url}/")
    assert axe_serious(phone) == []
    phone.click("a[href='/e/okuyami/']")
    phone.click("button.r-primary")
    phone.wait_for_url(re.compile(r".*/e/okuyami/q$"))
    assert "しつもん 1" in phone.locator(".r-progress").inner_text()
    assert phone.locator("form.r-question").count() == 1  # one question per screen
    assert phone.locator("ruby").count() >= 1 or "いつ" in phone.locator("legend").inner_text()
    assert axe_serious(phone) == []
    assert no_horizontal_scroll(phone)
    # Languages are chosen on the page: English (catalog translation), then back to やさしい日本語.
    phone.click("nav.r-lang a[lang=en]")
    assert "On what date did the person die?" in phone.inner_text("legend")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert axe_serious(phone) == []
    # 200 % zoom of a 640 px window = 320 CSS pixels: everything reflows, nothing scrolls sideways.
    phone.set_viewport_size({"width": 320, "height": 640})
    assert no_horizontal_scroll(phone)
    phone.set_viewport_size(PHONE["viewport"])
    phone.click("nav.r-lang a[href='?lang=easy']")
    assert phone.locator("legend ruby").count() >= 1  # furigana in やさしい日本語

    given: dict[str, str | None] = {}
    for _ in range(60):
        if phone.url.endswith("/summary"):
            break
        fact, value = answer_on_phone(phone)
        assert fact not in given, f"{fact} asked twice"
        given[fact] = value
        phone.wait_for_load_state()
    assert phone.url.endswith("/summary"), "the pre-entry did not end"
    phone.set_viewport_size({"width": 320, "height": 640})
    assert no_horizontal_scroll(phone)
    phone.set_viewport_size(PHONE["viewport"])
    assert given[UNKNOWN] is None and len(given) >= 8
    assert phone.locator("[data-procedure='okuyami.shibou-todoke']").count() == 1
    assert "もちもの" in phone.inner_text("main")
    assert axe_serious(phone) == []
    assert no_horizontal_scroll(phone)
    phone.click("[data-testid=make-code]")
    phone.wait_for_selector("[data-testid=handoff-code]")
    code = phone.locator("[data-testid=handoff-code]").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    assert phone.locator("img.r-qr").get_attribute("src").startswith("data:image/svg+xml")
    assert axe_serious(phone) == []
    pdf = phone.request.get(f"{preentry_server.url}/e/okuyami/summary.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert phone.csp_errors == []
    context.close()

    # At the counter: the clerk types the code (a USB scanner types the QR text the same way).
    context, page = _context(browser, viewport={"width": 1400, "height": 1000})
    login(page, counter_server.url)
    page.goto(f"{counter_server.url}/resident/preentry/")
    page.fill("[data-testid=preentry-code]", code.lower())
    page.press("[data-testid=preentry-code]", "Enter")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    rows = page.locator("[data-testid=answers] tr[data-fact]")
    answered = {f for f, v in given.items() if v is not None}
    assert rows.count() == len(answered)
    for i in range(rows.count()):
        assert rows.nth(i).locator(".source").inner_text() == "本人入力"
    shown = {rows.nth(i).get_attribute("data-fact"): rows.nth(i).inner_text() for i in range(rows.count())}
    assert set(shown) == answered
    assert "令和8年11月20日" in shown["deceased.death_date"]
    # 「わからない」 is left unknown for the counter: the clerk is told, and the guide asks it.
    assert "「わからない」と答えた項目" in page.inner_text("main")
    questions = [page.locator("form.question").get_attribute("data-fact")] + [
        (a.get_attribute("href") or "").removeprefix("?ask=") for a in page.locator(".more-questions a").all()
    ]
    assert UNKNOWN in questions
    # The code worked once.
    page.goto(f"{counter_server.url}/resident/preentry/")
    page.fill("[data-testid=preentry-code]", code)
    page.press("[data-testid=preentry-code]", "Enter")
    page.wait_for_load_state()
    assert "見つかりません" in page.inner_text("main")
    assert page.csp_errors == []
    context.close()


def _make_code_by_script(base: str, secret: str | None = None) -> str:
    """A pre-entry made over plain HTTP (cookies and CSRF like a browser): start, wait, hand off."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf(html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    html = opener.open(f"{base}/e/okuyami/").read().decode()
    data = f"csrfmiddlewaretoken={csrf(html)}".encode()
    html = opener.open(urllib.request.Request(f"{base}/e/okuyami/", data=data)).read().decode()
    time.sleep(1.2)
    opener.open(
        urllib.request.Request(f"{base}/e/okuyami/handoff", data=f"csrfmiddlewaretoken={csrf(html)}".encode())
    )
    page = opener.open(f"{base}/e/okuyami/summary").read().decode()
    code = re.search(r'data-testid="handoff-code">([0-9A-Z-]+)<', page).group(1)
    if secret is None:
        return code
    # The QR's token is in the resident's own (signed, not secret from them) session cookie.
    from django.core import signing

    cookie = next(c.value for c in jar if c.name == "madoguchi_preentry")
    session = signing.loads(
        cookie,
        key=secret,
        salt="django.contrib.sessions.backends.signed_cookies",
        serializer=signing.JSONSerializer,
    )
    assert session["pe:okuyami:handoff"]["code"] == code.replace("-", "")
    return session["pe:okuyami:handoff"]["token"]


def test_pressing_make_code_twice_sends_it_once_and_shows_the_code(browser, preentry_server):
    """Each visit makes one code (#13 low): a second post of the same visit is refused, and a double click would
    show that refusal while the code made by the first click never reached the browser. The page sends it once."""
    context, phone = _context(browser, **PHONE)
    phone.goto(f"{preentry_server.url}/e/okuyami/")
    phone.click("button.r-primary")
    phone.wait_for_url(re.compile(r".*/e/okuyami/q$"))
    phone.goto(f"{preentry_server.url}/e/okuyami/summary")
    time.sleep(1.2)  # the server's minimum time (1 s here)
    posts = []
    phone.on("request", lambda r: r.method == "POST" and r.url.endswith("/handoff") and posts.append(r.url))
    # Two presses 20 ms apart, the second while the first is on its way (a double click, a shaky finger).
    phone.evaluate(
        "() => { const b = document.querySelector('[data-testid=make-code]'); b.click(); setTimeout(() => b.click(), 20); }"
    )
    phone.wait_for_selector("[data-testid=handoff-code]")
    assert len(posts) == 1
    assert phone.csp_errors == []
    context.close()


def test_expired_codes_are_refused(browser, preentry_server, counter_server):
    code = _make_code_by_script(preentry_server.url)
    # Time passes: the retention period ends (written into the pre-entry database, as a clock would).
    db = preentry_server.home / "var" / "preentry.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE resident_preentrysubmission SET expires_at = '2000-01-01 00:00:00'")
    context, page = _context(browser, viewport={"width": 1400, "height": 1000})
    login(page, counter_server.url)
    page.goto(f"{counter_server.url}/resident/preentry/")
    page.fill("[data-testid=preentry-code]", code)
    page.press("[data-testid=preentry-code]", "Enter")
    page.wait_for_load_state()
    assert "見つかりません" in page.inner_text("main")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM resident_preentrysubmission").fetchone()[0] == 0
    context.close()


def test_resident_screen_follows_the_clerk(browser, counter_server):
    context, page = _context(browser, viewport={"width": 1400, "height": 1000})
    login(page, counter_server.url)
    page.click("button[name=event][value=okuyami]")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    page.click("[data-testid=screen-start]")
    code = page.locator("[data-testid=pair-code]").inner_text()

    tablet_ctx, tablet = _context(browser, viewport={"width": 1024, "height": 768}, has_touch=True)
    tablet.goto(f"{counter_server.url}/screen/")
    assert axe_serious(tablet) == []
    tablet.fill("#pair-code", code)
    tablet.press("#pair-code", "Enter")
    tablet.wait_for_url(re.compile(r".*/screen/show$"))
    first = page.locator("form.question").get_attribute("data-fact")
    tablet.wait_for_selector(f"form.r-question[data-fact='{first}']")
    assert axe_serious(tablet) == []

    # The clerk answers; the resident's screen moves to the clerk's next question by itself.
    for _ in range(3):
        fact = page.locator("form.question").get_attribute("data-fact")
        form = page.locator("form.question")
        text_input = form.locator("input[name=value]")
        if text_input.count():
            text_input.fill("2026-11-20" if "date" in (text_input.get_attribute("class") or "") else "1")
            text_input.press("Enter")
        else:
            form.locator("button[name=value]").first.click()
        page.wait_for_function(
            "f => { const q = document.querySelector('form.question'); return !q || q.dataset.fact !== f; }",
            arg=fact,
        )
        nxt = page.locator("form.question").get_attribute("data-fact")
        tablet.wait_for_selector(f"form.r-question[data-fact='{nxt}']", timeout=8000)
    assert tablet.locator("[data-procedure='okuyami.shibou-todoke']").count() == 1

    # The clerk lets the resident answer; the resident answers on the tablet; the clerk's page follows.
    page.click("[data-testid=allow-answers]")
    page.wait_for_load_state()
    nxt = page.locator("form.question").get_attribute("data-fact")
    tablet.wait_for_selector(f"form.r-question[data-fact='{nxt}'] button.r-skip", timeout=8000)
    tablet.locator("form.r-question button.r-skip").click()
    page.wait_for_selector(f"[data-testid=answers] tr[data-fact='{nxt}']", timeout=8000)
    row = page.locator(f"[data-testid=answers] tr[data-fact='{nxt}']")
    assert row.locator(".source").inner_text() == "本人入力"
    assert tablet.csp_errors == [] and page.csp_errors == []
    tablet_ctx.close()
    context.close()


def test_preentry_profile_cannot_reach_the_counter(preentry_server, counter_server):
    for path in [
        "/login/",
        "/cases/",
        "/admin/",
        "/registry/",
        "/resident/preentry/",
        "/screen/",
        "/kiosk/",
        "/static/madoguchi/app.js",
    ]:
        try:
            with urllib.request.urlopen(f"{preentry_server.url}{path}", timeout=5) as r:  # noqa: S310
                status = r.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 404, (path, status)
    # Its own database holds only its own tables; no counter database file exists in its home.
    db = preentry_server.home / "var" / "preentry.sqlite3"
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not any(t.startswith(("web_", "auth_", "registry_", "django_session", "axes_")) for t in tables), (
        tables
    )
    assert not (preentry_server.home / "var" / "madoguchi.sqlite3").exists()
    # The public side never calls the counter: its access log shows only its own clients, and the counter's
    # access log shows no request from it (the counter is only ever the caller).
    assert "MADOGUCHI_PREENTRY_URL" not in preentry_server.env and "DATABASE_URL" not in preentry_server.env


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback only
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_flooding_the_public_side_is_throttled_without_affecting_the_counter(
    tmp_path_factory, counter_server
):
    flood_target = _preentry(tmp_path_factory, "flood-home", MADOGUCHI_PREENTRY_PAGES_PER_MINUTE="40")
    try:
        statuses: list[int] = []
        lock = threading.Lock()

        def worker():
            for _ in range(40):  # bounded: 4 × 40 requests to loopback
                s = _get(f"{flood_target.url}/e/okuyami/")
                with lock:
                    statuses.append(s)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        counter_times = []
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            start = time.monotonic()
            assert _get(f"{counter_server.url}/login/") == 200
            counter_times.append(time.monotonic() - start)
            time.sleep(0.05)
        for t in threads:
            t.join()
        assert statuses.count(200) <= 41 and statuses.count(429) >= 100, (
            statuses.count(200),
            statuses.count(429),
        )
        assert counter_times and max(counter_times) < 2.0
        # The API refuses wrong keys and then throttles guessing altogether.
        codes = []
        for _ in range(35):
            req = urllib.request.Request(
                f"{flood_target.url}/api/v1/take",
                data=b'{"code": "ABCDE-FGHJK"}',
                headers={"Authorization": "Bearer wrong", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(req, timeout=5) as r:  # noqa: S310
                    codes.append(r.status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
        assert codes[:30] == [401] * 30 and set(codes[30:]) == {429}
    finally:
        flood_target.stop()


def test_self_service_desk_to_the_counter_queue(browser, counter_server):
    context, desk = _context(browser, viewport={"width": 1024, "height": 768}, has_touch=True)
    login(desk, counter_server.url)  # a desk account (group "kiosk") or a counter account
    desk.goto(f"{counter_server.url}/kiosk/")
    assert axe_serious(desk) == []
    desk.click("button[name=event][value=okuyami]")
    desk.wait_for_url(re.compile(r".*/kiosk/q$"))
    assert axe_serious(desk) == []
    for _ in range(3):
        fact, _value = answer_on_phone(desk)
        desk.wait_for_function(
            "f => { const q = document.querySelector('form.r-question'); return !q || q.dataset.fact !== f; }",
            arg=fact,
        )
    desk.click("[data-testid=kiosk-finish]")
    desk.wait_for_url(re.compile(r".*/kiosk/receipt$"))
    number = desk.locator("[data-testid=receipt-number]").inner_text()
    assert re.fullmatch(r"\d{3}", number)
    assert axe_serious(desk) == []
    desk.goto(f"{counter_server.url}/resident/queue/")
    row = desk.locator("[data-testid=queue] tr", has_text=number)
    assert row.count() == 1
    row.locator("button").click()
    desk.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    sources = desk.locator("[data-testid=answers] tr[data-fact] .source").all_inner_texts()
    assert len(sources) == 3 and set(sources) == {"本人入力"}
    assert desk.csp_errors == []
    context.close()


def _qr_video(path: Path, text: str) -> None:
    """A Y4M file showing the QR code (what the counter PC's camera would see), for Chromium's fake camera."""
    import io

    import segno
    from PIL import Image

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=8, border=4)
    qr = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            f.write(b"FRAME\n" + y + chroma + chroma)


def test_the_counter_camera_reads_the_qr_code(browser, preentry_server, counter_server, tmp_path):
    from madoguchi.preentry.tokens import QR_PREFIX

    token = _make_code_by_script(preentry_server.url, preentry_server.env["MADOGUCHI_SECRET_KEY"])
    video = tmp_path / "qr.y4m"
    _qr_video(video, QR_PREFIX + token)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
        context.grant_permissions(["camera"], origin=counter_server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        csp = []
        page.on("console", lambda m: "Content Security Policy" in m.text and csp.append(m.text))
        login(page, counter_server.url)
        page.goto(f"{counter_server.url}/resident/preentry/")
        page.click("[data-qr-camera]")
        page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"), timeout=20000)
        assert "取り込みました" in page.inner_text("main")
        assert (
            page.locator("[data-testid=answers] tr[data-fact]").count() == 0
        )  # this family answered nothing
        assert csp == []
    finally:
        camera_browser.close()
