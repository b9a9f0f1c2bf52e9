"""``madoguchi bench [NAME ...]``: run benchmarks and print one JSON object of figures."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from madoguchi.cli import CommandError

DEFAULT_CATALOG = Path(__file__).resolve().parents[3] / "catalogs" / "sample"


def _guide(args) -> dict:
    from madoguchi.bench import guide
    from madoguchi.catalog import CatalogError

    try:
        figures = guide.run(args.catalog, args.event, orders=args.orders)
    except CatalogError as exc:
        raise CommandError(f"the catalog has errors:\n{exc}", 1) from None
    except KeyError:
        raise CommandError(f"the catalog has no life event {args.event!r}") from None
    figures["guide_goal_p99_ms"] = 1.0
    figures["guide_goal_met"] = figures["guide_eval_p99_ms"] <= 1.0
    # A household of six, each with their own facts (no goal set yet: the figure is watched).
    figures.update(guide.run_persons(orders=max(10, args.orders // 3)))
    return figures


def _forms(args) -> dict:
    from madoguchi.bench import forms
    from madoguchi.catalog import CatalogError
    from madoguchi.shinseisho import FormsError

    try:
        figures = forms.run(args.catalog)
    except (CatalogError, FormsError) as exc:
        raise CommandError(f"the catalog or its forms have errors:\n{exc}", 1) from None
    figures["forms_goal_bundle_ms"] = 1000.0
    figures["forms_goal_met"] = figures["forms_bundle_ms"] <= 1000.0
    return figures


def _registry(args) -> dict:
    from madoguchi.bench import registry

    try:
        return registry.run(count=args.registry_count, import_rows=args.registry_import_rows)
    except RuntimeError as exc:
        raise CommandError(f"registry benchmark failed: {exc}", 1) from None


def _arrivals(args) -> dict:
    from madoguchi.bench import arrivals

    if not 1 <= args.arrivals_records <= 50_000:
        raise CommandError("bounds: --arrivals-records 1–50,000")
    try:
        return arrivals.run(records=args.arrivals_records)
    except RuntimeError as exc:
        raise CommandError(f"arrivals benchmark failed: {exc}", 1) from None


BENCHMARKS = {"guide": _guide, "forms": _forms, "registry": _registry, "arrivals": _arrivals}


def _load(args) -> dict:
    from madoguchi.bench import load

    if not (1 <= args.counters <= 500 and 1 <= args.cases <= 50 and 1 <= args.duration <= 1800):
        raise CommandError("bounds: --counters 1–500, --cases 1–50, --duration 1–1800 seconds")
    if not (0 <= args.think <= 60 and 0 <= args.ramp <= 600):
        raise CommandError("bounds: --think 0–60 seconds, --ramp 0–600 seconds")
    try:
        figures = load.run(
            args.catalog,
            counters=args.counters,
            cases=args.cases,
            duration=args.duration,
            think=args.think,
            ramp=args.ramp,
            workers=args.server_workers,
            threads=args.server_threads,
        )
    except (RuntimeError, ValueError) as exc:
        raise CommandError(str(exc), 1) from None
    figures["load_goal_p95_ms"] = 100.0
    figures["load_goal_met"] = figures["load_p95_ms"] <= 100.0 and figures["load_errors"] == 0
    return figures


DEFAULT_BENCHMARKS = list(BENCHMARKS)  # `load` starts a server and runs for minutes: run it by name
BENCHMARKS["load"] = _load


def register(sub) -> None:
    parser = sub.add_parser("bench", help="run benchmarks and print JSON figures")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--catalog", default=os.environ.get("MADOGUCHI_CATALOG", str(DEFAULT_CATALOG)))
    parser.add_argument("--event", default="okuyami", help="life event for the guide benchmark")
    parser.add_argument(
        "--orders", type=int, default=300, help="random answer orders for the guide benchmark"
    )
    parser.add_argument(
        "--registry-count", type=int, default=1_000_000, help="residents to generate (registry benchmark)"
    )
    parser.add_argument(
        "--registry-import-rows",
        type=int,
        default=50_000,
        help="rows imported into SQLite (registry benchmark)",
    )
    parser.add_argument(
        "--arrivals-records", type=int, default=10_000, help="来庁予定 records imported (arrivals benchmark)"
    )
    parser.add_argument("--counters", type=int, default=100, help="load: simulated counters at once")
    parser.add_argument("--cases", type=int, default=1, help="load: おくやみ cases per counter")
    parser.add_argument("--duration", type=float, default=180, help="load: stop after this many seconds")
    parser.add_argument("--think", type=float, default=1.0, help="load: a clerk's pause between requests (s)")
    parser.add_argument(
        "--ramp", type=float, default=10.0, help="load: the counters open one after another over this many s"
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        default=None,
        help="load: gunicorn workers (default: as madoguchi serve)",
    )
    parser.add_argument(
        "--server-threads", type=int, default=1, help="load: threads per worker (default: as madoguchi serve)"
    )
    parser.set_defaults(func=bench_command)


def bench_command(args) -> int:
    names = args.names or DEFAULT_BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise CommandError(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    figures: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    for name in names:
        figures.update(BENCHMARKS[name](args))
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0
