"""Fixtures for routing and delivery: a mini catalog with delivery targets, a fake core system on loopback."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from madoguchi.web.counter.models import Role

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"
TOKEN = "core-token-123"


class FakeCore:
    """A core system's intake: deduplicates by Idempotency-Key and counts. It can be told to answer 500
    or to hang (the caller times out) until a moment has passed."""

    def __init__(self):
        self.applied: dict[str, dict] = {}
        self.requests = 0
        self.duplicates = 0
        self.fail_until = 0.0
        self.hang_until = 0.0
        self.hang_seconds = 3.0
        self.apply_then_hang_until = 0.0  # apply, then keep the caller waiting (it times out or dies)
        self.lock = threading.Lock()
        core = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with core.lock:
                    core.requests += 1
                now = time.time()
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401)
                if now < core.hang_until:
                    time.sleep(core.hang_seconds)
                    return self._answer(504)
                if now < core.fail_until:
                    return self._answer(500)
                key = self.headers.get("Idempotency-Key")
                if not key:
                    return self._answer(400)
                with core.lock:
                    if key in core.applied:
                        core.duplicates += 1
                        return self._answer(200)
                    core.applied[key] = json.loads(body)
                if time.time() < core.apply_then_hang_until:
                    time.sleep(core.hang_seconds)
                return self._answer(201)

            def _answer(self, status):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/intake"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_core():
    core = FakeCore()
    yield core
    core.close()


DELIVERY_YAML = """
delivery_targets:
  - id: juki
    name: 住民記録システム
    plugin: file_drop
    options:
      directory: {drop}
      encoding: shift_jis
      columns: [{{案件番号: CASE_NO}}, {{氏名: SHIMEI}}, 生年月日, 死亡年月日, 消除事由, 届出人氏名]
  - id: hoken-api
    name: 国保システム
    plugin: http
    options: {{url: "{url}", token_env: MADOGUCHI_TEST_CORE_TOKEN, timeout: 1}}
"""


def make_catalog(root: Path, drop: Path, url: str) -> Path:
    shutil.copytree(MINI, root)
    drop.mkdir(parents=True, exist_ok=True)
    (root / "delivery.yaml").write_text(DELIVERY_YAML.format(drop=drop, url=url), encoding="utf-8")
    text = (root / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    deadline: {days: 7, first_day_counts: true}\n",
        "    deadline: {days: 7, first_day_counts: true}\n"
        "    delivery: [{target: juki, items: [案件番号, 氏名, 生年月日, 死亡年月日, 消除事由, 届出人氏名]}]\n",
        1,
    )
    text = text.replace(
        "    deadline: {days: 14}\n",
        "    deadline: {days: 14}\n    delivery: [{target: hoken-api, items: [案件番号, 手続ID, 氏名, 生年月日]}]\n",
        1,
    )
    (root / "catalog.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def routing_catalog(tmp_path, settings, fake_core, monkeypatch):
    drop = tmp_path / "drop"
    root = make_catalog(tmp_path / "catalog", drop, fake_core.url)
    settings.CATALOG_PATH = str(root)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MADOGUCHI_DELIVERY_BACKOFF_SECONDS = 0.05
    settings.MADOGUCHI_DELIVERY_BACKOFF_MAX_SECONDS = 0.2
    monkeypatch.setenv("MADOGUCHI_TEST_CORE_TOKEN", TOKEN)
    return {"root": root, "drop": drop}


def make_user(username: str, role: Role | None, departments=()) -> User:
    from madoguchi.web.backoffice.models import StaffDepartment

    user = User.objects.create_user(username=username, password="pw-123456789")
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    for dept in departments:
        StaffDepartment.objects.create(user=user, department_id=dept)
    return user


@pytest.fixture
def clerk(db):
    return make_user("clerk", Role.COUNTER_CLERK)


KOKUHO_CASE = {
    "event": "ev",
    "facts": {
        "ev.date": "2026-11-01",
        "p.birth": "1940-05-05",
        "p.insurance": "kokuho",
        "p.pension": True,
        "p.householder": True,
        "h.members": 2,
    },
    "persons": {
        "deceased": {"name": "窓口 太郎", "birth_date": "1940-05-05", "death_date": "2026-11-01", "sex": "1"},
        "applicant": {"name": "窓口 花子", "relationship": "妻"},
    },
}


# --- `madoguchi …` in subprocesses (the worker tests) ---------------------------------------------------

FINISH_CASES = """
import django, json, sys
django.setup()
from django.contrib.auth.models import User
from madoguchi.web.api.cases import create_case
sys.path.insert(0, {tests!r})
from routing_payload import KOKUHO_CASE
import copy
user = User.objects.create_user("clerk")
for i in range(3):
    data = copy.deepcopy(KOKUHO_CASE)
    data["persons"]["deceased"]["name"] = f"窓口 太郎{{i}}"
    create_case({{**data, "finish": True}}, user)
"""

DELIVERY_REPORT = """
import django, json
django.setup()
from madoguchi.web.backoffice.models import Delivery, DeliveryAttempt
print(json.dumps({
    "status": sorted(Delivery.objects.values_list("idempotency_key", "status")),
    "unfinished": list(DeliveryAttempt.objects.filter(error__contains="stopped").values_list("delivery__idempotency_key", flat=True)),
}))
"""


def worker_env(tmp_path: Path, catalog: Path, **extra: str) -> dict[str, str]:
    """The environment for `madoguchi …` subprocesses: their own home and catalog, SQLite unless
    ``DATABASE_URL`` is given in ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="madoguchi.web.project.settings",
        MADOGUCHI_HOME=str(tmp_path / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(30),
        MADOGUCHI_CATALOG=str(catalog),
        **extra,
    )
    return env


def run_madoguchi(env: dict[str, str], *args: str, code: str | None = None, timeout: float = 120) -> str:
    """`madoguchi *args` (or Python ``code``) in a subprocess; fails the test unless it exits 0."""
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "madoguchi", *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def finish_kokuho_cases(tmp_path: Path, env: dict[str, str]) -> None:
    """Migrate the subprocesses' database and finish three kokuho cases there (six deliveries)."""
    payload_dir = tmp_path / "py"
    payload_dir.mkdir()
    (payload_dir / "routing_payload.py").write_text(f"KOKUHO_CASE = {KOKUHO_CASE!r}\n", encoding="utf-8")
    (tmp_path / "var").mkdir()
    run_madoguchi(env, "manage", "migrate", "-v", "0")
    run_madoguchi(env, code=FINISH_CASES.format(tests=str(payload_dir)))


def start_worker(env: dict[str, str], **output) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "madoguchi", "worker", "--interval", "0.2"], env=env, text=True, **output
    )


def wait_for_first_delivery_call(worker: subprocess.Popen, core: FakeCore, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while core.requests == 0:
        assert time.monotonic() < deadline, "the worker never called the core system"
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.01)


def assert_each_record_applied_once(report: dict, core: FakeCore, drop: Path) -> None:
    assert len(report["status"]) == 6
    http_keys = {k for k, _ in report["status"] if k.endswith("hoken-api")}
    assert set(core.applied) == http_keys  # every record arrived, each applied once
    assert sorted(p.name for p in drop.iterdir()) == sorted(
        k + ".csv" for k, _ in report["status"] if k.endswith(".juki")
    )
