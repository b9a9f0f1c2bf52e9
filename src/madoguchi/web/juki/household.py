"""「世帯全員を案件に設定」: for a household's life event (転居・転出), every current member of a registry household
becomes a person of the event's repeated role, with every fact the registry states about them (insurance,
介護, 手帳, 印鑑登録 …) — never asked. Those who do not move are taken off the case by the clerk."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.case.sources import from_registry
from madoguchi.juki.facts import facts_for_catalog, proposed_facts
from madoguchi.juki.records import search_key
from madoguchi.rules.scope import person_key
from madoguchi.web.counter.models import Case, CaseFact, CasePerson
from madoguchi.web.counter.services import audit, current_catalog, save_answer
from madoguchi.web.counter.snapshots import NOT_IN_REGISTRY, fill_row
from madoguchi.web.counter.views import COUNTER_ROLES, role_required
from madoguchi.web.juki.models import CaseRegistryLink, FactOverride, Resident


class HouseholdError(ValueError):
    pass


def household_role(case: Case) -> str | None:
    """The event's repeated role (``member``), if the event is about a household the registry holds: not a
    転入 (those moving in are not in this municipality's registry yet)."""
    event = current_catalog().events.get(case.event_id)
    if event is None or event.idou_jiyuu == "転入":
        return None
    return next((r.id for r in event.repeated_roles), None)


def attach_household(case: Case, resident: Resident, user) -> list[CasePerson]:
    """Every current member of ``resident``'s household as a person of the case, with the registry's facts
    (source 住基). A member already on the case (same name and birth date) is updated, not added twice; a
    fact the clerk overrode with a reason is not replaced. Only staff who may search the whole registry
    may set a household they do not see (need-to-know, access.py)."""
    from madoguchi.web.juki import access

    catalog = current_catalog()
    role = household_role(case)
    if role is None:
        event = catalog.events.get(case.event_id)
        if event is not None and event.idou_jiyuu == "転入":
            raise HouseholdError(
                "転入する世帯はまだこの市の住民記録にありません。世帯員は来庁予定か窓口で入力します。"
            )
        raise HouseholdError("この手続きは世帯の全員を設定するものではありません。")
    if not access.whole_registry(user):
        raise HouseholdError("世帯の全員を住民記録から設定できるのは、住民記録を扱う課の職員です。")
    members = [m for m in resident.household.members.all() if m.status == "resident"]
    records = [m.to_record() for m in members]
    overridden = set(FactOverride.objects.filter(case=case).values_list("fact", flat=True))
    existing = list(CasePerson.objects.filter(case=case, role=role))
    by_identity = {(search_key(p.name), p.birth_date): p for p in existing}
    used = {int(p.key[1:]) for p in existing if p.key[1:].isdigit()}
    day = timezone.localdate()
    persons = []
    with transaction.atomic():
        for member, record in zip(members, records, strict=True):
            birth = member.birth_date.to_date()
            person = by_identity.get((search_key(member.name), birth))
            if person is None:
                n = next(i for i in range(1, len(used) + 2) if i not in used)
                used.add(n)
                person = CasePerson(case=case, role=role, key=f"p{n}")
            fill_row(person, from_registry(record), keep=NOT_IN_REGISTRY)
            person.updated_by = user
            person.save()
            persons.append(person)
            proposed = proposed_facts(record, records, role, on=day)
            filled = []
            for name, value in facts_for_catalog(proposed, catalog, case.event_id).items():
                key = person_key(name, person.key)
                if key in overridden:
                    continue
                save_answer(
                    case, catalog.facts[name], value, user, source=CaseFact.Source.REGISTRY, person=person.key
                )
                filled.append(key)
            CaseRegistryLink.objects.update_or_create(
                case=case,
                role=person.key,
                defaults={
                    "resident": member,
                    "facts": filled,
                    "attached_by": user,
                    "attached_at": timezone.now(),
                },
            )
        # What the city's own records say of the household as a whole.
        household_facts = {"household.child_allowance": any(r.child_allowance for r in records)}
        for name, value in facts_for_catalog(household_facts, catalog, case.event_id).items():
            if name not in overridden:
                save_answer(case, catalog.facts[name], value, user, source=CaseFact.Source.REGISTRY)
    return persons


@require_POST
@role_required(*COUNTER_ROLES)
def attach_household_view(request: HttpRequest, number: str) -> HttpResponse:
    if not number or len(number) > 20:
        raise Http404
    case = get_object_or_404(Case, number=number)
    atena = request.POST.get("atena", "")
    resident = (
        Resident.objects.filter(atena_no=atena).select_related("household").first()
        if atena and len(atena) <= 16
        else None
    )
    if case.status != Case.Status.OPEN:
        messages.error(request, "案内済みの案件は変更できません。")
    elif resident is None:
        messages.error(request, "住民記録にその方が見つかりません。検索からやり直してください。")
    else:
        try:
            persons = attach_household(case, resident, request.user)
        except HouseholdError as exc:
            messages.error(request, str(exc))
        else:
            audit(
                request,
                "registry.attach_household",
                case,
                household=resident.household_id,
                persons=len(persons),
            )
            messages.success(
                request,
                f"住民記録から世帯の {len(persons)} 人を設定しました。引越ししない方は「この方を外す」で外してください。",
            )
    return redirect("case-detail", number=case.number)
