"""`madoguchi worker` from the command line: --check, --until-idle, --purge and argument errors."""

from __future__ import annotations

import subprocess
import sys

from .conftest import make_catalog, start_worker, worker_env


def _madoguchi(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "madoguchi", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_worker_commands(tmp_path, fake_core):
    drop = tmp_path / "drop"
    env = worker_env(tmp_path, make_catalog(tmp_path / "catalog", drop, fake_core.url))
    assert _madoguchi(env, "manage", "migrate", "-v", "0").returncode == 0

    r = _madoguchi(env, "worker", "--check")  # the token variable is not set
    assert (
        r.returncode == 1
        and "hoken-api: 認証トークン: 環境変数 MADOGUCHI_TEST_CORE_TOKEN が設定されていません" in r.stdout
    )
    env["MADOGUCHI_TEST_CORE_TOKEN"] = "x"
    r = _madoguchi(env, "worker", "--check")
    assert r.returncode == 0 and "delivery targets: ok" in r.stdout

    r = _madoguchi(env, "worker", "--until-idle")
    assert r.returncode == 0 and "deliveries: pending 0, sending 0, delivered 0, dead 0" in r.stdout

    r = _madoguchi(env, "worker", "--purge")
    assert r.returncode == 0 and "purged 0 closed case(s)" in r.stdout

    r = _madoguchi(env, "worker", "--interval", "0")
    assert r.returncode == 2 and "--interval must be between" in r.stderr and "Traceback" not in r.stderr


def test_worker_stops_on_sigterm(tmp_path, fake_core):
    import signal
    import time

    env = worker_env(tmp_path, make_catalog(tmp_path / "catalog", tmp_path / "drop", fake_core.url))
    assert _madoguchi(env, "manage", "migrate", "-v", "0").returncode == 0
    worker = start_worker(env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)
    assert worker.poll() is None
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=20)
    assert worker.returncode == 0, err
    assert "deliveries: pending 0" in out
