"""``madoguchi registry import|generate|check|rekey``: the resident registry from the command line."""

from __future__ import annotations

import contextlib
import json
import sys
import time

from madoguchi.cli import CommandError


def register(sub) -> None:
    parser = sub.add_parser("registry", help="resident registry: import CSV, generate fictional residents")
    rsub = parser.add_subparsers(dest="registry_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    p = rsub.add_parser("import", help="import residents and households from CSV (all-or-nothing)")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--mapping",
        default="standard",
        help="column mapping: 'standard' (headers are the 住民記録 item names) or a TOML file (docs/registry.md)",
    )
    p.add_argument("--check", action="store_true", help="only validate the file; import nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_import)

    g = rsub.add_parser("generate", help="generate fictional residents of 架空県みどり市")
    g.add_argument("--count", type=int, required=True, metavar="N")
    g.add_argument("--out", metavar="FILE", help="write a CSV file (standard item names)")
    g.add_argument("--db", action="store_true", help="store them in the database")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--encoding", default="utf-8", choices=["utf-8", "shift_jis"])
    g.add_argument("--no-demo", action="store_true", help="leave out the fixed demo households")
    g.set_defaults(func=cmd_generate)

    r = rsub.add_parser("rekey", help="re-encrypt stored 個人番号 and card evidence with the first key")
    r.set_defaults(func=cmd_rekey)


def _django():
    from madoguchi.cli.web_commands import _setup_django

    _setup_django()


@contextlib.contextmanager
def _import_guard():
    """On SQLite, refuse to import while the counter server runs on the same database (sqlite_guard)."""
    from madoguchi.cli import sqlite_guard
    from madoguchi.cli.web_commands import sqlite_database

    database = sqlite_database()
    if database is None:
        yield
        return
    try:
        with sqlite_guard.exclusive_for_import(database):
            yield
    except sqlite_guard.Busy as exc:
        raise CommandError(str(exc)) from None


def _print_errors(errors, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"ok": False, "errors": [e.__dict__ for e in errors]}, ensure_ascii=False, indent=2))
        return
    for e in errors:
        print(str(e), file=sys.stderr)


def cmd_import(args) -> int:
    from madoguchi.juki import sources
    from madoguchi.juki.csv_import import ImportFailed, ImportReport

    problems = sources.check_config("csv", {"path": args.file, "mapping": args.mapping})
    if problems:
        raise CommandError("; ".join(problems))
    source = sources.create("csv", {"path": args.file, "mapping": args.mapping})
    started = time.perf_counter()
    report = ImportReport()
    try:
        if args.check:
            for _ in source.records(report):
                pass
            if report.errors:
                raise ImportFailed(sorted(report.errors, key=lambda e: e.line))
        else:
            _django()
            from madoguchi.web.juki.store import store_records

            with _import_guard():
                store_records(source.records(report), report, source="csv")
    except ImportFailed as exc:
        _print_errors(exc.errors, args.json)
        raise CommandError(f"{len(exc.errors)} errors in {args.file}; nothing was imported", 1) from None
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    summary = report.summary() | {
        "seconds": round(time.perf_counter() - started, 2),
        "imported": not args.check,
    }
    if args.json:
        print(json.dumps({"ok": True, **summary}, ensure_ascii=False, indent=2))
    else:
        verb = "checked" if args.check else "imported"
        print(
            f"{verb} {summary['residents']} residents in {summary['households']} households "
            f"({summary['encoding']}, {summary['seconds']} s)"
        )
    return 0


def cmd_generate(args) -> int:
    from madoguchi.juki.generator import write_csv

    if args.count < 1 or args.count > 20_000_000:
        raise CommandError("--count must be between 1 and 20,000,000")
    if not args.out and not args.db:
        raise CommandError("give --out FILE and/or --db")
    started = time.perf_counter()
    if args.out:
        try:
            n = write_csv(args.out, args.count, seed=args.seed, encoding=args.encoding, demo=not args.no_demo)
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror}") from None
        print(f"wrote {n} fictional residents to {args.out} ({time.perf_counter() - started:.1f} s)")
    if args.db:
        _django()
        from madoguchi.web.juki.store import generate_into_db

        with _import_guard():
            report = generate_into_db(args.count, seed=args.seed, demo=not args.no_demo)
        print(
            f"stored {report.residents} fictional residents in {len(report.households)} households "
            f"({time.perf_counter() - started:.1f} s)"
        )
    return 0


def cmd_rekey(args) -> int:
    _django()
    from django.core.exceptions import ImproperlyConfigured

    from madoguchi.web.juki.rekey import rekey

    try:
        counts = rekey()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps(counts))
    return 0
