"""The public pre-entry pages (profile ``preentry``): one question per screen, a summary of procedures and
documents, and a hand-off code with its QR code.

Answers in progress live in the resident's own signed session cookie; the server stores something only when
a hand-off code is made (sealed, expiring, rate-limited). Nothing here imports the counter's models.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.guide import FactValueError, parse_answer
from madoguchi.preentry import qr, tokens
from madoguchi.web import requestjson
from madoguchi.web.resident import flow, i18n, ratelimit, store
from madoguchi.web.resident.common import base_context, catalog, guide, language


def _throttled(request: HttpRequest, lang: str, window: int) -> HttpResponse:
    response = render(
        request,
        "resident/message.html",
        {**base_context(request, lang), "message": i18n.t("throttled", lang)},
    )
    response.status_code = 429
    response["Retry-After"] = str(ratelimit.retry_after(window))
    return response


def _pages_ok(request: HttpRequest) -> bool:
    return ratelimit.hit(
        "pages", ratelimit.client_key(request), getattr(settings, "PREENTRY_PAGES_PER_MINUTE", 300), 60
    )


def _event(event_id: str):
    ev = catalog().events.get(event_id)
    if ev is None:
        raise Http404
    return ev


def _state(request: HttpRequest, event_id: str) -> dict:
    return request.session.get(f"pe:{event_id}") or {"answers": {}, "started": None}


def _save_state(request: HttpRequest, event_id: str, state: dict) -> None:
    request.session[f"pe:{event_id}"] = state


def _new_visit() -> dict:
    """A visit's id and start, kept in the signed cookie only. The server records the id when the visit makes
    a code (``store.create``), so a replayed old cookie can neither make a second code nor skip the wait."""
    return {"visit": tokens.new_token(), "started": time.time()}


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    if not _pages_ok(request):
        return _throttled(request, lang, 60)
    events = list(catalog().events.values())
    return render(request, "resident/pre_index.html", {**base_context(request, lang), "events": events})


@require_http_methods(["GET", "POST"])
def event_start(request: HttpRequest, event_id: str) -> HttpResponse:
    lang = language(request)
    if not _pages_ok(request):
        return _throttled(request, lang, 60)
    ev = _event(event_id)
    if request.method == "POST":
        _save_state(request, event_id, {"answers": {}, **_new_visit()})
        _drop_handoff(request, event_id)
        return redirect("pre-question", event_id=event_id)
    return render(request, "resident/pre_start.html", {**base_context(request, lang), "event": ev})


@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, event_id: str) -> HttpResponse:
    lang = language(request)
    if not _pages_ok(request):
        return _throttled(request, lang, 60)
    ev = _event(event_id)
    g = guide(event_id)
    state = _state(request, event_id)
    if state.get("started") is None:
        return redirect("pre-event", event_id=event_id)
    answers: dict = state["answers"]
    facts = flow.event_facts(g.catalog, event_id)
    error = None
    ask = None
    if request.method == "POST":
        action = request.POST.get("action", "answer")
        name = request.POST.get("fact", "")
        if action == "back":
            if answers:
                ask = next(reversed(answers))
                answers.pop(ask)
        elif name in facts:
            fact = facts[name]
            if action == "skip":
                answers.pop(name, None)
                answers[name] = None
            else:
                try:
                    value = flow.to_json(parse_answer(fact, request.POST.get("value", "")))
                except FactValueError:
                    error = i18n.t("bad_value", lang)
                    ask = name
                else:
                    answers.pop(name, None)
                    answers[name] = value
        else:
            return HttpResponse(status=400)
        _save_state(request, event_id, {**state, "answers": answers})
        if not error:
            _drop_handoff(request, event_id)  # the answers changed: an earlier code would hand over old ones
            suffix = f"?ask={ask}" if ask else ""
            return redirect(reverse("pre-question", kwargs={"event_id": event_id}) + suffix)
    known, skipped = flow.load_answers(g, answers)
    result = g.evaluate(known, skipped, explain=False)
    ask = ask or request.GET.get("ask")
    fact = facts.get(ask) if ask and ask not in answers else None
    if fact is None:
        if not result.questions:
            return redirect("pre-summary", event_id=event_id)
        fact = result.questions[0].fact
    ctx = {
        **base_context(request, lang),
        "event": ev,
        "q": flow.question_view(fact, lang, known.get(fact.name)),
        "progress": flow.progress(len(answers), result),
        "error": error,
        "can_go_back": bool(answers),
        "found": flow.summary(g.catalog, result, lang)["applicable"],
    }
    status = 422 if error else 200
    return render(request, "resident/pre_question.html", ctx, status=status)


def _summary_context(request: HttpRequest, event_id: str, lang: str) -> dict:
    ev = _event(event_id)
    g = guide(event_id)
    state = _state(request, event_id)
    known, skipped = flow.load_answers(g, state["answers"])
    result = g.evaluate(known, skipped, explain=False)
    return {
        **base_context(request, lang),
        "event": ev,
        "summary": flow.summary(g.catalog, result, lang),
        "answers": flow.answers_view(g.catalog, state["answers"], lang),
        "remaining": len(result.questions),
        "started": state.get("started") is not None,
    }


@require_GET
def summary_page(request: HttpRequest, event_id: str) -> HttpResponse:
    lang = language(request)
    if not _pages_ok(request):
        return _throttled(request, lang, 60)
    ctx = _summary_context(request, event_id, lang)
    if not ctx["started"]:
        return redirect("pre-event", event_id=event_id)
    ctx["handoff"] = _handoff_view(request, event_id, lang)
    return render(request, "resident/pre_summary.html", ctx)


@require_GET
def summary_pdf(request: HttpRequest, event_id: str) -> HttpResponse:
    from madoguchi.web.resident.pdf import summary_pdf as render_pdf

    lang = language(request)
    if not _pages_ok(request):
        return _throttled(request, lang, 60)
    ctx = _summary_context(request, event_id, lang)
    if not ctx["started"]:
        return redirect("pre-event", event_id=event_id)
    response = HttpResponse(render_pdf(ctx), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tetsuzuki-{event_id}.pdf"'
    return response


def _drop_handoff(request: HttpRequest, event_id: str) -> None:
    previous = request.session.pop(f"pe:{event_id}:handoff", None)
    if previous:
        store.discard(previous["token"])


def _handoff_view(request: HttpRequest, event_id: str, lang: str) -> dict | None:
    stored = request.session.get(f"pe:{event_id}:handoff")
    if not stored:
        return None
    expires = timezone.datetime.fromisoformat(stored["expires"])
    if expires <= timezone.now():
        return None
    local = timezone.localtime(expires)
    when = local.strftime("%Y-%m-%d %H:%M") if lang == "en" else f"{local:%Y年%m月%d日 %H:%M}"
    return {
        "code": tokens.format_code(stored["code"]),
        "qr": qr.svg_data_uri(tokens.qr_payload(stored["token"])),
        "expires": i18n.t("expires", lang, when=when),
    }


def _visit_over(request: HttpRequest, ctx: dict, lang: str) -> HttpResponse:
    """An old copy of the cookie (its visit already made a code) or a visit too old: start again."""
    ctx = {**ctx, "message": i18n.t("visit_over", lang), "start_again": True}
    return render(request, "resident/message.html", ctx, status=409)


@require_http_methods(["GET", "POST"])
def handoff(request: HttpRequest, event_id: str) -> HttpResponse:
    lang = language(request)
    if request.method == "GET":
        return redirect("pre-summary", event_id=event_id)
    if not _pages_ok(request):
        return _throttled(request, lang, 60)
    ev = _event(event_id)
    state = _state(request, event_id)
    if state.get("started") is None:
        return redirect("pre-event", event_id=event_id)
    ctx = {**base_context(request, lang), "event": ev}
    age = time.time() - state["started"]
    # A visit is accepted as long as a cookie can be (so its used-visit row can then be purged); a cookie
    # from before visits had ids has none. Either way the resident starts again.
    if not state.get("visit") or age > settings.SESSION_COOKIE_AGE:
        return _visit_over(request, ctx, lang)
    # A person needs more than a few seconds to read and answer; a script that posts at once is sent back.
    if age < getattr(settings, "PREENTRY_MIN_SECONDS", 3):
        return render(
            request, "resident/message.html", {**ctx, "message": i18n.t("too_fast", lang)}, status=429
        )
    if not ratelimit.hit(
        "handoff", ratelimit.client_key(request), getattr(settings, "PREENTRY_HANDOFF_PER_HOUR", 10), 3600
    ):
        return _throttled(request, lang, 3600)
    g = guide(event_id)
    facts = flow.event_facts(g.catalog, event_id)
    answers = {k: v for k, v in state["answers"].items() if k in facts}
    previous = request.session.get(f"pe:{event_id}:handoff")
    visit_until = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - age + 60)
    try:
        token, code, expires = store.create(
            event_id, g.catalog.municipality.id, answers, lang, visit=(state["visit"], visit_until)
        )
    except store.StoreFull:
        return render(request, "resident/message.html", {**ctx, "message": i18n.t("busy", lang)}, status=503)
    except store.VisitUsed:
        return _visit_over(request, ctx, lang)
    if previous:  # answers changed after an earlier code: only the newest is kept
        store.discard(previous["token"])
    # The next code (after a changed answer) needs a fresh visit and the minimum time again.
    _save_state(request, event_id, {**state, **_new_visit()})
    request.session[f"pe:{event_id}:handoff"] = {
        "token": token,
        "code": code,
        "expires": expires.isoformat(),
    }
    return redirect(reverse("pre-summary", kwargs={"event_id": event_id}) + "#handoff")


# --- the counter's API -----------------------------------------------------------------------------


API_FAILURES_PER_MINUTE = 30
# Unknown codes count per clerk (the counter sends an opaque key of the clerk), so one clerk's typos do not
# stop the others; the backstop bounds guessing with a stolen key whatever clerk keys it sends.
API_MISSES_PER_MINUTE_ALL = 300


def _api_error(status: int, error: str) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt  # a machine client with a bearer key, not a browser form
@require_POST
def api_take(request: HttpRequest) -> HttpResponse:
    """``POST /api/v1/take`` with ``Authorization: Bearer <MADOGUCHI_PREENTRY_API_KEY>`` and ``{"code": …,
    "clerk": …}`` (a typed code or a scanned QR text; an opaque key of the clerk asking) → the submission,
    deleted as it is read; 404 when unknown or expired."""
    client = ratelimit.client_key(request)
    # Only failures count: a wrong key or a bad request 30 a minute per client, an unknown code 30 a minute
    # per clerk of that client (300 for all its clerks together); then they wait.
    if ratelimit.exceeded("api-fail", client, API_FAILURES_PER_MINUTE, 60):
        return _api_error(429, "throttled")

    def failed(status: int, error: str) -> JsonResponse:
        ratelimit.hit("api-fail", client, API_FAILURES_PER_MINUTE, 60)
        return _api_error(status, error)

    key = getattr(settings, "PREENTRY_API_KEY", None)
    if not key:
        return _api_error(503, "api_disabled")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not tokens.same(given[7:].strip(), key):
        return failed(401, "unauthorized")
    if len(request.body) > 1024:
        return failed(413, "too_large")
    try:
        body = requestjson.parse(request.body or b"{}", max_bytes=1024, max_depth=2)
        code = body["code"]
        clerk = body.get("clerk", "")
    except (requestjson.JsonBodyError, KeyError, TypeError):
        return failed(400, "bad_request")
    if not isinstance(code, str) or not isinstance(clerk, str) or len(clerk) > 64:
        return failed(400, "bad_request")
    mine = f"{client}:{clerk}"
    if ratelimit.exceeded("api-miss", mine, API_FAILURES_PER_MINUTE, 60) or ratelimit.exceeded(
        "api-miss-all", client, API_MISSES_PER_MINUTE_ALL, 60
    ):
        return _api_error(429, "throttled")
    store.purge()
    data = store.take(code)
    if data is None:
        ratelimit.hit("api-miss", mine, API_FAILURES_PER_MINUTE, 60)
        ratelimit.hit("api-miss-all", client, API_MISSES_PER_MINUTE_ALL, 60)
        return _api_error(404, "not_found")
    return JsonResponse(data)


# --- error pages ----------------------------------------------------------------------------------


def _error(request, status: int, key: str) -> HttpResponse:
    lang = i18n.choose(getattr(request, "session", {}).get("lang") if hasattr(request, "session") else None)
    try:
        ctx = {**base_context(request, lang), "message": i18n.t(key, lang)}
        return render(request, "resident/message.html", ctx, status=status)
    except Exception:  # noqa: BLE001 - the catalog itself may be broken; say something plain
        return HttpResponse(i18n.t(key, lang), status=status, content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    return _error(request, 400, "bad_value")


def forbidden(request, exception=None):
    return _error(request, 403, "bad_value")


def csrf_failure(request, reason=""):
    return _error(request, 403, "restart")


def not_found(request, exception=None):
    return _error(request, 404, "not_found")


def server_error(request):
    return _error(request, 500, "busy")
