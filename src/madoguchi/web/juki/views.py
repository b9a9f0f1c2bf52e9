"""Registry and card views at the counter. Every POST is role-checked and audited; hostile input gets a 4xx."""

from __future__ import annotations

import re

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madoguchi.guide import FactValueError, parse_answer
from madoguchi.juki.dates import RegistryDateError, parse_registry_date
from madoguchi.juki.kana import lookup_postal_code, suggest_kana
from madoguchi.juki.records import address_search_key, search_key
from madoguchi.web.counter.models import Case, Role
from madoguchi.web.counter.services import audit, current_catalog
from madoguchi.web.counter.views import COUNTER_ROLES, has_role, role_required
from madoguchi.web.juki import access, services
from madoguchi.web.juki.household import household_role
from madoguchi.web.juki.models import CardEvidence, CaseRegistryLink, Household, Resident, ResidentAlias

LOOKUP_ROLES = (*COUNTER_ROLES, Role.DEPARTMENT_STAFF)
# Roles that may ask for a full 個人番号 at all; whether it is shown is decided by need-to-know (access.py):
# the user's department's 番号利用事務, a case they work on, a listed reason, a rate limit. Every view is audited.
MY_NUMBER_ROLES = (Role.COUNTER_CLERK, Role.DEPARTMENT_STAFF, Role.ADMINISTRATOR)
RESULT_LIMIT = 50
_KANA = re.compile(r"^[\u3041-\u3096\u30A0-\u30FF\uFF66-\uFF9F\s\u3000ー]+$")


def _back_url(request, case: Case | None) -> str:
    """Back to the case for the counter, to the worklist for a department (which has no case page)."""
    if case is not None and has_role(request.user, *COUNTER_ROLES):
        return reverse("case-detail", kwargs={"number": case.number})
    return reverse("task-list") if has_role(request.user, Role.DEPARTMENT_STAFF) else ""


