"""Department worklists, deliveries for operators, the audit log for auditors."""

from __future__ import annotations

import csv
from datetime import date, datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from madoguchi.guide import FactValueError, answer_text, parse_answer
from madoguchi.rules.scope import split_key
from madoguchi.wareki import format_both, format_wareki
from madoguchi.web.backoffice import audit_text
from madoguchi.web.backoffice.catalog_names import department_name, procedure_name
from madoguchi.web.backoffice.models import Delivery, StaffDepartment, StaleVersion, Task
from madoguchi.web.counter import search
from madoguchi.web.counter.models import AuditEvent, CasePerson, ProcedureMark, Role
from madoguchi.web.counter.services import audit, current_catalog, load_state
from madoguchi.web.counter.views import has_role, role_required

STAFF_ROLES = (Role.DEPARTMENT_STAFF, Role.ADMINISTRATOR)
STALE_MESSAGE = (
    "ほかの職員が先にこのタスクを更新しました。最新の内容を確認してから、もう一度操作してください。"
)


def user_departments(user) -> set[str] | None:
    """The user's departments; None means every department (administrators)."""
    if user.is_superuser or has_role(user, Role.ADMINISTRATOR):
        return None
    return set(StaffDepartment.objects.filter(user=user).values_list("department_id", flat=True))


def _visible_task(request, pk: int) -> Task:
    task = get_object_or_404(Task.objects.select_related("case"), pk=pk)
    departments = user_departments(request.user)
    if departments is not None and task.department_id not in departments:
        raise PermissionDenied
    return task


@require_GET
@role_required(*STAFF_ROLES)
def worklist(request: HttpRequest) -> HttpResponse:
    """The department's tasks: who the case is about, the deadline (和暦), and the counter's plan and memo (a
    resident marked 本日手続き may be walking here now); filtered by 課, status and name or case number."""
    catalog = current_catalog()
    departments = user_departments(request.user)
    status = request.GET.get("status", "open")
    dept = request.GET.get("dept", "")
    q = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "created")
    tasks = Task.objects.select_related("case").prefetch_related("case__persons").order_by("created_at", "id")
    if departments is not None:
        tasks = tasks.filter(department_id__in=departments)
    if dept and (departments is None or dept in departments):
        tasks = tasks.filter(department_id=dept)
    if status == "open":
        tasks = tasks.filter(status__in=[Task.Status.NEW, Task.Status.IN_PROGRESS])
    elif status in Task.Status.values:
        tasks = tasks.filter(status=status)
    if q:
        named = search.by_name(Task.objects.all(), q, case="case__").values("pk")
        tasks = tasks.filter(Q(pk__in=named) | Q(case__number__icontains=q))
    tasks = list(tasks[:500])
    whom = _person_labels(tasks)
    states = {}
    for t in tasks:
        t.procedure_name = procedure_name(t.procedure_id) + whom.get((t.case_id, t.person), "")
        t.department_name = department_name(t.department_id)
        state = states.get(t.case_id)
        if state is None:
            state = states[t.case_id] = load_state(t.case)
        outcome = next(
            (o for o in state.result.applicable if o.id == t.procedure_id and (o.person or "") == t.person),
            None,
        )
        t.deadline = outcome.deadline if outcome else None
        t.deadline_text = format_wareki(t.deadline) if t.deadline else ""
        t.overdue = bool(t.deadline and t.deadline < timezone.localdate() and t.open)
        mark = state.marks.get(outcome.key) if outcome else None
        t.plan_label = mark.get_plan_display() if mark and mark.plan else ""
        t.today = bool(mark and mark.plan == ProcedureMark.Plan.TODAY)
        t.memo = mark.note if mark else ""
        event = catalog.events.get(t.case.event_id)
        t.people = [
            f"{event.role(p.role).label}: {p.name}" if event and event.role(p.role) else p.name
            for p in t.case.persons.all()
            if p.name and (p.role == getattr(event, "subject", None) or p.key == "applicant")
        ]
    if sort == "deadline":
        tasks.sort(key=lambda t: (t.deadline is None, t.deadline or date.max))
    elif sort == "today":
        tasks.sort(key=lambda t: (not t.today, t.deadline is None, t.deadline or date.max))
    own = sorted(departments) if departments is not None else list(catalog.departments)
    choices = [(d, catalog.departments[d].name if d in catalog.departments else d) for d in own]
    return render(
        request,
        "routing/worklist.html",
        {
            "tasks": tasks,
            "status": status,
            "statuses": [("open", "未完了"), *Task.Status.choices, ("all", "すべて")],
            "department_names": list(dict.fromkeys(name for _, name in choices))
            if departments is not None
            else [],
            "department_choices": choices,
            "all_departments": departments is None,
            "q": {"dept": dept, "q": q, "sort": sort, "status": status},
        },
    )


