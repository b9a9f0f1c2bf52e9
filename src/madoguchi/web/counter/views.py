"""Counter views. Every POST works without JavaScript (redirect back to the case); with htmx, the question
panel and the procedure list are swapped in place after each answer."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.catalog import CatalogError
from madoguchi.guide import FactValueError, parse_answer
from madoguchi.rules.scope import split_key
from madoguchi.web.counter import presenters
from madoguchi.web.counter.models import Case, ProcedureMark, Role
from madoguchi.web.counter.services import (
    FactRefused,
    audit,
    current_catalog,
    finish_case,
    forget_fact,
    load_state,
    lock_open_case,
    record_answer,
    save_staff_person,
)

COUNTER_ROLES = (Role.COUNTER_CLERK, Role.ADMINISTRATOR)


def user_roles(user) -> frozenset[str]:
    """The user's role (group) names, read once per request: the user object lives as long as the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_madoguchi_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._madoguchi_roles = cached
    return cached


def has_role(user, *roles) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = {r.value if hasattr(r, "value") else r for r in roles}
    return not names.isdisjoint(user_roles(user))


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _case(number: str) -> Case:
    if len(number) > 20:
        raise Http404
    return get_object_or_404(Case, number=number)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is: the counter's cases, a department's tasks, the audit log."""
    user = request.user
    if has_role(user, *COUNTER_ROLES):
        return redirect("case-list")
    if has_role(user, Role.DEPARTMENT_STAFF):
        return redirect("task-list")
    if has_role(user, Role.AUDITOR):
        return redirect("audit-log")
    raise PermissionDenied


@require_GET
@role_required(*COUNTER_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    try:
        catalog = current_catalog()
    except CatalogError as exc:
        return render(request, "counter/catalog_error.html", {"issues": exc.issues}, status=503)
    rows, q, error = _case_rows(request, catalog)
    page = Paginator(rows, CASES_PER_PAGE).get_page(request.GET.get("page"))
    for case in page.object_list:
        event = catalog.events.get(case.event_id)
        case.event_name = event.name if event else case.event_id
        case.people = []
        for person in case.persons.all():
            role = event.role(person.role) if event else None
            label = role.label if role else ""
            if person.name:
                case.people.append(f"{label}: {person.name}" if label else person.name)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "counter/case_list.html",
        {
            "cases": page.object_list,
            "page": page,
            "events": list(catalog.events.values()),
            "statuses": Case.Status.choices,
            "q": q,
            "error": error,
            "query": query.urlencode(),
            "searched": any(q.values()),
        },
    )


CASES_PER_PAGE = 50
CASE_SORTS = {"new": ("-created_at", "-id"), "old": ("created_at", "id"), "number": ("number",)}


def _case_rows(request: HttpRequest, catalog):
    """The cases matching the list's filters: a name (漢字 or カナ, spaces and hiragana/katakana folded),
    the case number, status, life event, clerk and reception dates."""
    from datetime import datetime, time

    from madoguchi import wareki
    from madoguchi.web.counter import search

    q = {
        k: request.GET.get(k, "").strip()[:100]
        for k in ("name", "number", "status", "event", "clerk", "from", "to", "sort")
    }
    rows = Case.objects.select_related("created_by").prefetch_related("persons")
    error = ""
    if q["name"]:
        rows = search.by_name(rows, q["name"])
    if q["number"]:
        rows = rows.filter(number__icontains=q["number"])
    if q["status"] in Case.Status.values:
        rows = rows.filter(status=q["status"])
    if q["event"] in catalog.events:
        rows = rows.filter(event_id=q["event"])
    if q["clerk"]:
        rows = rows.filter(
            Q(created_by__username=q["clerk"]) | Q(created_by__last_name__icontains=q["clerk"])
        )
    tz = timezone.get_current_timezone()
    for key, op, edge in (("from", "gte", time.min), ("to", "lte", time.max)):
        if q[key]:
            try:
                day = wareki.parse_date(q[key])
            except ValueError:
                error = f"受付日「{q[key]}」を日付として読めませんでした（例: 2026-12-03、令和8年12月3日）。"
                continue
            rows = rows.filter(**{f"created_at__{op}": datetime.combine(day, edge, tzinfo=tz)})
    rows = rows.order_by(*CASE_SORTS.get(q["sort"], CASE_SORTS["new"]))
    return rows, q, error


@require_POST
@role_required(*COUNTER_ROLES)
def case_new(request: HttpRequest) -> HttpResponse:
    catalog = current_catalog()
    event_id = request.POST.get("event", "")
    if event_id not in catalog.events:
        return HttpResponseBadRequest("unknown life event")
    visitor = request.POST.get("visitor_name", "").strip()[:100]
    with transaction.atomic():
        case = Case.objects.create(
            catalog_id=catalog.municipality.id,
            event_id=event_id,
            created_by=request.user,
            visitor_name=visitor,
        )
        case.assign_number()
        case.save(update_fields=["number"])
        audit(request, "case.create", case, event=event_id)
    return redirect("case-detail", number=case.number)


def _case_context(
    request: HttpRequest, case: Case, ask: str | None = None, error: str | None = None, state=None
) -> dict:
    return presenters.case_page(state or load_state(case), ask=ask, error=error)


@require_GET
@role_required(*COUNTER_ROLES)
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    ask = request.GET.get("ask") or None
    audit(request, "case.view", case)
    from madoguchi.web.counter.arrivals import arrival_check

    context = _case_context(request, case, ask=ask)
    context["arrival"] = arrival_check(case)
    return render(request, "counter/case.html", context)


def _panels(
    request: HttpRequest,
    case: Case,
    ask: str | None = None,
    error: str | None = None,
    status=200,
    state=None,
    person_error=None,
):
    """The response to a change: both panels for htmx, or a redirect for a plain form post. ``state`` is the
    case's state when the view already has it current."""
    if request.htmx:
        context = _case_context(request, case, ask=ask, error=error, state=state)
        context["person_error"] = person_error
        response = render(request, "counter/_panels.html", context)
        response.status_code = status
        return response
    if error:
        messages.error(request, error)
    url = reverse("case-detail", kwargs={"number": case.number})
    return redirect(f"{url}?ask={ask}" if ask else url)


