"""Counter-profile views of the resident's side: taking a pre-entry into a case, the resident's screen paired
to a clerk's case, and the self-service desk (記載台) with its queue."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.guide import FactValueError, parse_answer
from madoguchi.preentry import tokens
from madoguchi.web.counter.models import Case, CaseFact
from madoguchi.web.counter.services import FactRefused, audit, current_catalog, load_state, save_answer
from madoguchi.web.counter.views import COUNTER_ROLES, has_role, role_required
from madoguchi.web.resident import client, flow, i18n, ratelimit
from madoguchi.web.resident.common import base_context, language
from madoguchi.web.resident.models import KioskReceipt, ScreenPairing

PAIRING_CODE_MINUTES = 10
# Hand-off codes a clerk may mistype (unknown, expired or taken) in 10 minutes, per clerk: one clerk's typos
# never stop the others taking codes.
CODE_MISSES = 10
CODE_MISS_WINDOW = 600
KIOSK_GROUP = "kiosk"
RESIDENT = CaseFact.Source.RESIDENT


def _case(number: str) -> Case:
    if len(number) > 20:
        raise Http404
    return get_object_or_404(Case, number=number)


def _back(case: Case | None) -> HttpResponse:
    if case is not None:
        return redirect("case-detail", number=case.number)
    return redirect("resident-preentry")


# --- pre-entry → case ------------------------------------------------------------------------------


def import_answers(case: Case, data: dict, user) -> tuple[int, int, list[str]]:
    """Write a pre-entry's answers into ``case`` as 本人入力. Answers already on the case (from the registry,
    the card or the interview) are kept. 「わからない」 leaves the fact unknown, so the counter's guide asks it;
    their labels are returned for the clerk. Returns (imported, ignored, unknown labels)."""
    catalog = current_catalog()
    existing = set(case.facts.values_list("name", flat=True))
    imported = ignored = 0
    unknown: list[str] = []
    written: dict = {}
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        return 0, 0, []
    for name, raw in answers.items():
        fact = catalog.facts.get(name)
        if fact is None or not fact.askable or not fact.used_in(case.event_id) or name in existing:
            ignored += 1
            continue
        if raw is None:
            unknown.append(fact.label)
            continue
        try:
            value = parse_answer(fact, raw, typed=True)
        except FactValueError:
            ignored += 1
            continue
        save_answer(case, fact, value, user, source=RESIDENT)
        written[name] = value
        imported += 1
    _persons_from_answers(case, written, catalog, user)
    return imported, ignored, unknown


def _persons_from_answers(case: Case, written: dict, catalog, user) -> None:
    """A person the answers state (生年月日, 死亡日) and the case does not have yet is put on it as 本人入力, so
    forms and the person panel show it; a person set from the card, the registry or staff is left as it is."""
    from madoguchi.case.sources import from_answers
    from madoguchi.web.counter.models import CasePerson

    for role in catalog.events[case.event_id].roles:
        person = from_answers(written, role.id, source=RESIDENT)
        if role.repeated or not (person.birth or person.death_date or person.sex):
            continue
        CasePerson.objects.get_or_create(
            case=case,
            key=role.id,
            defaults={
                "role": role.id,
                "birth_date": person.birth,
                "death_date": person.death_date,
                "sex": person.sex,
                "source": RESIDENT,
                "updated_by": user,
            },
        )


@require_GET
@role_required(*COUNTER_ROLES)
def preentry_page(request: HttpRequest) -> HttpResponse:
    return render(request, "resident/counter_import.html", {})


@require_POST
@role_required(*COUNTER_ROLES)
def preentry_import(request: HttpRequest) -> HttpResponse:
    number = request.POST.get("case", "")
    case = _case(number) if number else None
    code = request.POST.get("code", "")
    if tokens.normalize(code) is None:
        messages.error(
            request, "受付コードの形が正しくありません（10文字のコードか、QRコードを読み取ってください）。"
        )
        return _back(case)
    if case is not None and case.status != Case.Status.OPEN:
        messages.error(request, "案内済みの案件には取り込めません。")
        return _back(case)
    clerk = f"user:{request.user.pk}"
    if ratelimit.exceeded("preentry-miss", clerk, CODE_MISSES, CODE_MISS_WINDOW):
        audit(request, "preentry.throttled", case)
        messages.error(
            request,
            "見つからない受付コードが続いたため、しばらく取り込めません。10分ほどたってからもう一度お試しください。",
        )
        return _back(case)
    try:
        data = client.take(code, clerk=ratelimit.user_key(request.user))
    except client.PreentryUnavailable as exc:
        messages.error(request, str(exc))
        return _back(case)
    if data is None:
        ratelimit.hit("preentry-miss", clerk, CODE_MISSES, CODE_MISS_WINDOW)
        audit(request, "preentry.not_found", case)
        messages.error(
            request, "この受付コードの事前入力は見つかりません（期限切れ・取り込み済み・入力ミス）。"
        )
        return _back(case)
    catalog = current_catalog()
    event_id = data.get("event_id")
    if event_id not in catalog.events:
        messages.error(request, "事前入力の手続きがこの自治体のカタログにありません。")
        return _back(case)
    with transaction.atomic():
        if case is None or case.event_id != event_id:
            if case is not None:
                messages.warning(request, "事前入力は別の手続きのものだったため、新しい案件を作りました。")
            case = Case.objects.create(
                catalog_id=catalog.municipality.id, event_id=event_id, created_by=request.user
            )
            case.assign_number()
            case.save(update_fields=["number"])
            audit(request, "case.create", case, event=event_id, origin="preentry")
        imported, ignored, unknown = import_answers(case, data, request.user)
        audit(request, "preentry.import", case, imported=imported, ignored=ignored, unknown=len(unknown))
    messages.success(request, f"事前入力から {imported} 件の回答を取り込みました（本人入力）。")
    if unknown:
        messages.info(request, "ご本人が「わからない」と答えた項目（聞き取りで確認）: " + "、".join(unknown))
    return redirect("case-detail", number=case.number)


# --- the resident's screen: clerk side ------------------------------------------------------------


def active_pairing(case: Case) -> ScreenPairing | None:
    return ScreenPairing.objects.filter(case_number=case.number, ended_at__isnull=True).first()


@require_POST
@role_required(*COUNTER_ROLES)
def screen_start(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    now = timezone.now()
    # One screen per case, and one per clerk: pairing for the next visitor disconnects the last one's screen.
    ScreenPairing.objects.filter(ended_at__isnull=True).filter(
        Q(case_number=case.number) | Q(created_by_id=request.user.pk)
    ).update(ended_at=now)
    code = tokens.new_pairing_code()
    ScreenPairing.objects.create(
        case_number=case.number,
        code_digest=tokens.digest(code),
        code_expires_at=now + timedelta(minutes=PAIRING_CODE_MINUTES),
        created_by_id=request.user.pk,
        allow_answers=request.POST.get("allow") == "1",
    )
    # The code is shown once, on this clerk's screen; only its digest is stored.
    request.session[f"screen-code:{case.number}"] = code
    audit(request, "screen.start", case)
    return redirect("case-detail", number=case.number)


@require_POST
@role_required(*COUNTER_ROLES)
def screen_settings(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    pairing = active_pairing(case)
    if pairing is not None:
        if request.POST.get("end") == "1":
            pairing.ended_at = timezone.now()
            request.session.pop(f"screen-code:{case.number}", None)
            audit(request, "screen.end", case)
        else:
            pairing.allow_answers = request.POST.get("allow") == "1"
            audit(request, "screen.allow", case, allow=pairing.allow_answers)
        pairing.save()
    return redirect("case-detail", number=case.number)


@require_POST
@role_required(*COUNTER_ROLES)
def screen_focus(request: HttpRequest, number: str) -> HttpResponse:
    """The clerk's page says which question it shows; the resident's screen follows."""
    case = _case(number)
    name = request.POST.get("fact", "")[:80]
    ScreenPairing.objects.filter(case_number=case.number, ended_at__isnull=True).exclude(
        current_fact=name
    ).update(current_fact=name)
    return HttpResponse(status=204)


@require_GET
@role_required(*COUNTER_ROLES)
def screen_version(request: HttpRequest, number: str) -> HttpResponse:
    """For the clerk's page: when the resident last answered, so it reloads its panels."""
    case = _case(number)
    last = case.facts.filter(source=RESIDENT, updated_by__isnull=True).aggregate(m=Max("updated_at"))["m"]
    return JsonResponse({"resident": last.isoformat() if last else ""})


