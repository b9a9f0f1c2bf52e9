"""Worklists, concurrent edits, the case's 「残り N 課」, operators' deliveries, the auditors' log."""

from __future__ import annotations

import copy
import csv
import io
import threading
import time

import pytest

from madoguchi.web.api.cases import create_case
from madoguchi.web.backoffice.models import Delivery, StaleVersion, Task
from madoguchi.web.backoffice.worker import run
from madoguchi.web.counter.models import AuditEvent, Role

from .conftest import KOKUHO_CASE, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(routing_catalog, clerk):
    return create_case({**KOKUHO_CASE, "finish": True}, clerk)


def login(client, user):
    client.force_login(user)
    return client


def test_worklist_shows_own_department_only(client, finished):
    hoken = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    page = login(client, hoken).get("/tasks/").content.decode()
    assert "国保の届" in page and "高齢国保の給付" in page
    assert "必ずする届" not in page  # shimin's task
    shimin_task = Task.objects.get(procedure_id="always")
    assert client.get(f"/tasks/{shimin_task.pk}/").status_code == 403
    assert client.get("/cases/").status_code == 403  # the counter screens are not theirs


def test_task_detail_shows_case_facts_with_sources_and_is_audited(client, finished):
    hoken = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    task = Task.objects.get(procedure_id="kokuho")
    page = login(client, hoken).get(f"/tasks/{task.pk}/").content.decode()
    assert finished.number in page and "国民健康保険" in page and "本人入力" in page and "窓口 太郎" in page
    assert AuditEvent.objects.filter(action="task.view", user=hoken, case=finished).exists()


def test_task_detail_shows_only_the_facts_its_procedure_needs(client, finished):
    """Issue #13 High 1 (e): a department sees a case's facts only as far as its task needs them."""
    hoken = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    login(client, hoken)
    kokuho = client.get(f"/tasks/{Task.objects.get(procedure_id='kokuho').pk}/").content.decode()
    table = kokuho.split("<h2>聞き取った事実</h2>", 1)[1].split("</table>", 1)[0]
    assert "<td>保険</td><td>国民健康保険</td>" in table and "<td>出来事の日</td>" in table
    # 年金, 世帯主 and the household's size are for other departments' procedures; the age for another task.
    for label in ("年金", "世帯主", "残る人数", "生年月日"):
        assert f"<td>{label}</td>" not in table, label
    senior = client.get(f"/tasks/{Task.objects.get(procedure_id='senior-kokuho').pk}/").content.decode()
    table = senior.split("<h2>聞き取った事実</h2>", 1)[1].split("</table>", 1)[0]
    assert "<td>保険</td>" in table and "<td>生年月日</td>" in table  # the age is derived from it
    assert "<td>年金</td>" not in table and "<td>世帯主</td>" not in table


def test_second_save_is_refused_with_a_clear_message(client, finished):
    a = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    b = make_user("hoken2", Role.DEPARTMENT_STAFF, ["hoken"])
    task = Task.objects.get(procedure_id="kokuho")
    from django.test import Client

    ca, cb = login(Client(), a), login(Client(), b)
    r1 = ca.post(f"/tasks/{task.pk}/status", {"status": "in_progress", "version": task.version})
    assert r1.status_code == 302
    r2 = cb.post(f"/tasks/{task.pk}/status", {"status": "done", "version": task.version})
    assert r2.status_code == 409
    assert "ほかの職員が先にこのタスクを更新しました" in r2.content.decode()
    task.refresh_from_db()
    assert (task.status, task.version, task.updated_by) == ("in_progress", 2, a)


def test_return_needs_a_reason_and_shows_on_the_case(client, finished, clerk):
    hoken = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    task = Task.objects.get(procedure_id="kokuho")
    login(client, hoken)
    r = client.post(f"/tasks/{task.pk}/status", {"status": "returned", "version": 1, "reason": " "})
    assert r.status_code == 422
    r = client.post(
        f"/tasks/{task.pk}/status", {"status": "returned", "version": 1, "reason": "保険証が未回収"}
    )
    assert r.status_code == 302
    page = login(client, clerk).get(f"/cases/{finished.number}/").content.decode()
    assert "窓口へ差戻し" in page and "保険証が未回収" in page


