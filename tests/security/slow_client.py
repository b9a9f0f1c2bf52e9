"""A bounded slow-client probe for ``madoguchi serve`` on loopback (issue #13, Medium 3).

Opens ``--slow`` connections that each send a POST's headers and then its body one byte every ``--interval``
seconds, and meanwhile times ``--probes`` ordinary requests (``GET --path``). Prints one JSON object:
the probes' times, how many took longer than ``--limit`` seconds, and what the slow connections were answered.
Loopback only; everything stops after ``--seconds``.

    python tests/security/slow_client.py --port 8000 --slow 1 --seconds 12
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import threading
import time

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def slow_body(host: str, port: int, interval: float, until: float, result: dict) -> None:
    """POST a 10,000-byte body one byte per ``interval`` seconds until the server answers or time is up."""
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
            )
            sock.settimeout(interval)
            answer = b""
            while time.monotonic() < until:
                try:
                    sock.sendall(b"a")
                except OSError:
                    break
                try:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                except TimeoutError:
                    continue
            result["answer"] = answer.split(b"\r\n", 1)[0].decode("latin-1") or None
    except OSError as exc:
        result["answer"] = f"error: {exc.__class__.__name__}"
    result["held_seconds"] = round(time.monotonic() - started, 2)


def probe(host: str, port: int, path: str) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=15)
    try:
        conn.request("GET", path)
        status = conn.getresponse().status
    except OSError:
        status = 0
    finally:
        conn.close()
    return status, time.monotonic() - started


def run(
    port: int,
    *,
    host: str = "127.0.0.1",
    slow: int = 1,
    interval: float = 2.0,
    seconds: float = 12.0,
    probes: int = 10,
    path: str = "/healthz",
    limit: float = 1.0,
) -> dict:
    if host not in LOOPBACK:
        raise SystemExit("the slow-client probe runs against loopback only")
    until = time.monotonic() + seconds
    results = [{} for _ in range(slow)]
    threads = [
        threading.Thread(target=slow_body, args=(host, port, interval, until, r), daemon=True)
        for r in results
    ]
    for t in threads:
        t.start()
    time.sleep(1.0)  # the slow connections are in their bodies
    times, statuses = [], []
    for _ in range(probes):
        if time.monotonic() >= until - 0.5:
            break
        status, took = probe(host, port, path)
        statuses.append(status)
        times.append(round(took, 3))
        time.sleep(0.2)
    for t in threads:
        t.join(timeout=max(0.0, until - time.monotonic()) + 3)
    return {
        "slow_connections": slow,
        "interval_seconds": interval,
        "probes": len(times),
        "probe_statuses": statuses,
        "probe_seconds": times,
        "max_probe_seconds": max(times, default=None),
        "probes_over_limit": sum(t > limit for t in times),
        "limit_seconds": limit,
        "slow_answers": [r.get("answer") for r in results],
        "slow_held_seconds": [r.get("held_seconds") for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--slow", type=int, default=1, help="slow connections (default 1)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between body bytes (default 2)")
    parser.add_argument("--seconds", type=float, default=12.0, help="how long the probe runs (default 12)")
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--limit", type=float, default=1.0)
    args = parser.parse_args(argv)
    report = run(
        args.port,
        host=args.host,
        slow=args.slow,
        interval=args.interval,
        seconds=args.seconds,
        probes=args.probes,
        path=args.path,
        limit=args.limit,
    )
    print(json.dumps(report, ensure_ascii=False))
    return 1 if report["probes_over_limit"] else 0


if __name__ == "__main__":
    sys.exit(main())
