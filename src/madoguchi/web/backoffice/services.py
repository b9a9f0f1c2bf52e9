"""Routing and the delivery outbox, between the database and the pure cores (madoguchi.routing, .delivery).

Finishing a case (``case_finished``, sent inside the finishing transaction) creates, in that transaction:
one Task per office-handled applicable procedure not marked 不要, routed to its department (routing rules
may refine it), and one Delivery (outbox row) per delivery the procedure names, each with its queue job.
Finishing again after a reopen adds only what is new: tasks are unique per procedure, deliveries per key.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from madoguchi.delivery import DeliveryError, DeliveryRecord, get_plugin
from madoguchi.delivery.records import record_items
from madoguchi.routing import compile_rules, route
from madoguchi.web.backoffice.catalog_names import department_name
from madoguchi.web.backoffice.models import Delivery, DeliveryAttempt, RoutingRule, Task
from madoguchi.web.counter.models import Case, ProcedureMark
from madoguchi.web.counter.services import audit, current_catalog
from madoguchi.web.counter.snapshots import case_snapshot

log = logging.getLogger("madoguchi.delivery")


def setting(name: str, default: float) -> float:
    """``settings.MADOGUCHI_<NAME>``, else the environment variable of that name, else ``default``."""
    key = f"MADOGUCHI_{name}"
    value = getattr(settings, key, None)
    if value is None:
        value = os.environ.get(key)
    return float(value) if value not in (None, "") else default


def max_attempts() -> int:
    return int(setting("DELIVERY_MAX_ATTEMPTS", 10))


def backoff(attempt: int) -> timedelta:
    """Exponential backoff with ±10 % jitter: base, 2×base, 4×base … capped (default 30 s … 1 h)."""
    base = setting("DELIVERY_BACKOFF_SECONDS", 30)
    cap = setting("DELIVERY_BACKOFF_MAX_SECONDS", 3600)
    seconds = min(cap, base * 2 ** max(0, attempt - 1))
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311 - jitter, not security


def lease() -> timedelta:
    return timedelta(seconds=setting("DELIVERY_LEASE_SECONDS", 300))


# --- routing ---------------------------------------------------------------------------------------------


def office_outcomes(state) -> list:
    """The applicable office procedures not marked 不要: one per case, or one per person it applies to."""
    not_needed = {key for key, m in state.marks.items() if m.plan == ProcedureMark.Plan.NOT_NEEDED}
    return [
        o for o in state.result.applicable if o.procedure.handling == "office" and o.key not in not_needed
    ]


def active_rules(catalog, request=None):
    """Compile the routing rules; switch off (and audit) those that no longer validate."""
    rows = list(RoutingRule.objects.filter(active=True))
    compiled = compile_rules([r.spec() for r in rows], catalog)
    for disabled in compiled.disabled:
        RoutingRule.objects.filter(pk=disabled.rule.id).update(
            active=False, disabled_reason=disabled.reason[:500], disabled_at=timezone.now()
        )
        audit(request, "routing.rule_disabled", None, rule=disabled.rule.id, reason=disabled.reason)
        log.warning("%s", disabled)
    return compiled


@dataclass
class FinishPlan:
    """What finishing a case does, worked out once: what ``on_case_finished`` writes and what the clerk's
    confirmation (``finish_preview``) says, so the two cannot differ."""

    new_tasks: list  # (outcome, assignment) for each task not yet on the case
    withdrawn: list  # unstarted tasks whose procedure no longer applies
    deliveries: list  # (outcome, spec, target, person, idempotency key) not yet queued
    snapshot: Any  # the case snapshot the delivery records are built from (None without deliveries)


def plan_finish(case: Case, state, rules) -> FinishPlan:
    catalog = state.catalog
    outcomes = office_outcomes(state)
    existing = set(case.tasks.values_list("procedure_id", "person"))
    routed = {a.procedure_id: a for a in route(catalog, {o.id for o in outcomes}, state.result.values, rules)}
    new_tasks = [(o, routed[o.id]) for o in outcomes if (o.id, o.person or "") not in existing]
    # Finished again after a reopen: a task nobody has started for a procedure that no longer applies (or is
    # now marked 不要) is withdrawn; one a department has started stays for the department to close.
    wanted = {(o.id, o.person or "") for o in outcomes}
    withdrawn = [
        t for t in case.tasks.filter(status=Task.Status.NEW) if (t.procedure_id, t.person) not in wanted
    ]
    snapshot = case_snapshot(case, state) if any(o.procedure.delivery for o in outcomes) else None
    deliveries = []
    for o in outcomes:
        for spec in o.procedure.delivery:
            target = catalog.delivery_targets[spec.target]
            # One record about the person of a per-person outcome, one per 世帯員 for `each:`, else one.
            about = [party.id for party in snapshot.of_role(spec.each)] if spec.each else [o.person]
            for person in about:
                key = f"{case.number}.{o.procedure.id}.{target.id}" + (f".{person}" if person else "")
                if not Delivery.objects.filter(idempotency_key=key).exists():
                    deliveries.append((o, spec, target, person, key))
    return FinishPlan(new_tasks, withdrawn, deliveries, snapshot)


def on_case_finished(sender, case: Case, request=None, state=None, **kwargs) -> None:
    from madoguchi.web.counter.services import load_state

    state = state or load_state(case)
    catalog = state.catalog
    plan = plan_finish(case, state, active_rules(catalog, request))
    for o, a in plan.new_tasks:
        Task.objects.create(
            case=case, procedure_id=o.id, person=o.person or "", department_id=a.department, rule_id=a.rule_id
        )
    if plan.new_tasks:
        audit(request, "tasks.create", case, procedures=[o.key for o, _ in plan.new_tasks])
    if plan.withdrawn:
        case.tasks.filter(pk__in=[t.pk for t in plan.withdrawn]).delete()
        audit(request, "tasks.withdraw", case, procedures=[t.procedure_id for t in plan.withdrawn])
    for o, spec, target, person, key in plan.deliveries:
        delivery = Delivery.objects.create(
            case=case,
            case_number=case.number,
            procedure_id=o.procedure.id,
            target_id=target.id,
            plugin=target.plugin,
            idempotency_key=key,
            payload=record_items(plan.snapshot, catalog, o.procedure, spec.items, person=person),
        )
        enqueue(delivery)
    if plan.deliveries:
        audit(request, "delivery.queue", case, keys=[key for *_, key in plan.deliveries])


def finish_preview(sender, case: Case, state, **kwargs) -> list[str]:
    """What finishing ``case`` would send, in sentences for the clerk's confirmation; writes nothing (the
    routing rules are compiled without switching off a broken one: that is finishing's to do and audit)."""
    catalog = state.catalog
    rules = compile_rules([r.spec() for r in RoutingRule.objects.filter(active=True)], catalog)
    plan = plan_finish(case, state, rules)
    per_department: dict[str, int] = {}
    for _, a in plan.new_tasks:
        name = department_name(a.department)
        per_department[name] = per_department.get(name, 0) + 1
    if per_department:
        total = sum(per_department.values())
        each = "、".join(f"{name} {n} 件" for name, n in per_department.items())
        lines = [f"{len(per_department)} 課へタスク {total} 件を送ります（{each}）。"]
    else:
        lines = ["担当課へ新しく送るタスクはありません。"]
    if plan.withdrawn:
        lines.append(f"前回送ったタスクのうち、もう当てはまらない {len(plan.withdrawn)} 件を取り下げます。")
    if plan.deliveries:
        names = dict.fromkeys(target.name for _, _, target, _, _ in plan.deliveries)
        lines.append(f"基幹システムへ連携します（{'、'.join(names)}）。")
    return lines


