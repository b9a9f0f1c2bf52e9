"""Retention: closed cases' personal data are purged after the period, leaving anonymous statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.web.api.cases import create_case
from madoguchi.web.backoffice.models import CaseStatistic, Delivery, Task
from madoguchi.web.backoffice.retention import purge_closed_cases
from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, CasePerson

from .conftest import KOKUHO_CASE

pytestmark = pytest.mark.django_db


def closed(clerk, days_ago: int) -> Case:
    case = create_case({**KOKUHO_CASE, "finish": True}, clerk)
    Case.objects.filter(pk=case.pk).update(finished_at=timezone.now() - timedelta(days=days_ago))
    Task.objects.filter(case=case).update(status="done")
    Delivery.objects.filter(case=case).update(status="delivered")
    return case


def test_purge_after_the_period_leaves_statistics_and_is_audited(routing_catalog, clerk):
    old = closed(clerk, 400)
    recent = closed(clerk, 100)
    still_open = closed(clerk, 400)
    Task.objects.filter(case=still_open, procedure_id="kokuho").update(status="in_progress")
    undelivered = closed(clerk, 400)
    Delivery.objects.filter(case=undelivered).update(status="dead")

    result = purge_closed_cases()
    assert result["cases"] == 1
    assert not Case.objects.filter(pk=old.pk).exists()
    assert not CaseFact.objects.filter(case_id=old.pk).exists()
    assert not CasePerson.objects.filter(case_id=old.pk).exists()
    assert set(Case.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk, undelivered.pk}
    stat = CaseStatistic.objects.get()
    assert (stat.event_id, stat.tasks, stat.deliveries) == ("ev", 4, 2)
    # the outbox keeps its key and status, not the personal data
    payloads = list(Delivery.objects.filter(case_number=old.number).values_list("payload", flat=True))
    assert payloads == [{}, {}]
    event = AuditEvent.objects.get(action="retention.purge")
    assert event.detail["cases"] == 1 and event.detail["numbers"] == [old.number]


def test_period_is_configurable(routing_catalog, clerk, settings):
    closed(clerk, 40)
    settings.MADOGUCHI_RETENTION_DAYS = 30
    assert purge_closed_cases()["cases"] == 1
