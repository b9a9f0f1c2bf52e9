"""Fixed-window rate limits per client.

On the pre-entry profile (``RATELIMIT_DIR`` set) the counters are small files under a lock (``flock``), so
every gunicorn worker and thread counts together exactly; elsewhere Django's cache is used (per process on
the counter, which only limits pairing attempts)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache


def client_key(request) -> str:
    """The client's address (hashed: no addresses are stored). Behind a reverse proxy that sets
    X-Forwarded-For, set MADOGUCHI_TRUST_X_FORWARDED_FOR=1 and the last hop the proxy added is used."""
    addr = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            addr = forwarded.split(",")[-1].strip()
    if ":" in addr:  # IPv6: one client usually holds a whole /64
        addr = ":".join(addr.split(":")[:4])
    return hashlib.sha256(f"{settings.SECRET_KEY[:16]}|{addr}".encode()).hexdigest()[:32]


def _hit_file(directory: Path, name: str, bucket: int, limit: int) -> bool:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / hashlib.sha256(name.encode()).hexdigest()[:40]
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        parts = f.read().split()
        count = int(parts[1]) + 1 if len(parts) == 2 and parts[0] == str(bucket) else 1
        f.seek(0)
        f.truncate()
        f.write(f"{bucket} {count}")
    if random.random() < 0.002:  # noqa: S311 - housekeeping, not security
        _sweep(directory)
    return count <= limit


def _sweep(directory: Path, age: int = 7200) -> None:
    cutoff = time.time() - age
    for entry in directory.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except OSError:
            pass


def hit(scope: str, key: str, limit: int, window: int) -> bool:
    """Count one request; False when ``key`` has made more than ``limit`` in the current window."""
    if limit <= 0:
        return True
    bucket = int(time.time() // window)
    directory = getattr(settings, "RATELIMIT_DIR", None)
    if directory:
        return _hit_file(Path(directory), f"{scope}:{key}:{window}", bucket, limit)
    name = f"rl:{scope}:{key}:{bucket}"
    if cache.add(name, 1, timeout=window + 5):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 5)
        return True
    return count <= limit


def exceeded(scope: str, key: str, limit: int, window: int) -> bool:
    """Whether ``key`` has used up ``limit`` in the current window (counts nothing)."""
    bucket = int(time.time() // window)
    directory = getattr(settings, "RATELIMIT_DIR", None)
    if directory:
        path = Path(directory) / hashlib.sha256(f"{scope}:{key}:{window}".encode()).hexdigest()[:40]
        try:
            parts = path.read_text().split()
        except OSError:
            return False
        return len(parts) == 2 and parts[0] == str(bucket) and int(parts[1]) >= limit
    count = cache.get(f"rl:{scope}:{key}:{bucket}") or 0
    return count >= limit


def retry_after(window: int) -> int:
    return int(window - time.time() % window) + 1
