"""PostgreSQL really restarts while the worker is delivering: after recovery every record has arrived, none was
lost and none applied twice. Runs where the CI script provides a restart command (its PostgreSQL pass)."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import time

import pytest

from .conftest import KOKUHO_CASE, TOKEN, make_catalog
from .test_worker_killed import REPORT, SETUP, _run

RESTART = os.environ.get("MADOGUCHI_TEST_PG_RESTART")
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not (RESTART and DATABASE_URL.startswith("postgres")),
    reason="needs PostgreSQL and MADOGUCHI_TEST_PG_RESTART (set by .ci/run's PostgreSQL pass)",
)


def _reset_django_connections() -> None:
    """The restart cut this test process's own connections too; drop them so later tests reconnect."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # noqa: BLE001, S110 - a connection the server already closed
            pass
        conn.connection = None


@pytest.fixture
def own_database():
    """A database of its own on the shared server, dropped afterwards."""
    import psycopg

    name = f"madoguchi_restart_{secrets.token_hex(4)}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{DATABASE_URL.rpartition('/')[0]}/{name}"
    _reset_django_connections()
    for _ in range(20):  # the server may still be coming back
        try:
            with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.OperationalError:
            time.sleep(0.5)


def test_database_restart_during_delivery(tmp_path, fake_core, own_database):
    drop = tmp_path / "drop"
    catalog = make_catalog(tmp_path / "catalog", drop, fake_core.url)
    payload_dir = tmp_path / "py"
    payload_dir.mkdir()
    (payload_dir / "routing_payload.py").write_text(f"KOKUHO_CASE = {KOKUHO_CASE!r}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="madoguchi.web.settings",
        DATABASE_URL=own_database,
        MADOGUCHI_HOME=str(tmp_path / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(30),
        MADOGUCHI_CATALOG=str(catalog),
        MADOGUCHI_TEST_CORE_TOKEN=TOKEN,
        MADOGUCHI_DELIVERY_LEASE_SECONDS="2",
        MADOGUCHI_DELIVERY_BACKOFF_SECONDS="0.1",
        MADOGUCHI_DELIVERY_BACKOFF_MAX_SECONDS="0.5",
    )
    (tmp_path / "var").mkdir()
    _run(env, "manage", "migrate", "-v", "0")
    _run(env, code=SETUP.format(tests=str(payload_dir)))

    # Each record takes a moment at the core system, so the restart lands in the middle of delivering.
    fake_core.apply_then_hang_until = time.time() + 30
    fake_core.hang_seconds = 0.5
    worker = subprocess.Popen(
        [sys.executable, "-m", "madoguchi", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while fake_core.requests == 0:
            assert time.monotonic() < deadline, "the worker never called the core system"
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.01)
        restarted = subprocess.run(shlex.split(RESTART), capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        fake_core.apply_then_hang_until = 0
        # The running worker reconnects on its own and finishes the work.
        deadline = time.monotonic() + 90
        while True:
            try:
                report = json.loads(_run(env, code=REPORT))
            except AssertionError:
                report = None  # the database is still starting
            if report and report["status"] and all(status == "delivered" for _, status in report["status"]):
                break
            assert time.monotonic() < deadline, report
            assert worker.poll() is None, "the worker died with the database: " + (worker.stdout.read() or "")
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=20)

    assert len(report["status"]) == 6
    http_keys = {k for k, _ in report["status"] if k.endswith("hoken-api")}
    assert set(fake_core.applied) == http_keys  # every record arrived, each applied once
    assert sorted(p.name for p in drop.iterdir()) == sorted(
        k + ".csv" for k, _ in report["status"] if k.endswith(".juki")
    )