@require_POST
@role_required(*COUNTER_ROLES)
def case_answer(request: HttpRequest, number: str) -> HttpResponse:
    catalog = current_catalog()
    name, person = split_key(request.POST.get("fact", ""))
    fact = catalog.facts.get(name)
    if fact is None or not fact.askable:
        return HttpResponseBadRequest("unknown question")
    skip = request.POST.get("skip") == "1"
    try:
        value = None if skip else parse_answer(fact, request.POST.get("value", ""))
    except FactValueError as exc:
        return _refuse_answer(request, _case(number), fact, str(exc), ask=request.POST.get("fact"))
    # The case row is locked (and marked changed) while its facts are read and the answer written, so the
    # panels rendered from that state (without reading the case again) show every answer committed before
    # this one.
    protected = None
    with transaction.atomic():
        case = lock_open_case(number) if len(number) <= 20 else None
        state = load_state(case, evaluate=False) if case is not None else None
        if case is None or not fact.used_in(case.event_id) or not _person_of(state, fact, person):
            transaction.set_rollback(True)  # nothing changed: not even the case's updated_at
            refused = True
        else:
            refused = False
            reason = (request.POST.get("reason") or "").strip()[:500] or None
            try:
                state = record_answer(
                    state, fact, value, request.user, skipped=skip, person=person, reason=reason
                )
            except FactRefused as exc:
                transaction.set_rollback(True)
                protected = str(exc)
            else:
                where = {"person": person} if person else {}
                if reason:
                    where["reason"] = reason
                audit(request, "case.answer", case, fact=name, **where, **({"skipped": True} if skip else {}))
    if not refused and protected:
        return _panels(request, _case(number), ask=request.POST.get("fact"), error=protected, status=422)
    if refused:
        return _refuse_answer(request, _case(number), fact)
    return _panels(request, case, state=state)


