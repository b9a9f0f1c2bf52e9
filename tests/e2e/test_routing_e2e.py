"""One stop in real Chromium: the counter finishes a case, department staff log in and complete their tasks,
the case shows done, and the file for the core system arrives in the drop folder (the worker runs beside
the server, as in production)."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from madoguchi.juki.crypto import new_key

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"


def _live_server_class():
    spec = importlib.util.spec_from_file_location("_e2e_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LiveServer


def _catalog(root: Path, drop: Path) -> Path:
    shutil.copytree(MINI, root)
    (root / "delivery.yaml").write_text(
        "delivery_targets:\n"
        "  - id: juki\n"
        "    name: 住民記録システム\n"
        "    plugin: file_drop\n"
        f"    options: {{directory: '{drop}', encoding: shift_jis, columns: [{{案件番号: CASE_NO}}, 死亡年月日, 消除事由]}}\n",
        encoding="utf-8",
    )
    text = (root / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    deadline: {days: 7, first_day_counts: true}\n",
        "    deadline: {days: 7, first_day_counts: true}\n"
        "    delivery: [{target: juki, items: [案件番号, 死亡年月日, 消除事由]}]\n",
        1,
    )
    (root / "catalog.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def routing_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("routing-e2e")
    drop = home / "drop"
    drop.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        MADOGUCHI_HOME=str(home / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
        MADOGUCHI_CATALOG=str(_catalog(home / "catalog", drop)),
        MADOGUCHI_ENCRYPTION_KEY=new_key(),  # serve refuses to start without one
        PYTHONUNBUFFERED="1",
    )
    dropper = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"madoguchi_e2e_routing_{secrets.token_hex(4)}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{url.rpartition('/')[0]}/{name}"

        def dropper():
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    server = _live_server_class()(env, home)
    server.setup()
    staff = subprocess.run(
        [sys.executable, "-m", "madoguchi", "manage", "madoguchi_staff", "tantou", "all"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert staff.returncode == 0, staff.stderr
    server.start()
    with open(home / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "madoguchi", "worker", "--interval", "0.3"],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server.drop = drop
    yield server
    worker.terminate()
    worker.wait(timeout=20)
    server.stop()
    if dropper:
        dropper()


ANSWERS = {
    "ev.date": "2026-11-01",
    "p.birth": "1940-05-05",
    "p.insurance": "kokuho",
    "p.pension": "true",
    "p.householder": "true",
    "h.members": "2",
}


def _login(page, base, user, password, next_url="/cases/"):
    page.goto(f"{base}/login/?next={next_url}")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf".*{re.escape(next_url)}$"))


def _logout(page):
    page.click("header form button[type=submit]")
    page.wait_for_url(re.compile(r".*/login/.*"))


def test_counter_to_departments_to_core_system(browser, routing_server):
    base = routing_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        _login(page, base, "madoguchi", "madoguchi-demo")
        page.click("button[name=event][value=ev]")
        page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
        number = page.locator("[data-testid=case-number]").inner_text()
        case_url = page.url
        for _ in range(20):
            form = page.locator("form.question")
            if form.count() == 0:
                break
            fact = form.get_attribute("data-fact")
            value = ANSWERS[fact]
            text_input = form.locator("input[name=value]")
            if text_input.count():
                text_input.fill(value)
                text_input.press("Enter")
            else:
                form.locator(f"button[name=value][value='{value}']").click()
            page.wait_for_function(
                "f => { const q = document.querySelector('form.question'); return !q || q.dataset.fact !== f; }",
                arg=fact,
            )
        page.click("[data-testid=finish-start]")
        page.wait_for_url(re.compile(r".*/finish$"))
        page.click("text=終えて担当課へ送る")
        page.wait_for_url(re.compile(r".*/sheet$"))
        page.goto(case_url)
        status = page.locator("#routing-status")
        assert "残り 2 課" in status.inner_text()
        _logout(page)

        # Department staff (市民課 and 保険課 in this demo) work their list.
        _login(page, base, "tantou", "tantou-demo", "/tasks/")
        done = 0
        for _ in range(10):
            links = page.locator(f"table.list a:text('{number}')")
            if links.count() == 0:
                break
            links.first.click()
            page.wait_for_url(re.compile(r".*/tasks/\d+/$"))
            page.click("button[name=status][value=done]")
            page.wait_for_selector("#task-status:text('完了')")
            done += 1
            page.goto(f"{base}/tasks/")
        assert done == 4  # always, kokuho, senior-kokuho, householder
        _logout(page)

        _login(page, base, "madoguchi", "madoguchi-demo")
        page.goto(case_url)
        assert "すべての課の手続きが完了しました" in page.locator("#routing-status").inner_text()

        # The worker has put the file for the 住民記録 system in the drop folder.
        expected = routing_server.drop / f"{number}.always.juki.csv"
        deadline = time.monotonic() + 30
        while not expected.exists():
            assert time.monotonic() < deadline, list(routing_server.drop.iterdir())
            time.sleep(0.2)
        lines = expected.read_bytes().decode("cp932").splitlines()
        assert lines == ["CASE_NO,死亡年月日,消除事由", f"{number},2026-11-01,死亡"]
    finally:
        context.close()