def _person_labels(tasks) -> dict[tuple[int, str], str]:
    """「 — 妻 花子さん」 for each per-person task: whom the department acts for."""
    from madoguchi.web.counter.services import person_label

    wanted = {(t.case_id, t.person) for t in tasks if t.person}
    if not wanted:
        return {}
    rows = CasePerson.objects.filter(case_id__in={c for c, _ in wanted}, key__in={k for _, k in wanted})
    return {(r.case_id, r.key): f" — {person_label(r)}" for r in rows if (r.case_id, r.key) in wanted}


def _task_context(task: Task, user) -> dict:
    state = load_state(task.case)
    catalog = state.catalog
    proc = catalog.procedures.get(task.procedure_id)
    # Need-to-know: only the facts this task's procedure needs, and of a per-person task only that person's.
    needed = catalog.facts_needed_by(task.procedure_id)
    facts = []
    for key, row in state.rows.items():
        name, pid = split_key(key)
        fact = catalog.facts.get(name)
        if fact is None or name not in needed or (pid is not None and pid != task.person):
            continue
        if row.skipped:
            value = "わからない"
        else:  # the counter's one way of showing an answer (和暦 dates, choice labels, はい/いいえ)
            typed = state.known.get(name) if pid is None else None
            if typed is None:
                try:
                    typed = parse_answer(fact, row.value, typed=True)
                except FactValueError:
                    typed = row.value
            value = answer_text(fact, typed)
        facts.append({"label": fact.label, "value": value, "source": row.get_source_display()})
    outcome = next(
        (o for o in state.result.applicable if o.id == task.procedure_id and (o.person or "") == task.person),
        None,
    )
    event = catalog.events.get(task.case.event_id)
    return {
        "task": task,
        "case": task.case,
        "event": event,
        "procedure": proc,
        "department": catalog.departments.get(task.department_id),
        "reasons": outcome.reasons if outcome else (),
        "deadline": format_both(outcome.deadline) if outcome and outcome.deadline else "",
        "facts": facts,
        # A per-person task shows that person and whoever filed, not the whole household.
        "persons": [
            {
                "role": event.role(p.role).label if event and event.role(p.role) else "",
                "row": p,
                "birth": format_both(p.birth_date) if p.birth_date else "",
            }
            for p in task.case.persons.all()
            if not task.person or p.key in (task.person, "applicant")
        ],
        "for_person": _person_labels([task]).get((task.case_id, task.person), "").removeprefix(" — "),
        "siblings": list(task.case.tasks.exclude(pk=task.pk)),
        "statuses": Task.Status.choices,
        "deliveries": list(task.case.deliveries.filter(procedure_id=task.procedure_id)),
        **_my_number_context(task, user),
    }


def _my_number_context(task: Task, user) -> dict:
    """The persons set from the registry, with a reveal of the full 個人番号 only when the user's department's
    番号利用事務 needs it on this case (madoguchi.web.juki.access); nothing of the number otherwise."""
    from madoguchi.web.juki import access
    from madoguchi.web.juki.models import CaseRegistryLink

    uses = access.reveal_uses(user, task.case)
    if not uses:
        return {"reveal_uses": [], "registry_persons": []}
    links = CaseRegistryLink.objects.filter(case=task.case).select_related("resident")
    return {"reveal_uses": uses, "registry_persons": [link.resident for link in links]}


@require_GET
@role_required(*STAFF_ROLES)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    audit(request, "task.view", task.case, task=task.pk, procedure=task.procedure_id)
    return render(request, "routing/task.html", _task_context(task, request.user))


