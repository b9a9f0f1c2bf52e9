"""Fault tests against a fake core system on loopback: after recovery every record is delivered, none is
lost and none is applied twice (the receiver deduplicates by Idempotency-Key and counts)."""

from __future__ import annotations

import copy
import time

import pytest

from madoguchi.delivery import plugins as plugin_module
from madoguchi.web.api.cases import create_case
from madoguchi.web.backoffice.models import Delivery, DeliveryAttempt
from madoguchi.web.backoffice.services import resend
from madoguchi.web.backoffice.worker import run

from .conftest import KOKUHO_CASE

pytestmark = pytest.mark.django_db(transaction=True)


def finish_cases(user, n: int):
    cases = []
    for i in range(n):
        data = copy.deepcopy(KOKUHO_CASE)
        data["persons"]["deceased"]["name"] = f"窓口 太郎{i}"
        cases.append(create_case({**data, "finish": True}, user))
    return cases


def drain(limit: float = 20.0) -> None:
    """Run the worker until nothing is pending (backoff waits are short in tests)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        run(until_idle=True)
        if not Delivery.objects.filter(status__in=["pending", "sending"]).exists():
            return
        time.sleep(0.05)
    raise AssertionError(
        f"still pending: {list(Delivery.objects.values_list('idempotency_key', 'last_error'))}"
    )


def assert_all_delivered_once(core, drop, cases):
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    http_keys = {f"{c.number}.kokuho.hoken-api" for c in cases}
    assert set(core.applied) == http_keys  # each applied exactly once (a dict by key)
    files = sorted(p.name for p in drop.iterdir())
    assert files == sorted(f"{c.number}.always.juki.csv" for c in cases)


def test_happy_path_files_and_http(routing_catalog, fake_core, clerk):
    cases = finish_cases(clerk, 2)
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)
    csv = (routing_catalog["drop"] / f"{cases[0].number}.always.juki.csv").read_bytes().decode("cp932")
    assert csv.splitlines()[0] == "CASE_NO,SHIMEI,生年月日,死亡年月日,消除事由,届出人氏名"
    assert csv.splitlines()[1] == f"{cases[0].number},窓口 太郎0,1940-05-05,2026-11-01,死亡,窓口 花子"
    assert fake_core.applied[f"{cases[0].number}.kokuho.hoken-api"]["items"]["手続ID"] == "kokuho"
    assert DeliveryAttempt.objects.filter(ok=True).count() == 4


def test_receiver_answers_500_for_a_while(routing_catalog, fake_core, clerk):
    fake_core.fail_until = time.time() + 0.6
    cases = finish_cases(clerk, 3)
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)
    failed = DeliveryAttempt.objects.filter(ok=False, delivery__target_id="hoken-api")
    assert failed.exists() and all("HTTP 500" in a.error for a in failed)


def test_receiver_times_out_after_applying(routing_catalog, fake_core, clerk, monkeypatch):
    """The receiver applies the record but the answer is lost (timeout): the retry must not apply it twice."""
    cases = finish_cases(clerk, 2)
    original = plugin_module.Http.deliver
    calls = {"n": 0}

    def lossy(self, record):
        calls["n"] += 1
        receipt = original(self, record)
        if calls["n"] <= 2:
            raise plugin_module.DeliveryError("no answer within 1 s")
        return receipt

    monkeypatch.setattr(plugin_module.Http, "deliver", lossy)
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)
    assert fake_core.duplicates == 2  # the retries were recognised by their key, not applied again


def test_receiver_hangs_past_the_timeout(routing_catalog, fake_core, clerk):
    fake_core.hang_until = time.time() + 1.0
    fake_core.hang_seconds = 1.5
    cases = finish_cases(clerk, 1)
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)
    assert DeliveryAttempt.objects.filter(error__contains="秒以内に応答がありません").exists()


def test_drop_folder_full_then_freed(routing_catalog, fake_core, clerk, monkeypatch):
    monkeypatch.setattr(plugin_module, "_free_bytes", lambda path: 0)
    cases = finish_cases(clerk, 2)
    run(until_idle=True)
    juki = Delivery.objects.filter(target_id="juki")
    assert set(juki.values_list("status", flat=True)) == {"pending"}
    assert "空き容量" in juki.first().last_error
    assert list(routing_catalog["drop"].iterdir()) == []
    monkeypatch.undo()
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)


def test_drop_folder_read_only_then_writable(routing_catalog, fake_core, clerk, monkeypatch):
    def denied(path, data):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(plugin_module, "atomic_write", denied)
    cases = finish_cases(clerk, 1)
    run(until_idle=True)
    assert "書き込めません" in Delivery.objects.get(target_id="juki").last_error
    monkeypatch.undo()
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)


def test_dead_letter_after_n_failures_then_resend(routing_catalog, fake_core, clerk, settings):
    settings.MADOGUCHI_DELIVERY_MAX_ATTEMPTS = 3
    fake_core.fail_until = time.time() + 3600
    cases = finish_cases(clerk, 1)
    deadline = time.monotonic() + 10
    while Delivery.objects.filter(target_id="hoken-api", status="pending").exists():
        assert time.monotonic() < deadline
        run(until_idle=True)
        time.sleep(0.05)
    dead = Delivery.objects.get(target_id="hoken-api")
    assert dead.status == "dead" and dead.attempts == 3
    assert dead.attempt_log.count() == 3
    fake_core.fail_until = 0
    resend(dead)
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)
    assert [a.number for a in dead.attempt_log.all()] == [1, 2, 3, 4]


def test_unencodable_name_is_a_dead_letter_naming_record_and_field(routing_catalog, fake_core, clerk):
    data = copy.deepcopy(KOKUHO_CASE)
    data["persons"]["deceased"]["name"] = "𠮷田 太郎"
    case = create_case({**data, "finish": True}, clerk)
    run(until_idle=True)
    d = Delivery.objects.get(target_id="juki")
    assert d.status == "dead" and d.attempts == 1
    assert f"{case.number}/always" in d.last_error and "SHIMEI（氏名）" in d.last_error
    assert list(routing_catalog["drop"].iterdir()) == []


def test_worker_survives_a_database_outage(routing_catalog, fake_core, clerk, monkeypatch):
    """The database restarts under the worker: the round fails, the worker reconnects and carries on."""
    from django.db import OperationalError

    from madoguchi.web.backoffice import worker as worker_module

    cases = finish_cases(clerk, 1)
    from madoguchi.web.backoffice import services

    calls = {"n": 0}
    original = services.requeue_stuck

    def flaky():
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return original()

    monkeypatch.setattr(services, "requeue_stuck", flaky)
    monkeypatch.setattr(worker_module.time, "sleep", lambda s: None)
    run(until_idle=True)
    assert calls["n"] >= 3
    drain()
    assert_all_delivered_once(fake_core, routing_catalog["drop"], cases)


def test_old_finished_jobs_are_pruned(routing_catalog, fake_core, clerk):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from madoguchi.web.backoffice.worker import prune_jobs

    finish_cases(clerk, 1)
    drain()
    assert DBTaskResult.objects.exclude(status="READY").count() == 2
    assert prune_jobs() == 0
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(days=8))
    assert prune_jobs() == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_the_case_page_says_when_its_data_has_not_reached_the_core_systems(
    routing_catalog, fake_core, clerk, monkeypatch
):
    from django.template.loader import render_to_string

    from madoguchi.web.backoffice.templatetags.routing_tags import case_tasks

    monkeypatch.setattr(plugin_module, "_free_bytes", lambda path: 0)
    (case,) = finish_cases(clerk, 1)
    run(until_idle=True)
    html = render_to_string("routing/_case_tasks.html", case_tasks(case))
    assert 'data-testid="delivery-trouble"' in html
    assert "基幹システムへの連携が届いていません" in html
    assert "住民記録システム" in html and "空き容量" in html
    assert "juki" not in html.replace("juki.csv", "")  # names, not target ids
    monkeypatch.undo()
    drain()
    html = render_to_string("routing/_case_tasks.html", case_tasks(case))
    assert 'data-testid="delivery-trouble"' not in html
    assert 'data-testid="delivery-status"' in html
    assert f"基幹システムへの連携 {Delivery.objects.filter(case=case).count()} 件" in html


def test_the_demo_makes_its_drop_folders(routing_catalog):
    import shutil

    from madoguchi.cli.web_commands import demo_drop_folders

    shutil.rmtree(routing_catalog["drop"], ignore_errors=True)
    assert demo_drop_folders() == [routing_catalog["drop"]]
    assert routing_catalog["drop"].is_dir()