def remaining_departments(case: Case) -> list[str]:
    return sorted({t.department_id for t in case.tasks.all() if t.open})


# --- the outbox worker ------------------------------------------------------------------------------------


def enqueue(delivery: Delivery, run_after=None) -> None:
    from madoguchi.web.backoffice.tasks import deliver

    task = deliver.using(run_after=run_after) if run_after else deliver
    result = task.enqueue(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(task_result_id=str(result.id))
    delivery.task_result_id = str(result.id)


def attempt_delivery(delivery_id: int, worker: str = "") -> str:
    """One attempt. Safe to run twice at once or again after a crash: the row lock and the lease keep
    attempts apart, the idempotency key keeps the receiver from applying a record twice."""
    now = timezone.now()
    with transaction.atomic():
        d = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if d is None or d.status in (Delivery.Status.DELIVERED, Delivery.Status.DEAD):
            return "nothing to do"
        if d.status == Delivery.Status.SENDING and d.lease_until and d.lease_until > now:
            return "another worker holds it"
        if d.status == Delivery.Status.PENDING and d.next_attempt_at > now + timedelta(seconds=1):
            return "not due yet"
        if d.status == Delivery.Status.SENDING:  # a worker stopped mid-delivery: its attempt never finished
            d.attempt_log.filter(finished_at__isnull=True).update(
                finished_at=now, error="the worker stopped during this attempt"
            )
        number = (d.attempt_log.aggregate(m=Max("number"))["m"] or 0) + 1
        d.status = Delivery.Status.SENDING
        d.attempts += 1
        d.lease_until = now + lease()
        d.save(update_fields=["status", "attempts", "lease_until"])
        attempt = DeliveryAttempt.objects.create(delivery=d, number=number, started_at=now, worker=worker)

    started = time.monotonic()
    ok, receipt, error, retryable = False, "", "", True
    try:
        target = current_catalog().delivery_targets.get(d.target_id)
        if target is None:
            raise DeliveryError(f"delivery target {d.target_id!r} is no longer in the catalog")
        plugin = get_plugin(target.plugin)(target.id, target.options)
        record = DeliveryRecord(d.idempotency_key, d.target_id, d.procedure_id, d.case_number, d.payload)
        receipt = plugin.deliver(record)
        ok = True
    except DeliveryError as exc:
        error, retryable = str(exc), exc.retryable
    except Exception as exc:  # a bug or a library error: recorded and retried, never lost
        error = f"{type(exc).__name__}: {exc}"
        log.exception("delivery %s failed unexpectedly", d.idempotency_key)
    elapsed = int((time.monotonic() - started) * 1000)

    with transaction.atomic():
        d = Delivery.objects.select_for_update().get(pk=d.pk)
        now = timezone.now()
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=now, duration_ms=elapsed, ok=ok, error=error[:2000], receipt=receipt[:300]
        )
        d.lease_until = None
        if ok:
            d.status, d.delivered_at, d.receipt, d.last_error = Delivery.Status.DELIVERED, now, receipt, ""
            d.save()
            audit(None, "delivery.delivered", d.case, key=d.idempotency_key, attempt=number)
            log.info("delivered %s (attempt %d): %s", d.idempotency_key, number, receipt)
            return f"delivered: {receipt}"
        d.last_error = error[:2000]
        if not retryable or d.attempts >= max_attempts():
            d.status = Delivery.Status.DEAD
            d.save()
            audit(
                None, "delivery.dead", d.case, key=d.idempotency_key, attempts=d.attempts, error=error[:300]
            )
            log.error("dead letter %s after %d attempt(s): %s", d.idempotency_key, d.attempts, error)
            return f"dead letter: {error}"
        d.status = Delivery.Status.PENDING
        d.next_attempt_at = now + backoff(d.attempts)
        d.save()
        enqueue(d, run_after=d.next_attempt_at)
        log.warning(
            "delivery %s failed (attempt %d), retry at %s: %s",
            d.idempotency_key,
            number,
            d.next_attempt_at,
            error,
        )
        return f"retry at {d.next_attempt_at:%H:%M:%S}: {error}"


def requeue_stuck() -> int:
    """Give a queue job to every delivery that needs one: a worker killed mid-delivery (its lease has run
    out) or a pending delivery whose job is gone. Run by the worker before each round."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    count = 0
    for d in Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now):
        enqueue(d)
        count += 1
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    ready = set(
        DBTaskResult.objects.filter(
            id__in=[d.task_result_id for d in pending if d.task_result_id], status="READY"
        ).values_list("id", flat=True)
    )
    ready = {str(i) for i in ready}
    for d in pending:
        if d.task_result_id not in ready:
            enqueue(d, run_after=max(d.next_attempt_at, now))
            count += 1
    return count


def resend(delivery: Delivery, request=None) -> None:
    """An operator sends a dead letter again (same idempotency key: the receiver applies it at most once)."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if d.status != Delivery.Status.DEAD:
            raise ValueError("only a delivery that failed (dead letter) can be sent again")
        d.status, d.attempts, d.next_attempt_at = Delivery.Status.PENDING, 0, timezone.now()
        d.save(update_fields=["status", "attempts", "next_attempt_at"])
        enqueue(d)
        audit(request, "delivery.resend", d.case, key=d.idempotency_key)
