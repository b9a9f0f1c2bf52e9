"""``madoguchi worker``: deliver the outbox to the core systems (django-tasks, database backend).

``madoguchi worker`` runs until stopped (SIGTERM/Ctrl+C finish the delivery in hand first);
``madoguchi worker --until-idle`` delivers everything that is due and exits (cron, tests, CI).
``madoguchi worker --check`` runs every delivery target's check_config() and exits 1 on a problem.
"""

from __future__ import annotations

import sys

from madoguchi.cli import CommandError


def register(sub) -> None:
    worker = sub.add_parser("worker", help="deliver case data to the core systems (the outbox worker)")
    worker.add_argument("--until-idle", action="store_true", help="deliver everything due, then exit")
    worker.add_argument("--interval", type=float, default=2.0, help="seconds between rounds (default 2)")
    worker.add_argument("--check", action="store_true", help="check every delivery target's configuration")
    worker.add_argument(
        "--purge", action="store_true", help="also purge closed cases past the retention period, then exit"
    )
    worker.set_defaults(func=worker_command)


def worker_command(args) -> int:
    from madoguchi.cli.web_commands import _check_catalog, _setup_django

    if args.interval <= 0 or args.interval > 3600:
        raise CommandError("--interval must be between 0 and 3600 seconds")
    _setup_django()
    _check_catalog()
    if args.check:
        from madoguchi.delivery import get_plugin
        from madoguchi.web.counter.services import current_catalog

        problems = []
        for target in current_catalog().delivery_targets.values():
            problems += get_plugin(target.plugin)(target.id, target.options).check_config()
        for p in problems:
            print(p)
        if not problems:
            print("delivery targets: ok")
        return 1 if problems else 0
    if args.purge:
        from madoguchi.web.backoffice.retention import purge_closed_cases

        result = purge_closed_cases()
        print(f"purged {result['cases']} closed case(s) finished before {result['before']}")
        return 0
    from madoguchi.web.backoffice.worker import run

    run(until_idle=args.until_idle, interval=args.interval, out=sys.stdout)
    return 0
