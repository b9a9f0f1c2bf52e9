"""Fixed-window rate limits per client (or per user).

On the pre-entry profile (``RATELIMIT_DIR`` set) the counters are small files under a lock (``flock``), so
every gunicorn worker and thread counts together exactly without touching its database on each page. Elsewhere
(the counter: screen pairing, mistyped hand-off codes, 個人番号 views) they are ``RateCount`` rows, each taken
by one conditional UPDATE, so every worker process and server counts together: nothing is kept in a
process's memory."""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from madoguchi.web.resident.models import RateCount


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


def user_key(user) -> str:
    """A staff user as an opaque key (the counter tells the pre-entry API which clerk asks, not who)."""
    return hashlib.sha256(f"{settings.SECRET_KEY[:16]}|user|{user.pk}".encode()).hexdigest()[:32]


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
    return _hit_db(_db_key(scope, key, window), limit, window)


def _db_key(scope: str, key: str, window: int) -> str:
    return hashlib.sha256(f"{scope}:{key}:{window}".encode()).hexdigest()


def _take(digest: str, limit: int, window: int, now) -> bool:
    """One conditional UPDATE: a slot is taken when the row's window has ended (it starts again at 1) or it
    has one left. Every SET reads the row as it was (``expires_at`` is set last, for MySQL's order too)."""
    ended = Q(expires_at__lte=now)
    return (
        RateCount.objects.filter(key=digest)
        .filter(ended | Q(count__lt=limit))
        .update(
            count=Case(When(ended, then=Value(1)), default=F("count") + 1),
            window_start=Case(When(ended, then=Value(now)), default=F("window_start")),
            expires_at=Case(
                When(ended, then=Value(now + timedelta(seconds=window))), default=F("expires_at")
            ),
        )
        == 1
    )


def _hit_db(digest: str, limit: int, window: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        if _take(digest, limit, window, now):
            return True
        _row, created = RateCount.objects.get_or_create(
            key=digest,
            defaults={"window_start": now, "expires_at": now + timedelta(seconds=window), "count": 1},
        )
        # Not created: the row is full, or another process created it a moment ago (one more try).
        taken = created or _take(digest, limit, window, now)
    if random.random() < 0.002:  # noqa: S311 - housekeeping, not security
        RateCount.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    return taken


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
    return RateCount.objects.filter(
        key=_db_key(scope, key, window), expires_at__gt=timezone.now(), count__gte=limit
    ).exists()


def retry_after(window: int) -> int:
    """Seconds until the current window of the file counters ends (the pre-entry profile's Retry-After)."""
    return int(window - time.time() % window) + 1
