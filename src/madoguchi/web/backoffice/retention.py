"""Retention: personal data of closed cases are purged after a period (default 365 days), leaving
anonymous statistics. A case is closed when it is finished, every department task is done or returned,
and nothing is left to deliver. The purge is itself audited."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from madoguchi.web.backoffice.models import CaseStatistic, Delivery, Task
from madoguchi.web.counter.models import Case
from madoguchi.web.counter.services import audit


def retention_days() -> int:
    from madoguchi.web.backoffice.services import setting

    return int(setting("RETENTION_DAYS", 365))


def closed_cases(before):
    open_tasks = Task.objects.filter(
        case=OuterRef("pk"), status__in=[Task.Status.NEW, Task.Status.IN_PROGRESS]
    )
    undelivered = Delivery.objects.filter(case=OuterRef("pk")).exclude(status=Delivery.Status.DELIVERED)
    return (
        Case.objects.filter(status=Case.Status.FINISHED, finished_at__lt=before)
        .exclude(Exists(open_tasks))
        .exclude(Exists(undelivered))
    )


def purge_closed_cases(days: int | None = None, now=None, request=None, batch: int = 500) -> dict:
    days = retention_days() if days is None else days
    before = (now or timezone.now()) - timedelta(days=days)
    purged: list[str] = []
    while True:
        with transaction.atomic():
            cases = list(closed_cases(before).select_for_update()[:batch])
            if not cases:
                break
            for case in cases:
                CaseStatistic.objects.create(
                    event_id=case.event_id,
                    month=f"{timezone.localdate(case.finished_at):%Y-%m}",
                    procedures=case.marks.count() or case.tasks.count(),
                    tasks=case.tasks.count(),
                    deliveries=case.deliveries.count(),
                )
                Delivery.objects.filter(case=case).update(payload={})
                purged.append(case.number)
                case.delete()
    audit(request, "retention.purge", None, cases=len(purged), numbers=purged[:1000], days=days)
    return {"cases": len(purged), "before": before.date().isoformat()}
