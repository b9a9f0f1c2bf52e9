"""A registry import and ``serve`` on one SQLite file exclude each other (issue #13): SQLite has one writer,
and a 60,000-row import in one transaction holds it for the whole import, so every login and answer of the
counter would wait and fail with 「database is locked」. ``serve`` holds a shared lock on a file beside the
database for as long as it runs; the import takes it exclusively, and is refused while the server is up.
Without ``fcntl`` (Windows) there is no guard; PostgreSQL needs none (imports do not block the counter)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

SERVER_RUNNING = (
    "the counter server (madoguchi serve / demo) is running on this SQLite database; a registry import would "
    "lock it for the whole import (logins and answers would fail). Stop the server, import, then start it "
    "again — or use PostgreSQL (docs/registry.md)"
)
IMPORT_RUNNING = "a registry import is running on this SQLite database; start the server when it has finished"


class Busy(RuntimeError):
    pass


def lock_path(database: str | os.PathLike) -> Path:
    return Path(f"{database}.serving")


def _open(database) -> int:
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def hold_for_server(database) -> int | None:
    """Take the shared lock for a server process (kept until the process exits; forked workers share it).
    Raises Busy while an import runs. Returns the descriptor (None without fcntl)."""
    if fcntl is None:
        return None
    fd = _open(database)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise Busy(IMPORT_RUNNING) from None
    return fd


@contextmanager
def exclusive_for_import(database):
    """Hold the exclusive lock for an import; Busy while a server holds the shared one."""
    if fcntl is None:
        yield
        return
    fd = _open(database)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(SERVER_RUNNING) from None
        yield
    finally:
        os.close(fd)
