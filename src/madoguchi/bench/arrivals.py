"""来庁予定 import speed (goal: 10,000 records ≤ 10 s): parse the default CSV layout and prepare one case per
household (members, facts) in a throwaway SQLite database.

- ``arrivals_parse_s``: :func:`madoguchi.arrivals.parse_arrivals` of the whole file (no database).
- ``arrivals_import_s``: parse + :func:`madoguchi.web.counter.arrivals.prepare_cases`, in a child process so
  the caller's Django settings stay untouched.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = (
    "受付番号,異動の種類,来庁予定日,異動予定日,転出元住所,転入先郵便番号,転入先住所,転入先方書,連絡先電話番号,"
    "氏名,フリガナ,生年月日,性別,続柄"
)
FAMILY = ("架空", "見本", "試験", "仮名", "例示")
GIVEN = (
    ("一郎", "イチロウ", "男"),
    ("花子", "ハナコ", "女"),
    ("太郎", "タロウ", "男"),
    ("次子", "ツギコ", "女"),
)
ZOKUGARA = ("世帯主", "妻", "子", "子")


def write_file(path: Path, records: int, seed: int = 1) -> int:
    """A fictional 来庁予定 file of ``records`` households of 1–4 members; returns the number of rows."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    lines = [HEADER]
    visit = date(2027, 3, 25)
    for n in range(records):
        family = FAMILY[n % len(FAMILY)]
        head = (
            f"B-{n:06d},転入,{visit + timedelta(days=n % 10)},{visit - timedelta(days=3)},架空県ほか市{n % 97}-1,"
            f"999-0001,架空県みどり市本町{n % 9 + 1}-{n % 30 + 1},,000-0000-{n % 10000:04d}"
        )
        for i in range(rng.randint(1, 4)):
            given, kana, sex = GIVEN[i]
            born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 20000)) if i < 2 else date(2010, 1, 1)
            born += timedelta(days=rng.randint(0, 4000)) if i >= 2 else timedelta()
            lines.append(f"{head},{family}　{given},カクウ　{kana},{born},{sex},{ZOKUGARA[i]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


_CHILD = """
import json, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from madoguchi.web.counter.arrivals import arrivals_source, prepare_cases
user = User.objects.create_user("bench")
data = open({path!r}, "rb").read()
t = time.perf_counter()
arrivals = arrivals_source().read(data, "yotei.csv")
prepared, _ = prepare_cases(arrivals, user)
print(json.dumps([time.perf_counter() - t, prepared]))
"""


def run(records: int = 10_000) -> dict:
    from madoguchi.arrivals import parse_arrivals
    from madoguchi.bench.registry import run_in_django

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "yotei.csv"
        rows = write_file(path, records)
        started = time.perf_counter()
        parsed = parse_arrivals(path.read_bytes(), filename=path.name)
        parse_s = time.perf_counter() - started
        out = run_in_django(_CHILD.format(path=str(path)), folder, timeout=900)
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-2000:])
        import_s, prepared = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "arrivals_records": len(parsed),
        "arrivals_rows": rows,
        "arrivals_parse_s": round(parse_s, 2),
        "arrivals_import_s": round(import_s, 2),
        "arrivals_prepared_cases": prepared,
        "arrivals_goal_s": 10.0,
        "arrivals_goal_met": import_s <= 10.0 and prepared == records,
    }