def _person_of(state, fact, person: str | None) -> bool:
    """A case fact is answered for the case; a repeated role's fact only for a person of that role on it."""
    role = fact.name.split(".", 1)[0]
    is_repeated = any(r.id == role for r in state.guide.event.repeated_roles)
    if person is None:
        return not is_repeated
    return is_repeated and any(p.id == person and p.role == role for p in state.persons)


def _refuse_answer(
    request: HttpRequest, case: Case, fact, message: str | None = None, ask: str | None = None
) -> HttpResponse:
    """Why an answer was not saved: the case is finished, the question is not one of its event's, or the
    value could not be read (``message``, naming the fact)."""
    if case.status != Case.Status.OPEN:
        return _panels(request, case, error="案内済みの案件は変更できません。", status=409)
    if not fact.used_in(case.event_id):
        return HttpResponseBadRequest("unknown question")
    if message is None:  # reopened between the refusal and this read
        return _panels(
            request, case, error="案件の状態が変わりました。もう一度入力してください。", status=409
        )
    return _panels(request, case, ask=ask or fact.name, error=message, status=422)


@require_POST
@role_required(*COUNTER_ROLES)
def case_forget(request: HttpRequest, number: str) -> HttpResponse:
    """Take an answer back: the fact becomes unknown and the guide asks it again."""
    case = _case(number)
    if case.status != Case.Status.OPEN:
        return _panels(request, case, error="案内済みの案件は変更できません。", status=409)
    name = request.POST.get("fact", "")
    fact_name, _person = split_key(name)
    fact = current_catalog().facts.get(fact_name)
    reason = (request.POST.get("reason") or "").strip()[:500] or None
    if fact is None:
        deleted = False
    else:
        try:
            deleted = forget_fact(case, fact, request.user, key=name, reason=reason)
        except FactRefused as exc:
            return _panels(request, case, ask=name, error=str(exc), status=422)
    if deleted:
        audit(request, "case.forget", case, fact=name, **({"reason": reason} if reason else {}))
    return _panels(request, case, ask=name if deleted else None)


