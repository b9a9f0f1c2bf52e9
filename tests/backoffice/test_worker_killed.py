"""The worker is killed (SIGKILL) while the core system is applying a record: a new worker picks the
delivery up when its lease runs out, and the receiver's key check keeps it from being applied twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

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


def test_worker_killed_mid_delivery(tmp_path, fake_core):
    drop = tmp_path / "drop"
    env = worker_env(
        tmp_path,
        make_catalog(tmp_path / "catalog", drop, fake_core.url),
        MADOGUCHI_TEST_CORE_TOKEN=TOKEN,
        MADOGUCHI_DELIVERY_LEASE_SECONDS="1",
        MADOGUCHI_DELIVERY_BACKOFF_SECONDS="0.1",
        MADOGUCHI_DELIVERY_BACKOFF_MAX_SECONDS="0.5",
    )
    finish_kokuho_cases(tmp_path, env)

    # The core applies the first record it sees, then keeps the worker waiting: kill the worker then.
    fake_core.apply_then_hang_until = time.time() + 60
    fake_core.hang_seconds = 0.9  # below the 1 s client timeout: the worker would otherwise succeed
    worker = start_worker(env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_first_delivery_call(worker, fake_core)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=10)
    killed_key = next(iter(fake_core.applied))
    fake_core.apply_then_hang_until = 0

    time.sleep(1.2)  # the dead worker's lease runs out
    deadline = time.monotonic() + 60
    while True:
        run_madoguchi(env, "worker", "--until-idle")
        report = json.loads(run_madoguchi(env, code=DELIVERY_REPORT))
        if all(status == "delivered" for _, status in report["status"]):
            break
        assert time.monotonic() < deadline, report
        time.sleep(0.3)

    assert_each_record_applied_once(report, fake_core, drop)
    assert fake_core.duplicates >= 1  # the record in flight when the worker died was sent again …
    assert killed_key in report["unfinished"]  # … and its interrupted attempt is on record
    assert not [p for p in Path(drop).iterdir() if p.name.startswith(".")]  # no temp files left