# --- the resident's screen: the screen itself (no login; bound to one case by the pairing code) ----------


def _screen_pairing(request: HttpRequest) -> ScreenPairing | None:
    key = request.session.get("screen_key")
    if not key:
        return None
    return ScreenPairing.objects.filter(screen_key_digest=tokens.digest(key)).first()


@require_http_methods(["GET", "POST"])
def screen_pair(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    ctx = {**base_context(request, lang), "error": None}
    if request.method == "POST":
        if not ratelimit.hit("screen-pair", ratelimit.client_key(request), 10, 600):
            ctx["error"] = i18n.t("throttled", lang)
            return render(request, "resident/screen_pair.html", ctx, status=429)
        code = "".join(c for c in request.POST.get("code", "")[:20] if c.isdigit())
        pairing = None
        if len(code) == tokens.PAIRING_CODE_LENGTH:
            pairing = ScreenPairing.objects.filter(
                code_digest=tokens.digest(code), ended_at__isnull=True, code_expires_at__gt=timezone.now()
            ).first()
        if pairing is None:
            ctx["error"] = i18n.t("bad_pair", lang)
            return render(request, "resident/screen_pair.html", ctx, status=422)
        key = secrets.token_urlsafe(32)
        pairing.screen_key_digest = tokens.digest(key)
        pairing.code_digest = ""  # single use
        pairing.paired_at = timezone.now()
        pairing.save()
        request.session["screen_key"] = key
        audit(request, "screen.paired", Case.objects.filter(number=pairing.case_number).first())
        return redirect("screen-show")
    current = _screen_pairing(request)
    if current is not None and current.active:
        return redirect("screen-show")
    return render(request, "resident/screen_pair.html", ctx)


def _screen_context(
    request: HttpRequest,
    pairing: ScreenPairing,
    lang: str,
    error: str | None = None,
    case: Case | None = None,
) -> dict:
    if case is None:
        case = Case.objects.filter(number=pairing.case_number).first()
    ctx = {**base_context(request, lang), "pairing": pairing, "case": case, "error": error}
    if case is None or not pairing.active:
        ctx["ended"] = True
        return ctx
    state = load_state(case)
    asked = {q.fact.name for q in state.result.questions}
    current = pairing.current_fact
    fact = None
    if current and current in state.catalog.facts and (current in asked or current in state.rows):
        fact = state.catalog.facts[current] if state.catalog.facts[current].askable else None
    if fact is None and state.result.questions:
        fact = state.result.questions[0].fact
    ctx.update(
        q=flow.question_view(fact, lang, state.known.get(fact.name)) if fact else None,
        found=flow.summary(state.catalog, state.result, lang)["applicable"],
        allow=pairing.allow_answers and case.status == Case.Status.OPEN,
        open=case.status == Case.Status.OPEN,
        action=reverse("screen-answer"),
        hx_target="#screen-panel",
        version=_version(case, pairing, lang),
    )
    return ctx


def _version(case: Case, pairing: ScreenPairing, lang: str) -> str:
    return f"{case.updated_at.timestamp():.6f}|{pairing.current_fact}|{int(pairing.allow_answers)}|{lang}"


@require_GET
def screen_show(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    pairing = _screen_pairing(request)
    if pairing is None or not pairing.active:
        request.session.pop("screen_key", None)
        return redirect("screen-pair")
    return render(request, "resident/screen.html", _screen_context(request, pairing, lang))


@require_GET
def screen_panel(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    pairing = _screen_pairing(request)
    if pairing is None or not pairing.active:
        # Disconnected: forget the pairing and go back to the number form, ready for the next visitor.
        request.session.pop("screen_key", None)
        return HttpResponse(status=204, headers={"HX-Redirect": reverse("screen-pair")})
    # Every screen asks every 2 s: "nothing changed" is answered from the case row alone, without reading the
    # answers or running the guide, and htmx keeps what the resident may be typing.
    case = Case.objects.filter(number=pairing.case_number).first()
    if case is not None and request.GET.get("v") == _version(case, pairing, lang):
        return HttpResponse(status=204)
    return render(request, "resident/_screen_panel.html", _screen_context(request, pairing, lang, case=case))


@require_POST
def screen_answer(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    pairing = _screen_pairing(request)
    if pairing is None or not pairing.active:
        raise PermissionDenied
    case = get_object_or_404(Case, number=pairing.case_number)
    if not pairing.allow_answers or case.status != Case.Status.OPEN:
        raise PermissionDenied
    error = _answer(request, case, None, lang)
    ctx = _screen_context(request, pairing, lang, error=error)
    if request.htmx:
        return render(request, "resident/_screen_panel.html", ctx, status=422 if error else 200)
    return redirect("screen-show")


def _answer(request: HttpRequest, case: Case, user, lang: str) -> str | None:
    """Save the posted answer as 本人入力; an error text for the resident, or None."""
    catalog = current_catalog()
    name = request.POST.get("fact", "")
    fact = catalog.facts.get(name)
    if fact is None or not fact.askable or not fact.used_in(case.event_id):
        return i18n.t("bad_value", lang)
    try:
        if request.POST.get("action") == "skip":
            save_answer(case, fact, None, user, skipped=True, source=RESIDENT)
        else:
            try:
                value = parse_answer(fact, request.POST.get("value", ""))
            except FactValueError:
                return i18n.t("bad_value", lang)
            save_answer(case, fact, value, user, source=RESIDENT)
    except FactRefused:
        return i18n.t("bad_value", lang)  # a registry or card fact: the clerk changes it, with a reason
    audit(request, "case.answer", case, fact=name, source="resident")
    return None


# --- self-service desk (記載台) ----------------------------------------------------------------------


def _kiosk_allowed(user) -> bool:
    return has_role(user, KIOSK_GROUP, *COUNTER_ROLES)


def kiosk_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not _kiosk_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _next_receipt_number() -> str:
    today = timezone.localdate()
    start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    count = KioskReceipt.objects.filter(created_at__gte=start).count()
    return f"{count + 1:03d}"


@require_http_methods(["GET", "POST"])
@kiosk_required
def kiosk_home(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    catalog = current_catalog()
    if request.method == "POST":
        event_id = request.POST.get("event", "")
        if event_id not in catalog.events:
            return HttpResponseBadRequest("unknown life event")
        with transaction.atomic():
            case = Case.objects.create(
                catalog_id=catalog.municipality.id,
                event_id=event_id,
                created_by=request.user,
                visitor_name="記載台",
            )
            case.assign_number()
            case.save(update_fields=["number"])
            KioskReceipt.objects.create(
                number=_next_receipt_number(), case_number=case.number, event_id=event_id
            )
            audit(request, "case.create", case, event=event_id, origin="kiosk")
        request.session["kiosk_case"] = case.number
        return redirect("kiosk-question")
    ctx = {**base_context(request, lang), "events": list(catalog.events.values())}
    return render(request, "resident/kiosk_home.html", ctx)


def _kiosk_case(request: HttpRequest) -> tuple[Case, KioskReceipt] | None:
    number = request.session.get("kiosk_case")
    receipt = KioskReceipt.objects.filter(case_number=number).first() if number else None
    if receipt is None:
        return None
    return get_object_or_404(Case, number=number), receipt


@require_http_methods(["GET", "POST"])
@kiosk_required
def kiosk_question(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    found = _kiosk_case(request)
    if found is None:
        return redirect("kiosk-home")
    case, receipt = found
    if receipt.finished_at:
        return redirect("kiosk-receipt")
    error = None
    if request.method == "POST":
        if request.POST.get("action") == "finish":
            receipt.finished_at = timezone.now()
            receipt.save(update_fields=["finished_at"])
            audit(request, "kiosk.finish", case, receipt=receipt.number)
            return redirect("kiosk-receipt")
        error = _answer(request, case, request.user, lang)
        if error is None:
            return redirect("kiosk-question")
    state = load_state(case)
    fact = state.result.questions[0].fact if state.result.questions else None
    ctx = {
        **base_context(request, lang),
        "event": state.catalog.events[case.event_id],
        "q": flow.question_view(fact, lang) if fact else None,
        "progress": flow.progress(len(state.rows), state.result),
        "found": flow.summary(state.catalog, state.result, lang)["applicable"],
        "error": error,
        "allow": True,
        "action": reverse("kiosk-question"),
    }
    return render(request, "resident/kiosk_question.html", ctx, status=422 if error else 200)


@require_http_methods(["GET", "POST"])
@kiosk_required
def kiosk_receipt(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    if request.method == "POST":  # 次の方へ
        request.session.pop("kiosk_case", None)
        return redirect("kiosk-home")
    found = _kiosk_case(request)
    if found is None:
        return redirect("kiosk-home")
    case, receipt = found
    state = load_state(case)
    ctx = {
        **base_context(request, lang),
        "receipt": receipt,
        "event": state.catalog.events[case.event_id],
        "summary": flow.summary(state.catalog, state.result, lang),
        "issued": date.today(),
    }
    return render(request, "resident/kiosk_receipt.html", ctx)


@require_GET
@role_required(*COUNTER_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    catalog = current_catalog()
    waiting = list(KioskReceipt.objects.filter(finished_at__isnull=False, called_at__isnull=True))
    for r in waiting:
        ev = catalog.events.get(r.event_id)
        r.event_name = ev.name if ev else r.event_id
    return render(request, "resident/queue.html", {"waiting": waiting})


@require_POST
@role_required(*COUNTER_ROLES)
def queue_call(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    KioskReceipt.objects.filter(case_number=case.number, called_at__isnull=True).update(
        called_at=timezone.now()
    )
    audit(request, "kiosk.call", case)
    return redirect("case-detail", number=case.number)
