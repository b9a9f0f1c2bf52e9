"""``madoguchi bench load``: simulated counters running full おくやみ cases against ``madoguchi serve``.

The bench sets up its own server on loopback (127.0.0.1 only) with its own database — a temporary SQLite
file, or a fresh PostgreSQL database created next to ``DATABASE_URL`` and dropped afterwards — and runs
``counters`` clerks at once. Each logs in, then per case: opens it, answers every question of one of the
catalog's おくやみ scenarios (htmx partial updates, as the screen does), finishes it (tasks are routed) and
opens the take-home sheet. A clerk waits ``think`` seconds (±50 %) between requests, as a person would;
the counters open one after another over ``ramp`` seconds, then all work at once.
Bounded: at most ``cases`` cases per counter and ``duration`` seconds in all.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from madoguchi.cli.web_commands import default_workers
from madoguchi.juki.crypto import new_key
from madoguchi.local_server import start_serve, stop

USER, PASSWORD = "madoguchi", "madoguchi-demo"  # the demo clerk created by `madoguchi demo --no-serve`


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def scenarios(catalog: Path, event: str = "okuyami") -> list[list[tuple[str, str]]]:
    """Answer lists (fact, form value) from the catalog's scenario files for ``event``."""
    from madoguchi.catalog import load_catalog

    cat = load_catalog(catalog)
    askable = {f.name for f in cat.facts_for(event) if f.askable}
    out = []
    for path in sorted((catalog / "scenarios").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("event") != event:
            continue
        answers = [(k, _form_value(v)) for k, v in (data.get("facts") or {}).items() if k in askable]
        if answers:
            out.append(answers)
    if not out:
        raise ValueError(f"the catalog has no scenario for {event!r} to replay")
    return out


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    cases: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Counter:
    """One simulated clerk with its own connection and cookies."""

    def __init__(self, port: int, stats: Stats, think: float, rng: random.Random):
        self.port, self.stats, self.think, self.rng = port, stats, think, rng
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False, timed=True):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        if htmx:
            headers["HX-Request"] = "true"
        t0 = time.perf_counter()
        try:
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection: open a new one and send again, as a
                # browser does (nothing was processed on the closed connection).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.stats.lock:
                self.stats.errors.append(f"{method} {path}: {type(exc).__name__}")
            return None, b"", {}
        elapsed = (time.perf_counter() - t0) * 1000
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        with self.stats.lock:
            if timed:
                self.stats.latencies.append(elapsed)
                kind = _kind(method, path)
                self.stats.by_kind.setdefault(kind, []).append(elapsed)
            if resp.status >= 400:
                self.stats.errors.append(
                    f"{method} {re.sub(r'[0-9]{4}-[0-9]{6}', 'N', path)}: HTTP {resp.status}"
                )
        return resp.status, data, {k.lower(): v for k, v in resp.getheaders()}  # names are case-insensitive

    def pause(self) -> None:
        if self.think:
            time.sleep(self.think * self.rng.uniform(0.5, 1.5))

    def login(self) -> bool:
        self.request("GET", "/login/", timed=False)
        status, _, _ = self.request(
            "POST",
            "/login/",
            {
                "username": USER,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            },
            timed=False,
        )
        return status == 302

    def run_case(self, answers: list[tuple[str, str]], deadline: float) -> bool:
        status, _, headers = self.request(
            "POST", "/cases/new", {"event": "okuyami", "visitor_name": "負荷試験"}
        )
        location = headers.get("location", "")
        m = re.search(r"/cases/([0-9]{4}-[0-9]{6})/", location)
        if status != 302 or not m:
            return False
        number = m.group(1)
        self.request("GET", f"/cases/{number}/")
        for fact, value in answers:
            if time.monotonic() > deadline:
                return False
            self.pause()
            self.request("POST", f"/cases/{number}/answer", {"fact": fact, "value": value}, htmx=True)
        self.pause()
        self.request("POST", f"/cases/{number}/finish")
        self.request("GET", f"/cases/{number}/sheet")
        return True


