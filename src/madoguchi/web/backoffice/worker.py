"""The delivery worker: django-tasks-db's worker in rounds, with a sweep before each round that gives a
job to every delivery left without one (a worker killed mid-delivery, a lost job)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils import timezone

log = logging.getLogger("madoguchi.delivery")
QUEUES = ["delivery", "default"]
MAX_DB_FAILURES = 5
PURGE_EVERY = 24 * 3600


def _worker(worker_id: str, max_tasks: int | None = None):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=QUEUES,
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def due_jobs() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(queue_name__in=QUEUES).count()


def prune_jobs(days: int = 7) -> int:
    """Finished queue jobs older than ``days`` (the Delivery rows and their attempts keep the history).
    A job left RUNNING by a killed worker is pruned too once it is that old: its delivery was picked up again."""
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    before = timezone.now() - timedelta(days=days)
    stale = DBTaskResult.objects.filter(queue_name__in=QUEUES, enqueued_at__lt=before).exclude(status="READY")
    return stale.delete()[0]


def summary() -> dict[str, int]:
    from django.db.models import Count

    from madoguchi.web.backoffice.models import Delivery

    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
    return {s.value: counts.get(s.value, 0) for s in Delivery.Status}


def run(*, until_idle: bool = False, interval: float = 2.0, out=None) -> dict[str, int]:
    from madoguchi.web.backoffice.services import requeue_stuck

    worker_id = f"{socket.gethostname()}:{os.getpid()}"[:64]
    stopping = False

    current = None

    def stop(signum, frame):
        nonlocal stopping
        if stopping:
            raise SystemExit(1)
        stopping = True
        if current is not None:
            current.running = False  # finish the delivery in hand, then leave the round

    if not until_idle:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    last_purge = 0.0
    failures = 0
    while not stopping:
        try:
            close_old_connections()
            if not until_idle and time.monotonic() - last_purge > PURGE_EVERY:
                from madoguchi.web.backoffice.retention import purge_closed_cases

                purge_closed_cases()  # the scheduled retention purge: at start, then daily
                prune_jobs()
                last_purge = time.monotonic()
            requeue_stuck()
            current = _worker(worker_id)
            current.run()
            current = None
            idle = due_jobs() == 0
            failures = 0
        except (OperationalError, InterfaceError) as exc:
            # The database restarted or is unreachable: wait and reconnect; nothing is lost (the outbox is
            # in the database, and an attempt cut short is picked up again when its lease runs out).
            failures += 1
            log.warning("database unavailable (%s); retrying (%d)", exc, failures)
            connections.close_all()
            if until_idle and failures >= MAX_DB_FAILURES:
                raise
            time.sleep(min(30.0, max(interval, 0.5) * 2 ** min(failures, 6)))
            continue
        if until_idle and idle:
            break
        if not until_idle:
            time.sleep(interval)
    result = summary()
    if out is not None:
        print(
            f"{timezone.now():%Y-%m-%d %H:%M:%S} deliveries: "
            + ", ".join(f"{k} {v}" for k, v in result.items()),
            file=out,
        )
    return result
