"""Run ``madoguchi serve`` as a child process on loopback and wait until it answers — for the load benchmark
and the end-to-end tests, which both need a real server (gunicorn) of their own."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from pathlib import Path


class ServerDidNotStart(RuntimeError):
    pass


def start_serve(
    port: int,
    *,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    workers: int = 2,
    threads: int = 4,
    extra_args: tuple[str, ...] = (),
    timeout: float = 60,
) -> subprocess.Popen:
    """Start ``madoguchi serve`` on 127.0.0.1:``port`` (output appended to ``log``) and wait for /healthz."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "madoguchi", "serve", *extra_args]
            + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"the server exited: {Path(log).read_text(errors='replace')[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    stop(process)
    raise ServerDidNotStart(f"the server did not answer on port {port} within {timeout:.0f} s")


def stop(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """Terminate gracefully, then kill if it does not stop in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
