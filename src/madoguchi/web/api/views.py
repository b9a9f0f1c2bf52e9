"""The integration API, ``/api/v1/``: JSON, token authentication (``Authorization: Bearer <token>``).

Errors are JSON: ``{"errors": {"field": "message"}}`` for validation (422), ``{"detail": "..."}`` otherwise.
Writes are all-or-nothing. Every read of personal data and every change is in the audit log.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from madoguchi.web import requestjson
from madoguchi.web.backoffice.models import ApiToken, Delivery, StaleVersion, Task
from madoguchi.web.counter.models import Case, Role
from madoguchi.web.counter.services import audit, current_catalog, load_state
from madoguchi.web.counter.snapshots import case_snapshot
from madoguchi.web.counter.views import has_role

COUNTER = (Role.COUNTER_CLERK, Role.ADMINISTRATOR)
STAFF = (Role.DEPARTMENT_STAFF, Role.ADMINISTRATOR)
MAX_BODY = 256 * 1024


def error(status: int, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _authenticate(request: HttpRequest):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.hash(token.strip()), active=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def endpoint(methods: dict[str, tuple]):
    """``methods`` maps an HTTP method to the roles allowed to call it."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                response = error(405, f"method {request.method} is not allowed here")
                response["Allow"] = ", ".join(methods)
                return response
            user = _authenticate(request)
            if user is None:
                response = error(401, "a valid API token is required (Authorization: Bearer <token>)")
                response["WWW-Authenticate"] = "Bearer"
                return response
            request.user = user
            roles = methods[request.method]
            if roles and not has_role(user, *roles):
                return error(403, "this token's user may not do this")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _body(request: HttpRequest):
    """The JSON body, bounded in size and depth (madoguchi.web.requestjson); ValueError with a message."""
    return requestjson.read(request, max_bytes=MAX_BODY)


def _task_json(t: Task, catalog=None) -> dict:
    catalog = catalog or current_catalog()
    proc = catalog.procedures.get(t.procedure_id)
    return {
        "id": t.pk,
        "case": t.case.number,
        "procedure_id": t.procedure_id,
        "procedure_name": proc.name if proc else None,
        "department_id": t.department_id,
        "status": t.status,
        "return_reason": t.return_reason,
        "version": t.version,
        "updated_at": t.updated_at.isoformat(),
    }


def _case_json(case: Case) -> dict:
    state = load_state(case)
    catalog = state.catalog
    tasks = list(case.tasks.select_related("case"))
    return {
        "number": case.number,
        "event": case.event_id,
        "status": case.status,
        "created_at": case.created_at.isoformat(),
        "finished_at": case.finished_at.isoformat() if case.finished_at else None,
        "facts": [
            {
                "name": r.name,
                "value": None if r.skipped else r.value,
                "skipped": r.skipped,
                "source": r.source,
            }
            for r in state.rows.values()
        ],
        "persons": [
            {
                "role": party.role,
                "name": party.person.name,
                "kana": party.person.kana,
                "birth_date": party.person.birth.isoformat() if party.person.birth else None,
                "death_date": party.person.death_date.isoformat() if party.person.death_date else None,
                "sex": party.person.sex,
                "address": party.person.address,
                "source": party.person.source,
            }
            for party in case_snapshot(case, state).parties
        ],
        "applicable": [
            {
                "id": o.id,
                "name": o.procedure.name,
                "department": o.procedure.department,
                "handling": o.procedure.handling,
            }
            for o in state.result.applicable
        ],
        "undetermined": [{"id": o.id, "waiting_for": list(o.waiting_for)} for o in state.result.undetermined],
        "tasks": [_task_json(t, catalog) for t in tasks],
        "remaining_departments": sorted({t.department_id for t in tasks if t.open}),
    }


@endpoint({"GET": ()})
def procedures(request: HttpRequest) -> JsonResponse:
    catalog = current_catalog()
    event = request.GET.get("event")
    if event is not None and event not in catalog.events:
        return JsonResponse(
            {"errors": {"event": f"unknown life event; known: {', '.join(catalog.events)}"}}, status=422
        )
    items = [
        {
            "id": p.id,
            "name": p.name,
            "events": p.events,
            "department": p.department,
            "handling": p.handling,
            "deliveries": [d.target for d in p.delivery],
        }
        for p in catalog.procedures.values()
        if event is None or event in p.events
    ]
    return JsonResponse({"procedures": items})


