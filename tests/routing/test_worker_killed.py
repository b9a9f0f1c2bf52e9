"""The worker is killed (SIGKILL) while the core system is applying a record: a new worker picks the
delivery up when its lease runs out, and the receiver's key check keeps it from being applied twice."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import TOKEN, make_catalog

SETUP = """
import django, json, sys
django.setup()
from django.contrib.auth.models import User
from madoguchi.web.routing.cases import create_case
sys.path.insert(0, {tests!r})
from routing_payload import KOKUHO_CASE
import copy
user = User.objects.create_user("clerk")
for i in range(3):
    data = copy.deepcopy(KOKUHO_CASE)
    data["persons"]["deceased"]["name"] = f"窓口 太郎{{i}}"
    create_case({{**data, "finish": True}}, user)
"""

REPORT = """
import django, json
django.setup()
from madoguchi.web.routing.models import Delivery, DeliveryAttempt
print(json.dumps({
    "status": sorted(Delivery.objects.values_list("idempotency_key", "status")),
    "unfinished": list(DeliveryAttempt.objects.filter(error__contains="stopped").values_list("delivery__idempotency_key", flat=True)),
}))
"""


def _run(env, *args, code=None, timeout=120):
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "madoguchi", *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_worker_killed_mid_delivery(tmp_path, fake_core):
    drop = tmp_path / "drop"
    catalog = make_catalog(tmp_path / "catalog", drop, fake_core.url)
    payload_dir = tmp_path / "py"
    payload_dir.mkdir()
    from .conftest import KOKUHO_CASE

    (payload_dir / "routing_payload.py").write_text(f"KOKUHO_CASE = {KOKUHO_CASE!r}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="madoguchi.web.settings",
        MADOGUCHI_HOME=str(tmp_path / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(30),
        MADOGUCHI_CATALOG=str(catalog),
        MADOGUCHI_TEST_CORE_TOKEN=TOKEN,
        MADOGUCHI_DELIVERY_LEASE_SECONDS="1",
        MADOGUCHI_DELIVERY_BACKOFF_SECONDS="0.1",
        MADOGUCHI_DELIVERY_BACKOFF_MAX_SECONDS="0.5",
    )
    (tmp_path / "var").mkdir()
    _run(env, "manage", "migrate", "-v", "0")
    _run(env, code=SETUP.format(tests=str(payload_dir)))

    # The core applies the first record it sees, then keeps the worker waiting: kill the worker then.
    fake_core.apply_then_hang_until = time.time() + 60
    fake_core.hang_seconds = 0.9  # below the 1 s client timeout: the worker would otherwise succeed
    worker = subprocess.Popen(
        [sys.executable, "-m", "madoguchi", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while fake_core.requests == 0:
            assert time.monotonic() < deadline, "the worker never called the core system"
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=10)
    killed_key = next(iter(fake_core.applied))
    fake_core.apply_then_hang_until = 0

    time.sleep(1.2)  # the dead worker's lease runs out
    deadline = time.monotonic() + 60
    while True:
        _run(env, "worker", "--until-idle")
        report = json.loads(_run(env, code=REPORT))
        if all(status == "delivered" for _, status in report["status"]):
            break
        assert time.monotonic() < deadline, report
        time.sleep(0.3)

    assert len(report["status"]) == 6
    http_keys = {k for k, _ in report["status"] if k.endswith("hoken-api")}
    assert set(fake_core.applied) == http_keys  # every record arrived, each applied once
    assert fake_core.duplicates >= 1  # the record in flight when the worker died was sent again …
    assert killed_key in report["unfinished"]  # … and its interrupted attempt is on record
    assert sorted(p.name for p in drop.iterdir()) == sorted(
        k + ".csv" for k, _ in report["status"] if k.endswith(".juki")
    )
    assert not [p for p in Path(drop).iterdir() if p.name.startswith(".")]  # no temp files left