def test_case_page_counts_remaining_departments(client, finished, clerk):
    page = login(client, clerk).get(f"/cases/{finished.number}/").content.decode()
    assert "残り 2 課" in page and "市民課" in page and "保険課" in page
    for t in Task.objects.filter(department_id="hoken"):
        t.transition("done", version=t.version, user=clerk)
    assert "残り 1 課" in client.get(f"/cases/{finished.number}/").content.decode()
    for t in Task.objects.filter(department_id="shimin"):
        t.transition("done", version=t.version, user=clerk)
    assert "すべての課の手続きが完了しました" in client.get(f"/cases/{finished.number}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_one_wins(routing_catalog, clerk):
    case = create_case({**KOKUHO_CASE, "finish": True}, clerk)
    task = Task.objects.get(case=case, procedure_id="kokuho")
    users = [make_user(f"s{i}", Role.DEPARTMENT_STAFF, ["hoken"]) for i in range(6)]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def save(user):
        from django.db import OperationalError, connections

        try:
            barrier.wait(timeout=10)
            for _ in range(200):
                try:
                    Task.objects.get(pk=task.pk).transition("done", version=1, user=user)
                    outcomes.append("saved")
                except StaleVersion:
                    outcomes.append("refused")
                except OperationalError as exc:
                    # The test database is in-memory SQLite with a shared cache: its table locks fail at once
                    # instead of waiting (a file database waits up to 20 s). Try again, as a busy wait would.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
                    continue
                break
        except Exception as exc:  # must not be silent
            outcomes.append(f"error {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("saved") == 1, outcomes
    assert outcomes.count("refused") == len(users) - 1, outcomes
    task.refresh_from_db()
    assert task.version == 2 and task.status == "done"


@pytest.mark.django_db(transaction=True)  # the worker manages its own connections
def test_deliveries_page_and_resend_for_administrators(client, finished, fake_core, settings):
    admin = make_user("admin1", Role.ADMINISTRATOR)
    staff = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    assert login(client, staff).get("/deliveries/").status_code == 403
    d = Delivery.objects.get(target_id="hoken-api")
    Delivery.objects.filter(pk=d.pk).update(status="dead", last_error="HTTP 500")
    login(client, admin)
    page = client.get("/deliveries/?status=dead&check=1").content.decode()
    assert d.idempotency_key in page and "設定に問題はありません" in page
    assert "再送信する" in client.get(f"/deliveries/{d.pk}/").content.decode()
    assert client.post(f"/deliveries/{d.pk}/resend").status_code == 302
    run(until_idle=True)
    d.refresh_from_db()
    assert d.status == "delivered"
    assert AuditEvent.objects.filter(action="delivery.resend", user=admin).exists()


def test_audit_log_viewer_and_csv_for_auditors(client, finished, clerk):
    auditor = make_user("audit1", Role.AUDITOR)
    assert login(client, clerk).get("/audit/").status_code == 403
    login(client, auditor)
    page = client.get(f"/audit/?case={finished.number}").content.decode()
    assert "聞き取りを終了" in page and "担当課へタスクを送付" in page
    assert "case.finish" not in page and "{&#x27;" not in page  # words, not codes or a Python dict
    assert '<option value="case.">案件</option>' in page
    response = client.get(f"/audit.csv?case={finished.number}")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["日時", "利用者", "操作", "操作の説明", "案件番号", "詳細", "IPアドレス"]
    assert {"case.create", "case.finish", "tasks.create"} <= {r[2] for r in rows[1:]}
    assert ["case.finish", "聞き取りを終了"] in [r[2:4] for r in rows[1:]]
    assert AuditEvent.objects.filter(action="audit.export", user=auditor).exists()
    assert AuditEvent.objects.filter(action="audit.view", user=auditor).exists()


def test_the_counter_finish_button_routes_the_case(client, routing_catalog, clerk):
    case = create_case(KOKUHO_CASE, clerk)  # open, answered
    response = login(client, clerk).post(f"/cases/{case.number}/finish")
    assert response.status_code == 302
    assert set(Task.objects.filter(case=case).values_list("department_id", flat=True)) == {"shimin", "hoken"}
    assert Delivery.objects.filter(case=case).count() == 2


def test_task_page_says_dates_in_wareki_and_names_the_roles(client, finished):
    """#12 item 7: the department's task page shows dates as the counter does (和暦) and each person's role."""
    hoken = make_user("hoken1", Role.DEPARTMENT_STAFF, ["hoken"])
    page = login(client, hoken).get(f"/tasks/{Task.objects.get(procedure_id='kokuho').pk}/").content.decode()
    persons = page.split("<h2>申出者・対象者</h2>", 1)[1].split("<h2>", 1)[0]
    assert (
        "亡くなった方: 窓口 太郎" in persons and "昭和15年5月5日" in persons and "1940-05-05" not in persons
    )
    assert "<td>出来事の日</td><td>令和8年11月1日（2026年11月1日）</td>" in page
    assert "期限: 令和8年" in page and "2026-11-" not in page.split("<h2>申出者・対象者</h2>", 1)[0]


def test_finishing_says_what_it_will_send_and_asks_once(client, routing_catalog, clerk):
    """#12 item 10: the finish button opens a confirmation naming the tasks per 課 and the core systems; only
    its POST sends anything."""
    data = copy.deepcopy(KOKUHO_CASE)
    del data["facts"]["h.members"]  # 世帯主変更 stays 未確定
    case = create_case(data, clerk)
    login(client, clerk)
    assert 'data-testid="finish-start"' in client.get(f"/cases/{case.number}/").content.decode()
    page = client.get(f"/cases/{case.number}/finish").content.decode()
    assert "2 課へタスク 3 件を送ります（市民課 1 件、保険課 2 件）。" in page
    assert "基幹システムへ連携します（住民記録システム、国保システム）。" in page
    assert "まだ決まっていない手続きが 1 件あります。" in page and "世帯主変更" in page
    assert not Task.objects.filter(case=case).exists() and not Delivery.objects.filter(case=case).exists()
    assert client.post(f"/cases/{case.number}/finish").status_code == 302
    sent = sorted(Task.objects.filter(case=case).values_list("department_id", flat=True))
    assert sent == ["hoken", "hoken", "shimin"]  # as the confirmation said
    # Asked again after a reopen: what was sent is not sent again.
    client.post(f"/cases/{case.number}/reopen")
    page = client.get(f"/cases/{case.number}/finish").content.decode()
    assert "担当課へ新しく送るタスクはありません。" in page and "基幹システムへ連携します" not in page
    assert "この案件を取りやめる" not in page  # tasks were sent: it cannot be cancelled


def test_the_worklist_shows_whom_when_and_the_counters_plan(client, routing_catalog, clerk):
    """#12 item 12: the resident's name, the deadline in 和暦 (past ones said), the clerk's 本日手続き and memo,
    a 課 filter for staff of several 課, search by name or reading, and sorting."""
    from madoguchi.web.counter.models import ProcedureMark
    from madoguchi.web.counter.services import finish_case

    marked = create_case(KOKUHO_CASE, clerk)
    ProcedureMark.objects.create(case=marked, procedure_id="kokuho", plan="today", note="2番窓口へご案内")
    finish_case(marked)
    other = copy.deepcopy(KOKUHO_CASE)
    other["persons"]["deceased"]["name"] = "青山 一郎"
    other["persons"]["deceased"]["kana"] = "アオヤマ イチロウ"
    plain = create_case({**other, "finish": True}, clerk)
    staff = make_user("two-ka", Role.DEPARTMENT_STAFF, ["hoken", "shimin"])
    login(client, staff)
    page = client.get("/tasks/").content.decode()
    row = next(r for r in page.split("<tr") if f">{marked.number}<" in r and "国保の届" in r)
    assert "亡くなった方: 窓口 太郎" in row and "申請者（来庁者）: 窓口 花子" in row
    assert "令和8年11月15日（過ぎています）" in row  # 14 days from 令和8年11月1日, shown on 12月
    assert 'data-testid="plan-today"' in row and "2番窓口へご案内" in row
    assert "（保険課、市民課）" in page or "（市民課、保険課）" in page
    # The 課 filter, the search and the sort.
    only_shimin = client.get("/tasks/", {"dept": "shimin"}).content.decode()
    assert "必ずする届" in only_shimin and "国保の届" not in only_shimin
    found = client.get("/tasks/", {"q": "あおやま"}).content.decode()
    assert f">{plain.number}<" in found and f">{marked.number}<" not in found
    first = (
        client.get("/tasks/", {"sort": "today"}).content.decode().split("<tbody>", 1)[1].split("</tr>", 1)[0]
    )
    assert f">{marked.number}<" in first and "国保の届" in first
    # Staff of one 課 get no filter, and cannot ask for another's tasks with it.
    login(client, make_user("hoken-only", Role.DEPARTMENT_STAFF, ["hoken"]))
    page = client.get("/tasks/", {"dept": "shimin"}).content.decode()
    assert 'name="dept"' not in page and "必ずする届" not in page
