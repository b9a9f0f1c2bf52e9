"""Finishing a case: one task per office procedure, routed; outbox rows in the same transaction."""

from __future__ import annotations

import copy

import pytest
from django.db import transaction

from madoguchi.web.api.cases import PayloadError, create_case, finish_case
from madoguchi.web.backoffice.models import Delivery, RoutingRule, Task
from madoguchi.web.backoffice.services import remaining_departments
from madoguchi.web.counter.models import AuditEvent, Case, ProcedureMark

from .conftest import KOKUHO_CASE

pytestmark = pytest.mark.django_db


def test_tasks_per_office_procedure_and_outbox(routing_catalog, clerk):
    case = create_case({**KOKUHO_CASE, "finish": True}, clerk)
    tasks = {t.procedure_id: t.department_id for t in case.tasks.all()}
    # pension is external, not-kouki guidance: no tasks for them.
    assert tasks == {"always": "shimin", "kokuho": "hoken", "senior-kokuho": "hoken", "householder": "shimin"}
    assert remaining_departments(case) == ["hoken", "shimin"]
    keys = sorted(Delivery.objects.values_list("idempotency_key", flat=True))
    assert keys == [f"{case.number}.always.juki", f"{case.number}.kokuho.hoken-api"]
    d = Delivery.objects.get(target_id="juki")
    assert d.payload["氏名"] == "窓口 太郎" and d.payload["消除事由"] == "死亡"
    assert d.payload["届出人氏名"] == "窓口 花子" and d.payload["死亡年月日"] == "2026-11-01"
    assert d.task_result_id
    assert AuditEvent.objects.filter(action="tasks.create", case=case).exists()


def test_not_needed_marks_are_skipped_and_refinish_adds_nothing_twice(routing_catalog, clerk):
    case = create_case(KOKUHO_CASE, clerk)
    ProcedureMark.objects.create(case=case, procedure_id="householder", plan=ProcedureMark.Plan.NOT_NEEDED)
    finish_case(case)
    assert not case.tasks.filter(procedure_id="householder").exists()
    n_tasks, n_deliveries = Task.objects.count(), Delivery.objects.count()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN)  # reopened
    finish_case(case)
    assert (Task.objects.count(), Delivery.objects.count()) == (n_tasks, n_deliveries)


def test_rolled_back_finish_leaves_no_task_and_no_outbox(routing_catalog, clerk):
    case = create_case(KOKUHO_CASE, clerk)
    with pytest.raises(RuntimeError), transaction.atomic():
        finish_case(case)
        assert Task.objects.exists() and Delivery.objects.exists()
        raise RuntimeError("the finishing transaction fails after the signal")
    assert not Task.objects.exists() and not Delivery.objects.exists()
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN


def test_routing_rules_first_match_and_invalid_rule_switched_off(routing_catalog, clerk):
    RoutingRule.objects.create(order=1, condition="p.no_such_fact", department_id="hoken", name="古いルール")
    RoutingRule.objects.create(
        order=2, condition="h.members >= 2", department_id="hoken", procedures="householder"
    )
    RoutingRule.objects.create(order=3, condition="true", department_id="shimin", procedures="householder")
    case = create_case({**KOKUHO_CASE, "finish": True}, clerk)
    task = case.tasks.get(procedure_id="householder")
    assert task.department_id == "hoken" and task.rule.order == 2
    old = RoutingRule.objects.get(order=1)
    assert not old.active and "p.no_such_fact" in old.disabled_reason
    assert AuditEvent.objects.filter(action="routing.rule_disabled").exists()


def test_payload_errors_are_per_field_and_nothing_is_saved(routing_catalog, clerk):
    bad = copy.deepcopy(KOKUHO_CASE)
    bad["facts"]["p.insurance"] = "gold"
    bad["facts"]["p.age"] = 80
    bad["persons"]["deceased"]["birth_date"] = "昭和15年"
    bad["colour"] = "blue"
    with pytest.raises(PayloadError) as err:
        create_case({**bad, "finish": True}, clerk)
    assert set(err.value.errors) == {
        "facts.p.insurance",
        "facts.p.age",
        "persons.deceased.birth_date",
        "colour",
    }
    assert not Case.objects.exists() and not Task.objects.exists()


def test_refinish_withdraws_unstarted_tasks_that_no_longer_apply(routing_catalog, clerk):
    case = create_case({**KOKUHO_CASE, "finish": True}, clerk)
    case.tasks.filter(procedure_id="senior-kokuho").update(status=Task.Status.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN)  # reopened: not 国保 after all
    case.facts.filter(name="p.insurance").update(value="other")
    finish_case(case)
    assert set(case.tasks.values_list("procedure_id", flat=True)) == {
        "always",
        "householder",
        "senior-kokuho",
    }
    assert AuditEvent.objects.get(action="tasks.withdraw", case=case).detail["procedures"] == ["kokuho"]


def test_registry_items_come_from_the_resident_the_subject_was_set_from(routing_catalog, clerk):
    from madoguchi.delivery.records import REGISTRY_ITEMS, record_items
    from madoguchi.juki.dates import parse_registry_date
    from madoguchi.web.counter.services import load_state
    from madoguchi.web.counter.snapshots import case_snapshot
    from madoguchi.web.juki.models import CaseRegistryLink, Household, Resident

    case = create_case(KOKUHO_CASE, clerk)
    state = load_state(case)
    proc = state.catalog.procedures["always"]
    items = sorted(REGISTRY_ITEMS) + ["氏名"]
    # Typed at the counter, not set from the registry: the registry's items are unknown.
    assert record_items(case_snapshot(case, state), state.catalog, proc, items) == {
        **dict.fromkeys(REGISTRY_ITEMS),
        "氏名": "窓口 太郎",
    }

    born = parse_registry_date("1950-05-06")
    household = Household.objects.create(setai_no="601", address="架空県みどり市本町１丁目", address_key="x")
    resident = Resident.objects.create(
        atena_no="2001", household=household, name="グエン　ヴァン　アン", name_key="x", birth=born.to_json(),
        birth_sort=born.sort_date, sex="1", relationship="世帯主", address_key="x", resident_kind="foreign",
        name_alphabet="NGUYEN VAN AN", tsusho="山田　一郎", tsusho_kana="ヤマダ　イチロウ", nationality="ベトナム",
    )  # fmt: skip
    CaseRegistryLink.objects.create(case=case, role="applicant", resident=resident)  # not the subject
    assert record_items(case_snapshot(case, state), state.catalog, proc, ["宛名番号"]) == {"宛名番号": None}
    CaseRegistryLink.objects.create(case=case, role="deceased", resident=resident)
    assert record_items(case_snapshot(case, state), state.catalog, proc, items) == {
        "宛名番号": "2001",
        "世帯番号": "601",
        "住民種別": "外国人",
        "氏名（アルファベット）": "NGUYEN VAN AN",
        "通称": "山田　一郎",
        "通称フリガナ": "ヤマダ　イチロウ",
        "国籍・地域": "ベトナム",
        "氏名": "窓口 太郎",  # the case person's name, as typed or confirmed at the counter
    }