def _refused(request, refusal: access.RevealRefused, case: Case | None) -> HttpResponse:
    response = render(
        request,
        "registry/my_number_refused.html",
        {"message": refusal.message, "case": case, "back_url": _back_url(request, case)},
        status=refusal.status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _open_case(number: str) -> Case:
    if not number or len(number) > 20:
        raise Http404
    return get_object_or_404(Case, number=number)


def _case_or_none(number: str | None) -> Case | None:
    if not number:
        return None
    if len(number) > 20:
        raise Http404
    return Case.objects.filter(number=number).first()


def _alias_ids(**lookup):
    return ResidentAlias.objects.filter(**lookup).values("resident_id")


def search(params, user=None) -> tuple[list[Resident], str]:
    """Lookup by 宛名番号, name, kana, birth date or address (any combination; ``q`` guesses which)."""
    q = (params.get("q") or "").strip()[:100]
    name = (params.get("name") or "").strip()[:100]
    kana = (params.get("kana") or "").strip()[:100]
    birth = (params.get("birth") or "").strip()[:40]
    address = (params.get("address") or "").strip()[:200]
    atena = (params.get("atena") or "").strip()[:20]
    if q:
        folded = search_key(q)
        if folded.isdigit():
            atena = folded
        elif _KANA.match(q):
            kana = q
        else:
            try:
                parse_registry_date(q)
                birth = q
            except RegistryDateError:
                if any(ch.isdigit() for ch in folded) or "町" in q or "市" in q:
                    address = q
                else:
                    name = q
    filters = Q()
    prefix = Q()  # name and kana: a prefix uses the index (family name first); anywhere only as a fallback
    anywhere = Q()
    if atena:
        filters &= Q(atena_no=search_key(atena))
    # A name or kana may also be a 外国人住民's alphabet name or 通称 (ResidentAlias: few rows, indexed keys).
    if name:
        key = search_key(name)
        prefix &= Q(name_key__startswith=key) | Q(pk__in=_alias_ids(key__startswith=key))
        anywhere &= Q(name_key__contains=key) | Q(pk__in=_alias_ids(key__contains=key))
    if kana:
        key = search_key(kana)
        prefix &= Q(kana_key__startswith=key) | Q(pk__in=_alias_ids(key__startswith=key))
        anywhere &= Q(kana_key__contains=key) | Q(pk__in=_alias_ids(key__contains=key))
    if address:
        filters &= Q(address_key__contains=address_search_key(address))
    if birth:
        try:
            day = parse_registry_date(birth)
        except RegistryDateError as exc:
            return [], str(exc)
        filters &= Q(birth_sort=day.sort_date)
    if not filters and not prefix:
        return [], ""
    base = Resident.objects.select_related("household").order_by("name_key", "birth_sort")
    visible = access.visible_residents(user) if user is not None else None
    if visible is not None:  # need-to-know: only the residents on cases the user works on
        base = base.filter(pk__in=visible)
    rows = list(base.filter(filters & prefix)[:RESULT_LIMIT])
    if not rows and prefix:
        rows = list(base.filter(filters & anywhere)[:RESULT_LIMIT])
    return rows, ""


def person_roles(case: Case | None) -> list[tuple[str, str]]:
    """The roles a registry person can be set as: the case's event's roles with one person (a household's
    members come through 「世帯の全員を設定」); without a case, those of every event."""
    catalog = current_catalog()
    events = [catalog.events[case.event_id]] if case is not None else list(catalog.events.values())
    roles: dict[str, str] = {}
    for event in events:
        for role in event.roles:
            if not role.repeated:
                roles.setdefault(role.id, role.label)
    return list(roles.items())


def _role(requested: str | None, roles: list[tuple[str, str]]) -> str:
    ids = [r for r, _ in roles]
    return requested if requested in ids else (ids[0] if ids else "")


@require_GET
@role_required(*LOOKUP_ROLES)
def lookup(request: HttpRequest) -> HttpResponse:
    case = _case_or_none(request.GET.get("case"))
    roles = person_roles(case)
    role = _role(request.GET.get("role"), roles)
    results, error = search(request.GET, request.user)
    searched = any(request.GET.get(k) for k in ("q", "name", "kana", "birth", "address", "atena"))
    if searched:
        audit(request, "registry.search", case, results=len(results))
    return render(
        request,
        "registry/lookup.html",
        {
            "case": case,
            "role": role,
            "roles": roles,
            "results": results,
            "error": error,
            "searched": searched,
            "params": {
                k: request.GET.get(k, "")[:200] for k in ("q", "name", "kana", "birth", "address", "atena")
            },
            "limit": RESULT_LIMIT,
            "whole_registry": access.whole_registry(request.user),
        },
    )


@require_GET
@role_required(*LOOKUP_ROLES)
def household(request: HttpRequest, setai_no: str) -> HttpResponse:
    if len(setai_no) > 16:
        raise Http404
    house = get_object_or_404(Household, setai_no=setai_no)
    case = _case_or_none(request.GET.get("case"))
    role = _role(request.GET.get("role"), person_roles(case))
    members = list(house.members.all())
    visible = access.visible_residents(request.user)
    if visible is not None:  # need-to-know: only the members on cases the user works on
        allowed = set(
            visible.filter(resident_id__in=[m.pk for m in members]).values_list("resident_id", flat=True)
        )
        members = [m for m in members if m.pk in allowed]
        if not members:
            raise Http404
    if case is not None and not access.works_on(request.user, case):
        case = None
    uses = access.reveal_uses(request.user, case) if has_role(request.user, *MY_NUMBER_ROLES) else []
    on_case = (
        set(CaseRegistryLink.objects.filter(case=case).values_list("resident_id", flat=True))
        if uses
        else set()
    )
    for m in members:
        m.may_reveal = m.pk in on_case
    audit(request, "registry.household", case, household=house.pk)
    return render(
        request,
        "registry/household.html",
        {
            "household": house,
            "members": members,
            "case": case,
            "role": role,
            "reveal_uses": uses,
            "household_event": bool(case and household_role(case)),
        },
    )


@require_POST
@never_cache
@role_required(*MY_NUMBER_ROLES)
def resident_my_number(request: HttpRequest, atena_no: str) -> HttpResponse:
    """The full 個人番号 of a resident set on a case the user works on, for a listed 番号利用事務; audited."""
    if len(atena_no) > 16:
        raise Http404
    resident = get_object_or_404(Resident, atena_no=atena_no)
    case = _case_or_none(request.POST.get("case"))
    try:
        use = access.check_reveal(request, case, (request.POST.get("reason") or "").strip()[:80])
        if not CaseRegistryLink.objects.filter(case=case, resident=resident).exists():
            raise access.RevealRefused(access.NOT_ON_CASE)
    except access.RevealRefused as refusal:
        audit(request, "registry.my_number.refused", case, resident=resident.pk, status=refusal.status)
        return _refused(request, refusal, case)
    number = resident.reveal_my_number()
    audit(request, "registry.my_number.view", case, resident=resident.pk, reason=use.id, reason_name=use.name)
    response = render(
        request,
        "registry/my_number.html",
        {"resident": resident, "number": number, "back_url": _back_url(request, case)},
    )
    response["Cache-Control"] = "no-store"
    return response


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@require_POST
@role_required(*COUNTER_ROLES)
def attach(request: HttpRequest, number: str) -> HttpResponse:
    case = _open_case(number)
    if case.status != Case.Status.OPEN:
        return HttpResponse(
            "案内済みの案件は変更できません。", status=409, content_type="text/plain; charset=utf-8"
        )
    role = request.POST.get("role", "")
    if role not in dict(person_roles(case)):
        return _plain(400, "この案件にない設定先です。住民記録の検索からやり直してください。")
    atena = request.POST.get("atena", "")
    resident = (
        Resident.objects.filter(atena_no=atena).select_related("household").first()
        if atena and len(atena) <= 16
        else None
    )
    if resident is None:
        return _plain(400, "その住民は住民記録にありません。住民記録の検索からやり直してください。")
    filled = services.attach_resident(case, resident, role, request.user)
    audit(request, "registry.attach", case, role=role, resident=resident.pk, facts=filled)
    messages.success(request, _("住民記録から設定しました（%(n)d項目）") % {"n": len(filled)})
    return redirect("case-detail", number=case.number)


@require_POST
@role_required(*COUNTER_ROLES)
def override(request: HttpRequest, number: str) -> HttpResponse:
    case = _open_case(number)
    url = reverse("case-detail", kwargs={"number": case.number})
    if case.status != Case.Status.OPEN:
        return HttpResponse(
            "案内済みの案件は変更できません。", status=409, content_type="text/plain; charset=utf-8"
        )
    catalog = current_catalog()
    name = request.POST.get("fact", "")
    fact = catalog.facts.get(name)
    if fact is None or not fact.used_in(case.event_id) or not fact.askable:
        return _plain(400, "この案件で変更できない項目です。案件の画面からやり直してください。")
    reason = (request.POST.get("reason") or "").strip()
    if not reason:
        messages.error(request, f"{fact.label}: " + _("変更の理由を入力してください"))
        return redirect(url)
    if len(reason) > 500:
        messages.error(request, _("理由は500文字以内で入力してください"))
        return redirect(url)
    try:
        value = parse_answer(fact, request.POST.get("value", ""))
    except FactValueError as exc:
        messages.error(request, str(exc))
        return redirect(url)
    services.override_fact(case, fact, value, reason, request.user)
    audit(request, "case.fact_override", case, fact=name, reason=reason)
    messages.success(request, f"{fact.label}: " + _("変更しました（理由を記録しました）"))
    return redirect(url)


@require_POST
@role_required(*COUNTER_ROLES)
def card_post(request: HttpRequest, number: str) -> HttpResponse:
    """The counter page posts what the local card agent read (the raw files); the server decodes them itself."""
    case = _open_case(number)
    if case.status != Case.Status.OPEN:
        return JsonResponse({"error": "finished", "message": "案内済みの案件は変更できません。"}, status=409)
    if request.content_type != "application/json":
        return JsonResponse({"error": "bad_content_type"}, status=415)
    try:
        evidence = services.parse_card_post(request.body)
        record, filled = services.store_card_reading(case, evidence, request.user)
    except services.CardPostError as exc:
        audit(request, "card.rejected", case, reason=str(exc)[:100])
        return JsonResponse(
            {"error": "bad_card_data", "message": "カードのデータを確認できませんでした。"}, status=400
        )
    audit(request, "card.read", case, signature=record.signature, test_mode=record.test_mode, filled=filled)
    result = dict(record.result)
    return JsonResponse({"ok": True, "filled": filled, "card": result})


@require_POST
@never_cache
@role_required(*MY_NUMBER_ROLES)
def card_my_number(request: HttpRequest, number: str, reading_id: int) -> HttpResponse:
    case = _open_case(number)
    record = get_object_or_404(CardEvidence, pk=reading_id, case=case)
    try:
        use = access.check_reveal(request, case, (request.POST.get("reason") or "").strip()[:80])
    except access.RevealRefused as refusal:
        audit(request, "card.my_number.refused", case, reading=record.pk, status=refusal.status)
        return _refused(request, refusal, case)
    full = services.reveal_card_number(record)
    audit(request, "card.my_number.view", case, reading=record.pk, reason=use.id, reason_name=use.name)
    response = render(
        request,
        "registry/my_number.html",
        {"card": record, "number": full, "back_url": _back_url(request, case)},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(*COUNTER_ROLES)
def card_verify(request: HttpRequest, number: str, reading_id: int) -> HttpResponse:
    """Re-verify a stored card reading (its encrypted raw files) with the server's current trust store."""
    case = _open_case(number)
    record = get_object_or_404(CardEvidence, pk=reading_id, case=case)
    status = services.reverify_card_reading(record)
    audit(request, "card.reverify", case, reading=record.pk, signature=status)
    labels = {
        "valid": _("有効"),
        "invalid": _("無効"),
        "not_checked": _("未確認（CA鍵が設定されていません）"),
    }
    messages.info(request, _("カードの署名を再検証しました: %(s)s") % {"s": labels.get(status, status)})
    return redirect("case-detail", number=case.number)


@require_GET
@role_required(*LOOKUP_ROLES)
def kana_suggestions(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"suggestions": suggest_kana(request.GET.get("name", "")[:100])})


@require_GET
@role_required(*LOOKUP_ROLES)
def postal(request: HttpRequest) -> JsonResponse:
    found = lookup_postal_code(request.GET.get("code", "")[:10])
    return JsonResponse({"found": found is not None, **(found or {})})