@require_POST
@role_required(*COUNTER_ROLES)
def case_mark(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    procedure_id = request.POST.get("procedure", "")  # proc, or proc@p1 for one person's procedure
    catalog = current_catalog()
    if split_key(procedure_id)[0] not in catalog.procedures or len(procedure_id) > 80:
        return HttpResponseBadRequest("unknown procedure")
    # One click sets the plan (the note stays); the memo form sets the note (the plan stays).
    mark = ProcedureMark.objects.filter(case=case, procedure_id=procedure_id).first()
    plan = request.POST.get("plan", mark.plan if mark else "")
    if plan not in {"", *ProcedureMark.Plan.values}:
        return HttpResponseBadRequest("unknown plan")
    note = request.POST.get("note", mark.note if mark else "").strip()
    in_place = request.htmx and request.POST.get("fragment") == "procedure"
    if len(note) > 500:
        error = "メモは500文字以内で入力してください。"
        if in_place:
            return _procedure_fragment(request, case, procedure_id, error=error, status=422, note=note)
        return _panels(request, case, error=error, status=422)
    ProcedureMark.objects.update_or_create(
        case=case,
        procedure_id=procedure_id,
        defaults={"plan": plan, "note": note, "updated_by": request.user},
    )
    audit(request, "case.mark", case, procedure=procedure_id, plan=plan)
    if in_place:
        return _procedure_fragment(request, case, procedure_id)
    return _panels(request, case)


def _procedure_fragment(
    request: HttpRequest, case: Case, key: str, error: str = "", status: int = 200, note: str | None = None
):
    """The one procedure card after its mark changed, swapped in place: the page does not jump and the
    button keeps the focus (htmx restores it by id)."""
    context = _case_context(request, case)
    views = [v for g in (*context["groups"], *context["elsewhere"]) for v in g.items if v.mark_key == key]
    if not views:  # no longer applicable: the whole list is redrawn
        return _panels(request, case)
    # After the memo form, the details stay open (the focus is in them) and a refused memo keeps its text.
    details = {"details_open": "note" in request.POST, "typed_note": note}
    response = render(
        request, "counter/_procedure.html", {**context, "v": views[0], "error": error, **details}
    )
    response.status_code = status
    return response


@require_POST
@role_required(*COUNTER_ROLES)
def case_note(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    note = request.POST.get("note", "")
    if len(note) > 4000:
        return _panels(request, case, error="メモは4000文字以内で入力してください。", status=422)
    case.note = note
    case.save(update_fields=["note", "updated_at"])
    audit(request, "case.note", case)
    return _panels(request, case)


@require_POST
@role_required(*COUNTER_ROLES)
def case_person(request: HttpRequest, number: str) -> HttpResponse:
    """Save a person of the case as staff typed them; for a role with several persons (each 世帯員) an empty
    ``key`` adds a person. The facts the person's identity states (生年月日, 死亡日) go to the guide through the
    one staff mapping (case.sources), as far as the catalog takes them from interview."""
    from madoguchi.web.counter.inputs import PersonForm
    from madoguchi.web.counter.models import CasePerson

    case = _case(number)
    if case.status != Case.Status.OPEN:
        return _panels(request, case, error="案内済みの案件は変更できません。", status=409)
    catalog = current_catalog()
    event = catalog.events[case.event_id]
    role = event.role(request.POST.get("role", ""))
    if role is None:
        return HttpResponseBadRequest("unknown person role")
    key = request.POST.get("key", "") if role.repeated else role.id
    person = CasePerson.objects.filter(case=case, key=key, role=role.id).first() if key else None
    if key and person is None and role.repeated:
        return _panels(request, case, error="この世帯員は案件から外されています。", status=409)
    person = person or CasePerson(case=case, role=role.id, key=key)
    form = PersonForm(request.POST, instance=person)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else "入力"
        message = f"{label}: {errors[0]}"
        if not request.htmx:
            return _panels(request, case, error=message, status=422)
        # form.instance holds the accepted fields as typed (nothing is saved); the refused one is kept raw.
        refused = presenters.RefusedPerson(
            role.id,
            key if role.repeated else "",
            field,
            message,
            request.POST.get(field, "")[:300],
            form.instance,
        )
        return _panels(request, case, person_error=refused, status=422)
    with transaction.atomic():
        person = form.save(commit=False)
        if role.repeated and not person.key:
            person.key = _next_person_key(case)
        person.updated_by = request.user
        person.save()
        save_staff_person(case, person, form.cleaned_data, request.user, repeated=role.repeated)
        audit(request, "case.person", case, role=role.id, person=person.key)
    return _panels(request, case)


def _next_person_key(case: Case) -> str:
    from madoguchi.web.counter.models import CasePerson

    taken = set(CasePerson.objects.filter(case=case).values_list("key", flat=True))
    n = 1
    while f"p{n}" in taken:
        n += 1
    return f"p{n}"


@require_POST
@role_required(*COUNTER_ROLES)
def case_person_remove(request: HttpRequest, number: str) -> HttpResponse:
    """Take a person of a repeated role off the case (a 世帯員 who does not move after all), with their
    answers."""
    from madoguchi.web.counter.models import CasePerson

    case = _case(number)
    if case.status != Case.Status.OPEN:
        return _panels(request, case, error="案内済みの案件は変更できません。", status=409)
    event = current_catalog().events[case.event_id]
    repeated = [r.id for r in event.repeated_roles]
    key = request.POST.get("key", "")
    with transaction.atomic():
        deleted, _ = CasePerson.objects.filter(case=case, key=key, role__in=repeated).delete()
        if deleted:
            case.facts.filter(name__endswith=f"@{key}").delete()
            audit(request, "case.person_remove", case, person=key)
    return _panels(request, case)


# Why a case is given up (the counter's list; 「その他」 asks for words).
CANCEL_REASONS = ("来庁者の都合で中止した", "同じ内容の案件が別にある（重複）", "誤って作成した", "その他")


@require_http_methods(["GET", "POST"])
@role_required(*COUNTER_ROLES)
def case_finish(request: HttpRequest, number: str) -> HttpResponse:
    """GET says what finishing will do (tasks to which 課, deliveries, what is still 未確定) and asks once;
    POST finishes."""
    case = _case(number)
    if request.method == "POST":
        case = finish_case(case, request)
        return redirect("case-sheet", number=case.number)
    if case.status != Case.Status.OPEN:
        return redirect("case-detail", number=case.number)
    from madoguchi.web.counter.signals import case_finish_preview

    state = load_state(case)
    lines = [
        line for _, said in case_finish_preview.send(Case, case=case, state=state) for line in said or ()
    ]
    return render(
        request,
        "counter/finish.html",
        {
            "case": case,
            "event": state.catalog.events[case.event_id],
            "lines": lines,
            "undetermined": presenters.undetermined(state),
            "cancel_reasons": CANCEL_REASONS,
            "sent_tasks": hasattr(case, "tasks") and case.tasks.exists(),
        },
    )


@require_POST
@role_required(*COUNTER_ROLES)
def case_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """An abandoned case is given up with a reason; nothing was sent, so nothing is withdrawn."""
    case = _case(number)
    reason = request.POST.get("reason", "")
    words = request.POST.get("words", "").strip()[:200]
    if case.status != Case.Status.OPEN:
        messages.error(request, "受付中の案件だけ取りやめにできます。")
        return redirect("case-detail", number=case.number)
    if hasattr(case, "tasks") and case.tasks.exists():
        messages.error(
            request,
            "担当課へ送ったタスクがある案件は取りやめにできません。担当課のタスクを確認してください。",
        )
        return redirect("case-finish", number=case.number)
    if reason not in CANCEL_REASONS or (reason == "その他" and not words):
        messages.error(request, "取りやめの理由を選んでください（「その他」のときは理由を書いてください）。")
        return redirect("case-finish", number=case.number)
    text = f"{reason}：{words}" if words else reason
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, status=Case.Status.OPEN).update(
            status=Case.Status.CANCELLED, cancelled_at=timezone.now(), cancel_reason=text[:300]
        )
        if updated:
            audit(request, "case.cancel", case, reason=text)
    messages.success(request, f"案件 {case.number} を取りやめにしました（{text}）。")
    return redirect("case-detail", number=case.number)


@require_POST
@role_required(*COUNTER_ROLES)
def case_reopen(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    if case.status in (Case.Status.FINISHED, Case.Status.CANCELLED):
        case.status = Case.Status.OPEN
        case.finished_at = None
        case.cancelled_at = None
        case.cancel_reason = ""
        case.save(update_fields=["status", "finished_at", "cancelled_at", "cancel_reason", "updated_at"])
        audit(request, "case.reopen", case)
    return redirect("case-detail", number=case.number)


@require_GET
@role_required(*COUNTER_ROLES)
def case_sheet(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    state = load_state(case)
    audit(request, "sheet.view", case)
    return render(request, "counter/sheet.html", {"sheet": presenters.sheet(state)})


@require_GET
@role_required(*COUNTER_ROLES)
def case_sheet_pdf(request: HttpRequest, number: str) -> HttpResponse:
    from madoguchi.web.counter.sheet_pdf import render_sheet_pdf

    case = _case(number)
    state = load_state(case)
    pdf = render_sheet_pdf(presenters.sheet(state))
    audit(request, "sheet.pdf", case)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tetsuzuki-annai-{case.number}.pdf"'
    return response


@require_POST
@login_required
def date_preview(request: HttpRequest) -> HttpResponse:
    """A typed date shown back in both calendars as the clerk types, read by the one 和暦 module
    (madoguchi.wareki) — the page has no calendar code of its own. POST: a birth date is never in a URL."""
    from django.http import JsonResponse

    from madoguchi.wareki import format_both, parse_date

    text = request.POST.get("value", "")[:40]
    if not text.strip():
        return JsonResponse({"text": "", "ok": True})
    try:
        return JsonResponse({"text": "→ " + format_both(parse_date(text)), "ok": True})
    except ValueError as exc:
        return JsonResponse({"text": str(exc), "ok": False})
