"""「本日・今後の来庁予定」: 来庁予定 records (引越しワンストップ) imported as cases prepared before the household
arrives, and the card read at the counter that finds the prepared case and checks it against the card's 4 情報.

A prepared case is an open case with ``arrival_ref``: its members, their facts and so its procedure list are
there before anyone comes. Reading the card of the person who comes finds it (same name and birth date as a
member); what differs between the card and the record is shown on the case, never merged silently.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import date, timedelta

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from madoguchi.arrivals import ARRIVALS, Arrival, ArrivalsFailed
from madoguchi.case.sources import accepted_facts, person_facts
from madoguchi.case.vocab import SEX_LABELS
from madoguchi.juki.records import search_key
from madoguchi.rules.scope import person_key
from madoguchi.wareki import format_both
from madoguchi.web.counter import rowsql
from madoguchi.web.counter.models import Case, CaseFact, CasePerson
from madoguchi.web.counter.services import audit, current_catalog
from madoguchi.web.counter.views import COUNTER_ROLES, role_required

MAX_UPLOAD = 20 * 1024 * 1024


class PrepareError(ValueError):
    pass


def arrivals_source():
    """The configured arrivals source: MADOGUCHI_ARRIVALS_SOURCE (default ``file``) with its options as JSON in
    MADOGUCHI_ARRIVALS_OPTIONS (e.g. the municipality's own column names)."""
    source_id = os.environ.get("MADOGUCHI_ARRIVALS_SOURCE", "file")
    options = json.loads(os.environ.get("MADOGUCHI_ARRIVALS_OPTIONS", "") or "{}")
    return ARRIVALS.create(source_id, options)


# --- import: each record becomes a prepared case -------------------------------------------------------


def prepare_cases(arrivals: list[Arrival], user) -> tuple[int, int]:
    """One prepared case per record not imported before (by 受付番号), all in one transaction.
    Returns (prepared, already there)."""
    catalog = current_catalog()
    missing = sorted({a.event_id for a in arrivals} - set(catalog.events))
    if missing:
        names = "・".join({"tennyu": "転入", "tenkyo": "転居"}.get(m, m) for m in missing)
        raise PrepareError(
            f"この市の手続き一覧に「{names}」がないため、取り込めません（カタログを確認してください）"
        )
    known = set(
        Case.objects.filter(arrival_ref__in=[a.reference for a in arrivals]).values_list(
            "arrival_ref", flat=True
        )
    )
    fresh = [a for a in arrivals if a.reference not in known]
    now = timezone.now()
    with transaction.atomic():
        cases = Case.objects.bulk_create(
            [
                Case(
                    catalog_id=catalog.municipality.id,
                    event_id=a.event_id,
                    created_by=user,
                    created_at=now,
                    arrival_ref=a.reference,
                    visit_date=a.visit_date,
                    visitor_name=(a.householder or a.members[0]).name,
                    number="~" + secrets.token_hex(9),  # unique until the key gives the real number
                )
                for a in fresh
            ]
        )
        if cases and cases[0].pk is None:  # a backend without RETURNING: read the keys back
            by_ref = dict(
                Case.objects.filter(arrival_ref__in=[a.reference for a in fresh]).values_list(
                    "arrival_ref", "pk"
                )
            )
            for case in cases:
                case.pk = by_ref[case.arrival_ref]
        _number_cases([c.pk for c in cases], now)
        persons, facts = [], []
        for case, a in zip(cases, fresh, strict=True):
            event = catalog.events[a.event_id]
            role = next((r.id for r in event.repeated_roles), None)
            sequence = 0
            proposed = {"move.date": a.move_date} if a.move_date else {}
            if a.from_address:
                proposed["move.from_address"] = a.from_address
            proposed["move.new_address"] = a.address + (f"\u3000{a.katagaki}" if a.katagaki else "")
            for name, value in accepted_facts(proposed, catalog.facts, a.event_id, "arrivals").items():
                sequence += 1
                facts.append(_fact(case, name, value, user, sequence, now))
            for n, m in enumerate(a.members, start=1):
                key = f"p{n}" if role else ("applicant" if n == 1 else "")
                if not key:
                    break  # an event without a household role takes the first person only
                persons.append(
                    {
                        "case_id": case.pk,
                        "role": role or "applicant",
                        "key": key,
                        "name": m.name,
                        "kana": m.kana,
                        "kana_confirmed": False,
                        "birth_date": m.birth,
                        "sex": m.sex,
                        "zokugara": m.zokugara,
                        "postal_code": a.postal_code,
                        "address": a.address + (f"\u3000{a.katagaki}" if a.katagaki else ""),
                        "phone": a.phone if m.zokugara == "世帯主" else "",
                        "source": CaseFact.Source.ARRIVALS,
                        "updated_by_id": user.pk,
                        "updated_at": now,
                    }
                )
                if role:
                    offered = person_facts(m, role)
                    for name, value in accepted_facts(offered, catalog.facts, a.event_id, "arrivals").items():
                        sequence += 1
                        facts.append(_fact(case, person_key(name, key), value, user, sequence, now))
        # Plain batched INSERTs: tens of thousands of rows in seconds (decision 0012).
        rowsql.insert_many(CasePerson, persons)
        rowsql.insert_many(CaseFact, facts)
    return len(cases), len(known)


def _fact(case, name, value, user, sequence, now) -> dict:
    text = value.isoformat() if hasattr(value, "isoformat") else value
    return {
        "case_id": case.pk, "name": name, "value": text, "source": CaseFact.Source.ARRIVALS,
        "updated_by_id": user.pk, "updated_at": now, "sequence": sequence,
    }  # fmt: skip


def _number_cases(pks: list[int], now) -> None:
    """The 案件番号 of each new case, as :meth:`Case.assign_number` gives it, in one UPDATE per batch."""
    from django.db.models import Case as Choose
    from django.db.models import CharField, Value, When
    from django.db.models.functions import Cast, Concat, LPad

    year = f"{timezone.localdate(now):%Y}-"
    digits = Cast("id", CharField())
    number = Concat(Value(year), Choose(When(id__lt=10**6, then=LPad(digits, 6, Value("0"))), default=digits))
    for start in range(0, len(pks), 5000):
        Case.objects.filter(pk__in=pks[start : start + 5000]).update(number=number)


# --- views ----------------------------------------------------------------------------------------------


@require_GET
@role_required(*COUNTER_ROLES)
def arrivals_list(request: HttpRequest) -> HttpResponse:
    """Today's and the coming days' 来庁予定 (and those of the last week not yet come)."""
    from madoguchi.web.juki.templatetags.registry_tags import agent_settings

    today = timezone.localdate()
    cases = list(
        Case.objects.filter(status=Case.Status.OPEN, visit_date__gte=today - timedelta(days=7))
        .exclude(arrival_ref="")
        .order_by("visit_date", "id")[:500]
    )
    members: dict[int, list[CasePerson]] = {}
    for person in CasePerson.objects.filter(case__in=cases).order_by("id"):
        members.setdefault(person.case_id, []).append(person)
    catalog = current_catalog()
    rows = []
    for case in cases:
        people = members.get(case.pk, [])
        event = catalog.events.get(case.event_id)
        rows.append(
            {
                "case": case,
                "event": event.name if event else case.event_id,
                "day": format_both(case.visit_date),
                "today": case.visit_date == today,
                "past": case.visit_date < today,
                "names": "、".join(p.name for p in people if p.role != "applicant"),
                "count": sum(1 for p in people if p.role != "applicant"),
            }
        )
    context = {
        "rows": rows,
        "today": format_both(today),
        "source": arrivals_source().title,
        "agent": agent_settings(),
        "errors": request.session.pop("arrivals_errors", None),
    }
    return render(request, "counter/arrivals.html", context)


@require_POST
@role_required(*COUNTER_ROLES)
def arrivals_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "取り込むファイルを選んでください。")
        return redirect("arrivals")
    if upload.size > MAX_UPLOAD:
        messages.error(request, "ファイルが大きすぎます（20MBまで）。")
        return redirect("arrivals")
    try:
        arrivals = arrivals_source().read(upload.read(), upload.name or "")
        prepared, already = prepare_cases(arrivals, request.user)
    except ArrivalsFailed as exc:
        audit(request, "arrivals.refused", None, problems=len(exc.errors))
        request.session["arrivals_errors"] = [str(e) for e in exc.errors[:200]]
        messages.error(request, f"{exc}。ファイルを直して、もう一度取り込んでください。")
        return redirect("arrivals")
    except PrepareError as exc:
        messages.error(request, str(exc))
        return redirect("arrivals")
    audit(request, "arrivals.import", None, prepared=prepared, already=already)
    text = f"{prepared} 件の来庁予定を準備しました。"
    if already:
        text += f"（{already} 件は取り込み済みのため、そのままにしました）"
    messages.success(request, text)
    return redirect("arrivals")