@endpoint({"POST": COUNTER})
def cases(request: HttpRequest) -> JsonResponse:
    from madoguchi.web.api.cases import PayloadError, create_case

    try:
        data = _body(request)
    except ValueError as exc:
        return error(400, str(exc))
    try:
        case = create_case(data, request.user, request)
    except PayloadError as exc:
        return JsonResponse({"errors": exc.errors}, status=422)
    response = JsonResponse(_case_json(case), status=201)
    response["Location"] = f"/api/v1/cases/{case.number}"
    return response


@endpoint({"GET": COUNTER})
def case_detail(request: HttpRequest, number: str) -> JsonResponse:
    case = Case.objects.filter(number=number[:20]).first()
    if case is None:
        return error(404, "no such case")
    audit(request, "api.case.read", case)
    return JsonResponse(_case_json(case))


def _staff_tasks(user):
    from madoguchi.web.backoffice.views import user_departments

    departments = user_departments(user)
    rows = Task.objects.select_related("case")
    return rows if departments is None else rows.filter(department_id__in=departments)


@endpoint({"GET": STAFF})
def tasks(request: HttpRequest) -> JsonResponse:
    rows = _staff_tasks(request.user).order_by("created_at", "id")
    errors = {}
    status = request.GET.get("status")
    if status is not None:
        if status not in Task.Status.values:
            errors["status"] = f"one of {', '.join(Task.Status.values)}"
        rows = rows.filter(status=status)
    department = request.GET.get("department")
    if department is not None:
        rows = rows.filter(department_id=department)
    if errors:
        return JsonResponse({"errors": errors}, status=422)
    catalog = current_catalog()
    return JsonResponse({"tasks": [_task_json(t, catalog) for t in rows[:1000]]})


@endpoint({"GET": STAFF, "PATCH": STAFF})
def task_detail(request: HttpRequest, pk: int) -> JsonResponse:
    task = _staff_tasks(request.user).filter(pk=pk).first()
    if task is None:
        return error(404, "no such task (or not one of your departments)")
    if request.method == "GET":
        audit(request, "api.task.read", task.case, task=task.pk)
        return JsonResponse(_task_json(task))
    try:
        data = _body(request)
    except ValueError as exc:
        return error(400, str(exc))
    errors = {}
    if not isinstance(data, dict):
        return JsonResponse({"errors": {"": "send a JSON object"}}, status=422)
    for key in sorted(set(data) - {"status", "version", "reason"}):
        errors[key] = "unknown field"
    status = data.get("status")
    if status not in Task.Status.values:
        errors["status"] = f"one of {', '.join(Task.Status.values)}"
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        errors["version"] = "the version you read (an integer)"
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        errors["reason"] = "text of at most 500 characters"
    elif status == Task.Status.RETURNED and not reason.strip():
        errors["reason"] = "a reason is required to return a task to the counter"
    if errors:
        return JsonResponse({"errors": errors}, status=422)
    try:
        task.transition(status, version=version, user=request.user, reason=reason)
    except StaleVersion:
        task.refresh_from_db()
        return error(409, "someone else saved this task first; read it again", current=_task_json(task))
    audit(request, "task.update", task.case, task=task.pk, status=status, via="api")
    return JsonResponse(_task_json(task))


def _delivery_json(d: Delivery) -> dict:
    return {
        "id": d.pk,
        "idempotency_key": d.idempotency_key,
        "case": d.case_number,
        "procedure_id": d.procedure_id,
        "target_id": d.target_id,
        "status": d.status,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "created_at": d.created_at.isoformat(),
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }


@endpoint({"GET": (Role.ADMINISTRATOR,)})
def deliveries(request: HttpRequest) -> JsonResponse:
    rows = Delivery.objects.order_by("-created_at", "-id")
    status = request.GET.get("status")
    if status is not None:
        if status not in Delivery.Status.values:
            return JsonResponse(
                {"errors": {"status": f"one of {', '.join(Delivery.Status.values)}"}}, status=422
            )
        rows = rows.filter(status=status)
    return JsonResponse({"deliveries": [_delivery_json(d) for d in rows[:1000]]})


@endpoint({"POST": (Role.ADMINISTRATOR,)})
def delivery_resend(request: HttpRequest, pk: int) -> JsonResponse:
    from madoguchi.web.backoffice.services import resend

    d = Delivery.objects.filter(pk=pk).first()
    if d is None:
        return error(404, "no such delivery")
    try:
        resend(d, request)
    except ValueError as exc:
        return error(409, str(exc))
    d.refresh_from_db()
    return JsonResponse(_delivery_json(d), status=202)


@csrf_exempt
def openapi(request: HttpRequest) -> JsonResponse:
    if request.method != "GET":
        return error(405, "GET only")
    from madoguchi.web.api.openapi import document

    return JsonResponse(document())


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error(404, "no such API endpoint; see /api/v1/openapi.json")
