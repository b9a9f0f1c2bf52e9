"""PostgreSQL really restarts while the worker is delivering: after recovery every record has arrived, none was
lost and none applied twice. Runs where the CI script provides a restart command (its PostgreSQL pass)."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import time

import pytest

from .conftest import (
    DELIVERY_REPORT,
    TOKEN,
    assert_each_record_applied_once,
    finish_kokuho_cases,
    make_catalog,
    run_madoguchi,
    start_worker,
    wait_for_first_delivery_call,
    worker_env,
)

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
    env = worker_env(
        tmp_path,
        make_catalog(tmp_path / "catalog", drop, fake_core.url),
        DATABASE_URL=own_database,
        MADOGUCHI_TEST_CORE_TOKEN=TOKEN,
        MADOGUCHI_DELIVERY_LEASE_SECONDS="2",
        MADOGUCHI_DELIVERY_BACKOFF_SECONDS="0.1",
        MADOGUCHI_DELIVERY_BACKOFF_MAX_SECONDS="0.5",
    )
    finish_kokuho_cases(tmp_path, env)

    # Each record takes a moment at the core system, so the restart lands in the middle of delivering.
    fake_core.apply_then_hang_until = time.time() + 30
    fake_core.hang_seconds = 0.5
    worker = start_worker(env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_first_delivery_call(worker, fake_core)
        restarted = subprocess.run(shlex.split(RESTART), capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        fake_core.apply_then_hang_until = 0
        # The running worker reconnects on its own and finishes the work.
        deadline = time.monotonic() + 90
        while True:
            try:
                report = json.loads(run_madoguchi(env, code=DELIVERY_REPORT))
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

    assert_each_record_applied_once(report, fake_core, drop)