def matching_cases(name: str, birth) -> list[Case]:
    """Prepared cases not yet come with a member of this name and birth date (the card's)."""
    key = search_key(name)
    found = (
        CasePerson.objects.filter(
            case__status=Case.Status.OPEN,
            case__arrived_at__isnull=True,
            birth_date=birth,
            case__visit_date__isnull=False,
        )
        .exclude(case__arrival_ref="")
        .select_related("case")
    )
    return list({p.case_id: p.case for p in found if search_key(p.name) == key}.values())


@require_POST
@role_required(*COUNTER_ROLES)
def arrivals_card(request: HttpRequest) -> HttpResponse:
    """The card of the person who came, read on the 来庁予定 page: the prepared case of their household is found
    and the reading stored there (the card fills the 届出人); with no prepared case, a new 転入 case takes it."""
    from madoguchi.card.errors import CardError
    from madoguchi.card.reading import decode, files_from_evidence
    from madoguchi.web.juki import services as juki

    if request.content_type != "application/json":
        return JsonResponse({"error": "bad_content_type"}, status=415)
    try:
        evidence = juki.parse_card_post(request.body)
        reading = decode(files_from_evidence(evidence), juki.server_trust())
    except (juki.CardPostError, CardError):
        audit(request, "card.rejected", None, reason="arrivals")
        return JsonResponse(
            {"error": "bad_card_data", "message": "カードのデータを確認できませんでした。"}, status=400
        )
    if reading.signature.status != "valid":
        return JsonResponse(
            {
                "error": "not_verified",
                "message": "カードの署名を確認できないため、来庁予定と照合できません。",
            },
            status=409,
        )
    attributes = reading.attributes
    found = matching_cases(attributes.name, attributes.birth_date)
    if len(found) > 1:
        return JsonResponse(
            {
                "error": "several",
                "message": "同じ氏名・生年月日の来庁予定が複数あります。一覧から案件を開いて読み取ってください。",
            },
            status=409,
        )
    with transaction.atomic():
        if found:
            case = Case.objects.select_for_update().get(pk=found[0].pk)
            case.arrived_at = timezone.now()
            case.save(update_fields=["arrived_at", "updated_at"])
        else:
            catalog = current_catalog()
            if "tennyu" not in catalog.events:
                return JsonResponse(
                    {"error": "no_event", "message": "来庁予定が見つかりませんでした。"}, status=404
                )
            case = Case.objects.create(
                catalog_id=catalog.municipality.id, event_id="tennyu", created_by=request.user
            )
            case.assign_number()
            case.save(update_fields=["number"])
            audit(request, "case.create", case, event="tennyu")
        record, filled = juki.store_card_reading(case, evidence, request.user)
        audit(request, "card.read", case, signature=record.signature, arrival=bool(found), filled=filled)
    url = reverse("case-detail", kwargs={"number": case.number})
    return JsonResponse({"ok": True, "found": bool(found), "redirect": url})


