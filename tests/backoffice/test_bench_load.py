"""`madoguchi bench load` runs end to end (two counters, one case each; the real figures come from
`madoguchi bench load` with its defaults on the target machine)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_load_smoke():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "madoguchi",
            "bench",
            "load",
            "--counters",
            "2",
            "--think",
            "0",
            "--duration",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert figures["load_cases_finished"] == 2
    assert figures["load_errors"] == 0, figures["load_error_kinds"]
    assert figures["load_requests"] > 40
    assert 0 < figures["load_p50_ms"] <= figures["load_p95_ms"] <= figures["load_p99_ms"]
    # Every timed request is also timed inside the server (its access log), and cannot take longer there.
    assert figures["load_app_requests"] == figures["load_requests"]
    assert 0 < figures["load_app_p50_ms"] <= figures["load_app_p95_ms"] <= figures["load_app_p99_ms"]
    assert (
        figures["load_app_p99_ms"] <= figures["load_p99_ms"]
    )  # each request: application time ≤ client time
    assert set(figures["load_by_kind_p50_p95_ms"]) == {"answer", "case page", "finish", "new", "sheet"}


def test_bench_load_bounds():
    result = subprocess.run(
        [sys.executable, "-m", "madoguchi", "bench", "load", "--counters", "5000"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "bounds" in result.stderr and "Traceback" not in result.stderr
