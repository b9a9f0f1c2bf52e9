"""Registry benchmarks: generating 1,000,000 fictional residents (goal ≤ 60 s), parsing and storing them.

- ``registry_generate_1m_s``: :func:`madoguchi.juki.generator.write_csv` of ``count`` residents (CSV file).
- ``registry_parse_rows_per_s``: the CSV importer's parse and validation (no database), on a sample.
- ``registry_import_rows_per_s``: parse + encrypt the 個人番号 + store, into a throwaway SQLite database.
- ``registry_lookup_ms``: a name lookup over the imported sample (median of several).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _generate(count: int, folder: Path) -> tuple[float, Path]:
    from madoguchi.juki.generator import write_csv

    path = folder / "residents.csv"
    started = time.perf_counter()
    write_csv(path, count, seed=1, demo=True)
    return time.perf_counter() - started, path


def _parse(path: Path, limit: int) -> float:
    import io
    import itertools

    from madoguchi.juki.csv_import import ImportReport, iter_records
    from madoguchi.juki.mapping import STANDARD

    with open(path, "rb") as fh:
        head = b"".join(itertools.islice(fh, limit + 1))
    report = ImportReport()
    started = time.perf_counter()
    n = sum(1 for _ in iter_records(io.BytesIO(head), STANDARD, report))
    return n / (time.perf_counter() - started)


def _import_into_sqlite(path: Path, limit: int, folder: Path) -> tuple[float, float]:
    """Into a fresh SQLite database in ``folder`` (a child process, so Django settings stay untouched)."""
    import json

    code = f"""
import io, itertools, json, os, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from madoguchi.juki.csv_import import ImportReport, iter_records
from madoguchi.juki.mapping import STANDARD
from madoguchi.web.juki.store import store_records
from madoguchi.web.juki.views import search
with open({str(path)!r}, "rb") as fh:
    head = b"".join(itertools.islice(fh, {limit} + 1))
report = ImportReport()
t = time.perf_counter()
store_records(iter_records(io.BytesIO(head), STANDARD, report), report)
rate = report.residents / (time.perf_counter() - t)
times = []
for q in ["佐藤", "スズキ", "窓口　太郎", "中央町１丁目", "昭和19年3月15日"] * 3:
    t = time.perf_counter(); search({{"q": q}}); times.append((time.perf_counter() - t) * 1000)
print(json.dumps([rate, sorted(times)[len(times) // 2]]))
"""
    out = run_in_django(code, folder, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    rate, lookup = json.loads(out.stdout.strip().splitlines()[-1])
    return rate, lookup


def run_in_django(code: str, folder: Path, timeout: float):
    """``code`` in a child Python with Django set up on a throwaway SQLite home in ``folder`` (the caller's
    settings and database stay untouched)."""
    from madoguchi.juki.crypto import new_key

    (folder / "home").mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="madoguchi.web.project.settings",
        MADOGUCHI_HOME=str(folder / "home"),
        MADOGUCHI_ENCRYPTION_KEY=new_key(),
        MADOGUCHI_SECRET_KEY="bench-only-" + "x" * 40,
    )
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )


def run(count: int = 1_000_000, import_rows: int = 50_000) -> dict:
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        folder = Path(tmp)
        seconds, path = _generate(count, folder)
        parse_rate = _parse(path, min(import_rows, count))
        import_rate, lookup_ms = _import_into_sqlite(path, min(import_rows, count), folder)
        size = path.stat().st_size
    key = "registry_generate_1m_s" if count == 1_000_000 else f"registry_generate_{count}_s"
    return {
        key: round(seconds, 2),
        "registry_generate_count": count,
        "registry_generate_csv_mb": round(size / 1e6, 1),
        "registry_generate_goal_s": 60.0,
        "registry_generate_goal_met": seconds <= 60.0 * count / 1_000_000,
        "registry_parse_rows_per_s": round(parse_rate),
        "registry_import_rows": min(import_rows, count),
        "registry_import_rows_per_s": round(import_rate),
        "registry_lookup_ms_p50": round(lookup_ms, 2),
        "registry_note": "import = parse + encrypt 個人番号 + SQLite upsert in one transaction",
    }
