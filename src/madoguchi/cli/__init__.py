"""The ``madoguchi`` command line.

Each sub-command lives in its own module with ``register(subparsers)``; the module sets ``func`` on its parser.
A command returns an exit status. Errors meant for the user are raised as :class:`CommandError` and printed
without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that contribute sub-commands, in help order.
COMMAND_MODULES = [
    "madoguchi.cli.web_commands",  # demo, serve, manage
    "madoguchi.cli.catalog_commands",  # catalog check
    "madoguchi.cli.guide_commands",  # guide
    "madoguchi.cli.card_commands",  # card inspect / read / card-agent
    "madoguchi.cli.bench_commands",  # bench
    "madoguchi.cli.registry_commands",  # registry import / generate / rekey
    "madoguchi.cli.forms_commands",  # forms render / check / grid
    "madoguchi.cli.routing_commands",  # worker
]


class CommandError(Exception):
    """A user-facing error: printed as one message, exit status ``status``."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="書かない・回らない窓口")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command module not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = args.func(args)
    except CommandError as exc:
        print(f"madoguchi {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
