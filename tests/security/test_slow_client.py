"""Issue #13, Medium 3: a client sending its body one byte at a time does not hold up other requests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from madoguchi.local_server import start_serve, stop

from .conftest import free_port

_spec = importlib.util.spec_from_file_location("slow_client", Path(__file__).with_name("slow_client.py"))
slow_client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slow_client)


def test_a_slow_body_does_not_stall_a_single_worker_server(served, tmp_path):
    """One worker with one application slot — the worst case — still answers within a second while a
    connection dribbles its body; the slow connection itself is cut off with 408 after its time."""
    port = free_port()
    env = dict(served.env, MADOGUCHI_BODY_SECONDS="4")
    process = start_serve(port, env=env, cwd=served.home, log=tmp_path / "one.log", workers=1, threads=1)
    try:
        report = slow_client.run(port, slow=2, interval=0.5, seconds=8, probes=8, path="/login/")
    finally:
        stop(process)
    assert report["probes"] >= 5, report
    assert report["probe_statuses"] == [200] * report["probes"], report
    assert report["probes_over_limit"] == 0, report
    assert report["slow_answers"] == ["HTTP/1.1 408 Request Timeout"] * 2, report