@require_POST
@role_required(*STAFF_ROLES)
def task_update(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    status = request.POST.get("status", "")
    reason = request.POST.get("reason", "")[:500]
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    if status not in Task.Status.values:
        messages.error(request, "状態を選んでください。")
        return redirect("task-detail", pk=task.pk)
    try:
        task.transition(status, version=version, user=request.user, reason=reason)
    except StaleVersion:
        task.refresh_from_db()
        context = _task_context(task, request.user)
        context["error"] = STALE_MESSAGE
        return render(request, "routing/task.html", context, status=409)
    except ValueError as exc:
        context = _task_context(task, request.user)
        context["error"] = str(exc)
        return render(request, "routing/task.html", context, status=422)
    audit(request, "task.update", task.case, task=task.pk, status=status, reason=reason or None)
    messages.success(request, f"{task.get_status_display()}にしました。")
    return redirect("task-detail", pk=task.pk)


@require_GET
@role_required(*STAFF_ROLES)
def task_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The procedure's form filled for the case (read-only PDF), for the department that handles it."""
    from django.urls import reverse

    from madoguchi.shinseisho import FormRenderError, FormsError, renderers
    from madoguchi.web.shinseisho import services as forms_services

    task = _visible_task(request, pk)
    proc = current_catalog().procedures.get(task.procedure_id)
    if proc is None or not proc.form:
        raise Http404
    try:
        url = request.build_absolute_uri(reverse("case-detail", kwargs={"number": task.case.number}))
        forms = forms_services.case_forms(task.case, url)
        entry = forms.entry(proc.form)
        if entry is None or entry.filled is None:
            raise Http404
        pdf = renderers.configured().render_form_pdf(forms.formset, entry.filled, forms.data)
    except (FormsError, FormRenderError, renderers.RendererError) as exc:
        return render(
            request, "routing/task.html", {**_task_context(task, request.user), "error": str(exc)}, status=422
        )
    audit(request, "task.form", task.case, task=task.pk, form=proc.form)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{proc.form}-{task.case.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- deliveries (operators) ---------------------------------------------------------------------------


@require_GET
@role_required(Role.ADMINISTRATOR)
def delivery_list(request: HttpRequest) -> HttpResponse:
    from madoguchi.delivery import get_plugin

    status = request.GET.get("status", "")
    rows = Delivery.objects.order_by("-created_at", "-id")
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    catalog = current_catalog()
    problems = []
    if request.GET.get("check") == "1":
        for target in catalog.delivery_targets.values():
            problems += get_plugin(target.plugin)(target.id, target.options).check_config()
    return render(
        request,
        "routing/deliveries.html",
        {
            "deliveries": list(rows[:300]),
            "status": status,
            "statuses": Delivery.Status.choices,
            "targets": list(catalog.delivery_targets.values()),
            "problems": problems,
            "checked": request.GET.get("check") == "1",
        },
    )


@require_GET
@role_required(Role.ADMINISTRATOR)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    d = get_object_or_404(Delivery, pk=pk)
    audit(request, "delivery.view", d.case, key=d.idempotency_key)
    return render(request, "routing/delivery.html", {"d": d, "attempts": list(d.attempt_log.all())})


@require_POST
@role_required(Role.ADMINISTRATOR)
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    from madoguchi.web.backoffice.services import resend

    d = get_object_or_404(Delivery, pk=pk)
    try:
        resend(d, request)
        messages.success(request, f"{d.idempotency_key} を再送信の列に入れました。")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("delivery-detail", pk=d.pk)


# --- audit log (auditors) -----------------------------------------------------------------------------


def _audit_rows(request):
    rows = AuditEvent.objects.select_related("user", "case").order_by("-at", "-id")
    action = request.GET.get("action", "").strip()
    number = request.GET.get("case", "").strip()
    user = request.GET.get("user", "").strip()
    tz = timezone.get_current_timezone()
    for key, op in (("from", "gte"), ("to", "lte")):
        raw = request.GET.get(key, "").strip()
        if raw:
            try:
                day = datetime.strptime(raw, "%Y-%m-%d").date()  # noqa: DTZ007 - made aware below
            except ValueError:
                continue
            moment = datetime.combine(day, time.min if op == "gte" else time.max, tzinfo=tz)
            rows = rows.filter(**{f"at__{op}": moment})
    if action:
        rows = rows.filter(action__startswith=action)
    if number:
        rows = rows.filter(case__number=number)
    if user:
        rows = rows.filter(user__username=user)
    return rows


AUDIT_ROLES = (Role.AUDITOR, Role.ADMINISTRATOR)


@require_GET
@role_required(*AUDIT_ROLES)
def audit_log(request: HttpRequest) -> HttpResponse:
    rows = list(_audit_rows(request)[:500])
    audit(request, "audit.view", None, filters={k: v for k, v in request.GET.items() if v})
    catalog = current_catalog()
    for e in rows:
        e.action_label = audit_text.action_label(e.action)
        e.detail_items = audit_text.detail_items(e.detail, catalog)
    groups = {}
    for prefix, label in audit_text.ACTION_GROUPS.items():
        groups.setdefault(label, prefix)  # one entry per group name (its first prefix)
    return render(
        request,
        "routing/audit.html",
        {"rows": rows, "q": request.GET, "action_groups": [(p, g) for g, p in groups.items()]},
    )


class _Echo:
    def write(self, value):
        return value


@require_GET
@role_required(*AUDIT_ROLES)
def audit_csv(request: HttpRequest) -> HttpResponse:
    rows = _audit_rows(request)
    audit(request, "audit.export", None, filters={k: v for k, v in request.GET.items() if v})
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(
            ["日時", "利用者", "操作", "操作の説明", "案件番号", "詳細", "IPアドレス"]
        )
        for e in rows.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    timezone.localtime(e.at).isoformat(timespec="seconds"),
                    e.user.username if e.user else "",
                    e.action,
                    audit_text.action_label(e.action),
                    e.case.number if e.case else "",
                    _detail_text(e.detail),
                    e.ip or "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    return response


def _detail_text(detail) -> str:
    import json

    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""