def _day(iso: str) -> str:
    try:
        return format_both(date.fromisoformat(iso))
    except ValueError:
        return iso


def arrival_check(case: Case) -> dict | None:
    """The card's 4 情報 next to the 来庁予定 record's for the member whose card was read: each item 一致 or
    不一致, so the clerk confirms what differs before anything is sent (nothing is merged silently)."""
    from madoguchi.web.juki.models import CardEvidence

    if not case.arrival_ref:
        return None
    reading = CardEvidence.objects.filter(case=case, signature="valid").order_by("-pk").first()
    if reading is None:
        return None
    card = reading.result
    members = [p for p in CasePerson.objects.filter(case=case).order_by("id") if p.role != "applicant"]
    born = card.get("birth_date", "")
    member = next(
        (
            m
            for m in members
            if m.birth_date
            and m.birth_date.isoformat() == born
            and search_key(m.name) == search_key(card.get("name", ""))
        ),
        None,
    )
    member = member or next((m for m in members if m.birth_date and m.birth_date.isoformat() == born), None)
    sex_labels = SEX_LABELS
    rows = []
    if member is not None:
        pairs = [
            (
                "氏名",
                card.get("name", ""),
                member.name,
                search_key(card.get("name", "")) == search_key(member.name),
            ),
            ("生年月日", _day(born), format_both(member.birth_date), True),
            (
                "性別",
                sex_labels.get(card.get("sex", ""), ""),
                sex_labels.get(member.sex, ""),
                card.get("sex") == member.sex,
            ),
        ]
        rows = [{"item": i, "card": c, "record": r, "same": same} for i, c, r, same in pairs]
        before = case.facts.filter(name="move.from_address").values_list("value", flat=True).first() or ""
        # The card still shows the address before the move (its 住所変更 comes with this 届).
        same = search_key(before) == search_key(card.get("address", "")) if before else None
        rows.append(
            {"item": "住所（転出元）", "card": card.get("address", ""), "record": before, "same": same}
        )
    return {
        "member": member,
        "rows": rows,
        "differs": any(r["same"] is False for r in rows),
        "reference": case.arrival_ref,
    }
