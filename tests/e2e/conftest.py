"""A real server (``madoguchi serve``, gunicorn) and real Chromium for end-to-end tests.

The server runs in its own process against its own database: a temporary SQLite file, or — when
DATABASE_URL points at PostgreSQL — a fresh database created for the run and dropped after it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.juki.crypto import new_key
from madoguchi.local_server import start_serve, stop

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MADOGUCHI_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must run the end-to-end tests: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, env: dict[str, str], home: Path):
        # The server runs this tree's source (the child's working folder is its home, so a relative
        # PYTHONPATH such as "src" would silently load another installed copy).
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH", "")]))
        self.env = env
        self.home = home
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = home / "server.log"

    def setup(self) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "madoguchi", "demo", "--no-serve"],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    def start(self) -> None:
        self.process = start_serve(self.port, env=self.env, cwd=self.home, log=self.log)

    def stop(self) -> None:
        stop(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def assert_logs_hold_no_personal_data(home: Path) -> None:
    """Issue #13: after the run, no log file of the server holds a 個人番号-shaped number or a query string
    (where search terms, names and birth dates travel)."""
    from madoguchi.privacy import mask_individual_numbers, mask_query_strings

    leaks = []
    for path in sorted(home.rglob("*.log")):
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if mask_query_strings(mask_individual_numbers(line)) != line:
                leaks.append(f"{path.name}:{n}: {mask_query_strings(mask_individual_numbers(line))[:200]}")
    assert not leaks, "personal data in the server's logs (shown masked):\n" + "\n".join(leaks[:20])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(not readable: {exc})"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows what the server and the page said, so a CI failure can be read
    without re-running it."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name in ("madoguchi_server", "card_agent_server"):
        server = item.funcargs.get(name)
        if isinstance(server, LiveServer):
            report.sections.append((f"{name} log (tail)", _tail(server.log)))
            report.sections.append((f"{name} access log (tail)", _tail(server.home / "access.log")))
    page = item.funcargs.get("page")
    if page is not None and getattr(page, "console_log", None):
        report.sections.append(("browser console", "\n".join(page.console_log[-40:])))


@pytest.fixture(scope="session")
def madoguchi_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        MADOGUCHI_HOME=str(home / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
        MADOGUCHI_ENCRYPTION_KEY=new_key(),  # serve refuses to start without one
        MADOGUCHI_CATALOG=str(ROOT / "catalogs" / "sample"),
        MADOGUCHI_ACCESS_LOG=str(home / "access.log"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    dropper = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"madoguchi_e2e_{secrets.token_hex(4)}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = url.rpartition("/")
        env["DATABASE_URL"] = f"{base}/{name}"

        def dropper():
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    server = LiveServer(env, home)
    server.setup_output = server.setup()
    server.start()
    yield server
    server.stop()
    if dropper:
        dropper()
    assert_logs_hold_no_personal_data(home)


@pytest.fixture(scope="session")
def browser():
    _require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        _require(False, "playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, madoguchi_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.csp_errors = []
    page.console_log = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    page.on("console", lambda m: page.console_log.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.console_log.append(f"pageerror: {e}"))
    page.on("response", lambda r: r.status >= 400 and page.console_log.append(f"HTTP {r.status} {r.url}"))
    yield page
    context.close()


@pytest.fixture(scope="session")
def pdftotext():
    path = shutil.which("pdftotext")
    _require(path is not None, "pdftotext not found (apt-get install poppler-utils)")
    return path


@pytest.fixture(scope="module")
def card_agent_server(tmp_path_factory):
    """A server paired with a card agent (in this process) holding the virtual `demo` card, as
    ``madoguchi demo`` does: the agent's origin in the CSP, the pairing token, the virtual test CA trusted."""
    from madoguchi.card import transport
    from madoguchi.card.agent import AgentConfig, CardAgent, serve_in_thread
    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.signature import key_file_text

    home = tmp_path_factory.mktemp("e2e-card-home")
    token = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if env.get("DATABASE_URL", "").startswith("postgres"):
        # This server keeps its own SQLite file; the main e2e server covers PostgreSQL.
        env.pop("DATABASE_URL")
    server = LiveServer(env, home)
    hierarchy = virtual_hierarchy()
    agent = CardAgent(transport.create("virtual", {"card": "demo"}), hierarchy.trust_store())
    config = AgentConfig(token=token, origin=server.url, port=0)
    agent_server, _ = serve_in_thread(agent, config)
    ca = home / "card-test-ca.pem"
    ca.write_text(key_file_text(hierarchy.ca.public_key(), hierarchy.ca_key_id, "virtual test CA"))
    env.update(
        MADOGUCHI_HOME=str(home / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
        MADOGUCHI_ENCRYPTION_KEY=new_key(),  # serve refuses to start without one
        MADOGUCHI_CATALOG=str(ROOT / "catalogs" / "sample"),
        MADOGUCHI_ACCESS_LOG=str(home / "access.log"),
        MADOGUCHI_CARD_AGENT_URL=f"http://127.0.0.1:{config.port}",
        MADOGUCHI_CARD_AGENT_TOKEN=token,
        MADOGUCHI_CARD_CA_KEY=str(ca),
        MADOGUCHI_CARD_TEST_MODE="1",
        MADOGUCHI_DEMO_RESIDENTS="1000",
        PYTHONUNBUFFERED="1",
    )
    server.setup_output = server.setup()
    server.start()
    server.agent = agent
    yield server
    server.stop()
    agent_server.shutdown()
    assert_logs_hold_no_personal_data(home)