def _kind(method: str, path: str) -> str:
    """'answer', 'case page', 'new', 'finish', 'sheet' … for the per-kind figures."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if re.fullmatch(r"[0-9]{4}-[0-9]{6}", last):
        return "case page"
    return last


def _tree_cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) of ``root_pid`` and its descendants, from /proc (Linux; 0.0 elsewhere)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(pid, 0.0) for pid in tree)


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (Linux; zeros elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


_ACCESS_LINE = re.compile(r'"(?:GET|POST) (/\S*) HTTP/[0-9.]+" \d{3} .* (\d+)$')


def _application_ms(access_log: Path) -> list[float]:
    """Time inside the application for each timed request (the last field of ``madoguchi serve``'s access
    log, µs), leaving out the untimed logins, health checks and static files."""
    times = []
    try:
        lines = access_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return times
    for line in lines:
        m = _ACCESS_LINE.search(line)
        if m and not m.group(1).startswith(("/login", "/healthz", "/static/")):
            times.append(int(m.group(2)) / 1000)
    return times


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


class Server:
    """``madoguchi serve`` on 127.0.0.1 with a throwaway database."""

    def __init__(self, catalog: Path, workers: int, threads: int):
        self.home = Path(tempfile.mkdtemp(prefix="madoguchi-load-"))
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.update(
            MADOGUCHI_HOME=str(self.home / "var"),
            MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
            MADOGUCHI_ENCRYPTION_KEY=new_key(),  # serve refuses to start without one
            MADOGUCHI_CATALOG=str(catalog),
            MADOGUCHI_LOGIN_FAILURE_LIMIT="1000",
            MADOGUCHI_ACCESS_LOG=str(self.home / "access.log"),
            PYTHONUNBUFFERED="1",
        )
        self.dropper = None
        self.database = "sqlite"
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg

            name = f"madoguchi_load_{secrets.token_hex(4)}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            base, _, _ = url.rpartition("/")
            self.env["DATABASE_URL"] = f"{base}/{name}"
            self.database = "postgresql"

            def drop():
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            self.dropper = drop
        else:
            self.env.pop("DATABASE_URL", None)
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        setup = subprocess.run(
            [sys.executable, "-m", "madoguchi", "demo", "--no-serve"],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if setup.returncode != 0:
            raise RuntimeError(f"setting up the bench database failed:\n{setup.stderr[-2000:]}")
        if self.database == "postgresql":
            # A production database has statistics; without this, autovacuum analyses the freshly loaded
            # demo data in the middle of the measurement.
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
        self.process = start_serve(
            self.port,
            env=self.env,
            cwd=self.home,
            log=self.home / "server.log",
            workers=self.workers,
            threads=self.threads,
        )

    def stop(self) -> None:
        stop(self.process, timeout=20)
        if self.dropper:
            self.dropper()
        import shutil

        shutil.rmtree(self.home, ignore_errors=True)


def run(
    catalog: str | Path,
    counters: int = 100,
    cases: int = 1,
    duration: float = 120.0,
    think: float = 1.0,
    ramp: float = 10.0,
    workers: int | None = None,
    threads: int = 1,
    seed: int = 20261127,
) -> dict[str, Any]:
    catalog = Path(catalog).resolve()
    plans = scenarios(catalog)
    workers = workers or default_workers()  # as `madoguchi serve`
    server = Server(catalog, workers, threads)
    stats = Stats()
    try:
        server.start()
        deadline = time.monotonic() + 300  # for the logins
        rng = random.Random(seed)  # noqa: S311 - load-test data, not security
        seeds = [rng.random() for _ in range(counters)]

        # Morning: every clerk logs in (not timed; a few at a time — password hashing is deliberately slow),
        # then all counters work at once.
        clerks = [Counter(server.port, stats, think, random.Random(seeds[i])) for i in range(counters)]  # noqa: S311
        sem = threading.Semaphore(4)

        def login(c: Counter) -> None:
            with sem:
                if not c.login():
                    with stats.lock:
                        stats.errors.append("login failed")
                    c.failed = True

        logins = [threading.Thread(target=login, args=(c,), daemon=True) for c in clerks]
        for t in logins:
            t.start()
        for t in logins:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
        deadline = time.monotonic() + duration

        def clerk(i: int) -> None:
            c = clerks[i]
            if getattr(c, "failed", False):
                return
            # Counters open one after another over ``ramp`` seconds (a load tool's spawn rate), not all in
            # the same second: every counter then runs at once, which is the load being measured.
            time.sleep(ramp * i / counters + think * c.rng.random())
            for n in range(cases):
                if time.monotonic() > deadline:
                    return
                if c.run_case(plans[(i + n) % len(plans)], deadline):
                    with stats.lock:
                        stats.cases += 1

        started = time.monotonic()
        server_cpu0, client_cpu0 = _tree_cpu_seconds(server.process.pid), time.process_time()
        machine0 = _machine_cpu()
        pool = [threading.Thread(target=clerk, args=(i,), daemon=True) for i in range(counters)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=max(0.0, deadline - time.monotonic()) + 30)
        wall = time.monotonic() - started
        server_cpu = _tree_cpu_seconds(server.process.pid) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
        machine1 = _machine_cpu()
        machine_busy, machine_total = machine1[0] - machine0[0], machine1[1] - machine0[1]
        app = _application_ms(server.home / "access.log")
    finally:
        server.stop()
    lat = stats.latencies
    kinds: dict[str, int] = {}
    for e in stats.errors:
        kinds[e] = kinds.get(e, 0) + 1
    return {
        "load_database": server.database,
        "load_counters": counters,
        "load_think_s": think,
        "load_ramp_s": ramp,
        "load_server": f"gunicorn {workers} workers × {threads} threads",
        "load_cases_finished": stats.cases,
        "load_requests": len(lat),
        "load_requests_per_s": round(len(lat) / wall, 1) if wall else 0.0,
        "load_wall_s": round(wall, 1),
        "load_p50_ms": round(_percentile(lat, 0.50), 1),
        "load_p95_ms": round(_percentile(lat, 0.95), 1),
        "load_p99_ms": round(_percentile(lat, 0.99), 1),
        "load_mean_ms": round(statistics.fmean(lat), 1) if lat else 0.0,
        # The same requests timed inside the server's application: the difference to the figures above is
        # time spent waiting for a worker (a keep-alive connection stays with one single-threaded worker,
        # so a click can wait for another counter's request) and on loopback.
        "load_app_requests": len(app),
        "load_app_p50_ms": round(_percentile(app, 0.50), 1),
        "load_app_p95_ms": round(_percentile(app, 0.95), 1),
        "load_app_p99_ms": round(_percentile(app, 0.99), 1),
        # Where the two cores went: the server's CPU per request, and this simulator's own share.
        "load_server_cpu_ms_per_request": round(server_cpu * 1000 / len(lat), 2) if lat else 0.0,
        "load_server_cpu_s": round(server_cpu, 1),
        "load_client_cpu_s": round(client_cpu, 1),
        # All cores, everything on the machine (the database server too when it runs here).
        "load_machine_cpu_busy_pct": round(100 * machine_busy / machine_total, 1) if machine_total else 0.0,
        "load_by_kind_p50_p95_ms": {
            k: [round(_percentile(v, 0.5), 1), round(_percentile(v, 0.95), 1), len(v)]
            for k, v in sorted(stats.by_kind.items())
        },
        "load_errors": len(stats.errors),
        "load_error_kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:10]),
    }
