"""Glue between the database and the pure guide engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from madoguchi.case.person import call_name
from madoguchi.catalog import Catalog, get_catalog
from madoguchi.catalog.models import Fact
from madoguchi.guide import FactValueError, Guide, GuideResult, parse_answer
from madoguchi.guide import guide_for as cached_guide
from madoguchi.rules.scope import PersonFacts, person_key, split_key
from madoguchi.web.counter import rowsql
from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, CasePerson, ProcedureMark
from madoguchi.web.counter.snapshots import person_of
from madoguchi.web.project.clientip import client_ip


def current_catalog() -> Catalog:
    return get_catalog(settings.CATALOG_PATH)


def guide_for(event_id: str) -> Guide:
    return cached_guide(current_catalog(), event_id)


@dataclass(frozen=True, slots=True)
class FactRow:
    """One stored answer as the guide and the screens read it (a plain row: loading ~30 model instances with
    their JSON fields was the costliest part of reading a case)."""

    name: str
    value: Any
    skipped: bool
    source: str
    sequence: int
    id: int

    def get_source_display(self) -> str:
        return _SOURCE_LABELS.get(self.source, self.source)


_SOURCE_LABELS = dict(CaseFact.Source.choices)
_ROW_FIELDS = ("name", "value", "skipped", "source", "sequence", "id")


@dataclass
class CaseState:
    case: Case
    guide: Guide
    known: dict[str, Any]
    skipped: set[str]
    rows: dict[str, FactRow]
    marks: dict[str, ProcedureMark]
    result: GuideResult | None
    # The persons of the event's repeated roles (each 世帯員), their answered facts included; () otherwise.
    persons: tuple[PersonFacts, ...] = ()

    @property
    def catalog(self) -> Catalog:
        return self.guide.catalog


def person_label(row) -> str:
    """How the clerk and the questions name a person of a repeated role: 「長男 太郎さん」."""
    return call_name(person_of(row)) or row.key


def _persons(case: Case, guide: Guide, rows: dict[str, FactRow], skipped: set[str]) -> tuple:
    """The persons of the event's repeated roles with the facts answered about each (``member.age@p1``)."""
    repeated = [r.id for r in guide.event.repeated_roles]
    if not repeated:
        return ()  # おくやみ, 手帳: no extra query on the counter's hot path
    people = {
        p.key: PersonFacts(p.key, p.role, {}, person_label(p))
        for p in CasePerson.objects.filter(case=case, role__in=repeated).order_by("id")
    }
    for key, row in rows.items():
        name, pid = split_key(key)
        person, fact = people.get(pid or ""), guide.catalog.facts.get(name)
        if person is None or fact is None or not name.startswith(person.role + "."):
            continue
        if row.skipped:
            skipped.add(key)
            continue
        try:
            person.values[name] = parse_answer(fact, row.value, typed=True)
        except FactValueError:
            continue
    return tuple(people.values())


def load_state(case: Case, *, evaluate: bool = True) -> CaseState:
    """The case's answers and marks, and the guide's result for them (``evaluate=False`` leaves the result
    out for a caller about to change the answers, see ``record_answer``)."""
    guide = guide_for(case.event_id)
    rows = {
        r[0]: FactRow(*r)
        for r in rowsql.select(CaseFact, _ROW_FIELDS, order_by=("sequence", "id"), case_id=case.pk)
    }
    known: dict[str, Any] = {}
    skipped: set[str] = set()
    for name, row in rows.items():
        if "@" in name:
            continue  # a person's fact: read with the persons below
        fact = guide.catalog.facts.get(name)
        if fact is None:
            continue  # a fact the catalog no longer has: kept in the database, ignored by the guide
        if row.skipped:
            skipped.add(name)
            continue
        try:
            known[name] = parse_answer(fact, row.value, typed=True)
        except FactValueError:
            continue  # the catalog changed the fact's type; the question will be asked again
    persons = _persons(case, guide, rows, skipped)
    marks = {m.procedure_id: m for m in rowsql.select_models(ProcedureMark, case_id=case.pk)}
    result = guide.evaluate(known, skipped, persons=persons) if evaluate else None
    return CaseState(case, guide, known, skipped, rows, marks, result, persons)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _write_fact(
    case: Case, key: str, value: Any, user, skipped: bool, source: str, sequence: int, stored_id: int | None
) -> FactRow:
    """Write one answer: an UPDATE of the stored row ``stored_id`` the caller has just read, an INSERT when it
    read none (or the row has gone meanwhile). The counter's hottest write, without update_or_create's
    SELECT and savepoints, and without reading the row back: the new row is what was written."""
    now = timezone.now()
    values = {
        "value": None if skipped else _json(value),
        "skipped": skipped,
        "source": source,
        "updated_by_id": user.pk if user is not None else None,
        "updated_at": now,
        "sequence": sequence,
    }
    if stored_id is not None and rowsql.update(CaseFact, values, id=stored_id):
        return FactRow(key, values["value"], skipped, source, sequence, stored_id)
    row_id = rowsql.insert(CaseFact, case_id=case.pk, name=key, **values)
    return FactRow(key, values["value"], skipped, source, sequence, row_id)


# A fact read from the registry or a card is the case's record of that source: an answer from anywhere else
# replaces it (or 取消 clears it) only with the clerk's reason, kept as a FactOverride.
PROTECTED_SOURCES = frozenset({CaseFact.Source.REGISTRY.value, CaseFact.Source.CARD.value})


class FactRefused(ValueError):
    """A change to a fact the one write path refuses; the message is for the user (Japanese, no ids)."""


def guard_fact_write(
    case: Case, fact: Fact, stored: FactRow | None, source: str, reason: str | None, *, clearing=False
) -> None:
    """The rule every change of a case fact goes through: the case is open, and a registry or card fact is
    replaced by another source, or cleared, only with a reason."""
    if case.status != Case.Status.OPEN:
        raise FactRefused("案内済みの案件は変更できません。")
    if stored is None or stored.source not in PROTECTED_SOURCES or (reason or "").strip():
        return
    if not clearing and source in PROTECTED_SOURCES:
        return  # the registry or the card read again
    label = _SOURCE_LABELS.get(stored.source, stored.source)
    raise FactRefused(
        f"{fact.label}: {label}から取得した値です。変更・取消には理由の入力が必要です"
        "（「住基・カードの値を変更する（理由を記録）」から変更してください）。"
    )


def _record_override(case: Case, key: str, stored: FactRow | None, value: Any, reason: str, user) -> None:
    from madoguchi.web.juki.models import FactOverride

    FactOverride.objects.create(
        case=case,
        fact=key,
        old_value=stored.value if stored else None,
        old_source=stored.source if stored else "",
        new_value=_json(value),
        reason=reason.strip()[:500],
        user=user if user is not None and getattr(user, "pk", None) else None,
    )


def _stored_row(case: Case, key: str) -> FactRow | None:
    rows = rowsql.select(CaseFact, _ROW_FIELDS, case_id=case.pk, name=key)
    return FactRow(*rows[0]) if rows else None


@transaction.atomic
def forget_fact(case: Case, fact: Fact, user, *, key: str | None = None, reason: str | None = None) -> bool:
    """取消: the fact becomes unknown (a registry or card fact only with a reason). True when one was stored.
    ``key``: the stored name (``member.age@p1`` for a person's fact), the fact's name by default."""
    key = key or fact.name
    stored = _stored_row(case, key)
    guard_fact_write(case, fact, stored, CaseFact.Source.INTERVIEW, reason, clearing=True)
    if stored is None:
        return False
    if reason and reason.strip():
        _record_override(case, key, stored, None, reason, user)
    case.facts.filter(name=key).delete()
    return True


@transaction.atomic
def save_answer(
    case: Case,
    fact: Fact,
    value: Any,
    user,
    *,
    skipped: bool = False,
    source: str = "interview",
    person: str | None = None,
    reason: str | None = None,
) -> None:
    """Save one answer; ``person`` is the key of the person of a repeated role it is about. Raises
    FactRefused as ``guard_fact_write`` says; ``reason`` is recorded as a FactOverride."""
    key = person_key(fact.name, person) if person else fact.name
    # One query for both: the next sequence number and the row to update, if the fact is stored already.
    read = case.facts.aggregate(last=Max("sequence"), stored_id=Max("id", filter=Q(name=key)))
    stored = _stored_row(case, key) if read["stored_id"] is not None else None
    guard_fact_write(case, fact, stored, source, reason)
    if reason and reason.strip():
        _record_override(case, key, stored, None if skipped else value, reason, user)
    _write_fact(case, key, value, user, skipped, source, (read["last"] or 0) + 1, read["stored_id"])
    case.save(update_fields=["updated_at"])


def save_staff_person(case: Case, person: CasePerson, values: dict, user, *, repeated: bool) -> None:
    """The facts a person's identity states (生年月日, 死亡日, 性別) as staff typed them, through the one staff
    mapping (case.sources), as far as the catalog takes them from interview; a repeated role's person's facts
    are stored for that person."""
    from madoguchi.case.sources import accepted_facts, from_staff, person_facts

    catalog = current_catalog()
    typed = from_staff(values, source=person.source)
    facts = accepted_facts(person_facts(typed, person.role), catalog.facts, case.event_id, "interview")
    for name, value in facts.items():
        save_answer(
            case,
            catalog.facts[name],
            value,
            user,
            source=person.source,
            person=person.key if repeated else None,
        )


def lock_open_case(number: str) -> Case | None:
    """Lock the open case ``number`` for a change and mark it changed now, in one statement
    (``UPDATE … RETURNING``: the row lock and ``updated_at`` without a ``SELECT … FOR UPDATE`` round trip
    first). None when no open case has that number. Call inside a transaction."""
    changed = rowsql.update_returning(
        Case, {"updated_at": timezone.now()}, number=number, status=Case.Status.OPEN.value
    )
    return changed[0] if changed else None


def record_answer(
    state: CaseState,
    fact: Fact,
    value: Any,
    user,
    *,
    skipped: bool = False,
    source: str = "interview",
    person: str | None = None,
    reason: str | None = None,
) -> CaseState:
    """Save one answer to the case ``state`` was just loaded for (inside the caller's transaction, with the
    case locked and marked changed by ``lock_open_case``) and return the new state without reading the case
    again. ``person``: the key of the person of a repeated role the answer is about (None for a case fact)."""
    case = state.case
    key = person_key(fact.name, person) if person else fact.name
    next_seq = max((row.sequence for row in state.rows.values()), default=0) + 1
    stored = state.rows.get(key)
    guard_fact_write(case, fact, stored, source, reason)
    if reason and reason.strip():
        _record_override(case, key, stored, None if skipped else value, reason, user)
    row = _write_fact(case, key, value, user, skipped, source, next_seq, stored.id if stored else None)
    known, skipped_facts = dict(state.known), set(state.skipped)
    persons = state.persons
    skipped_facts.discard(key)
    if skipped:
        skipped_facts.add(key)
    typed = None if skipped else parse_answer(fact, value, typed=True)
    if person:
        persons = tuple(_answered(p, fact.name, typed) if p.id == person else p for p in persons)
    else:
        known.pop(fact.name, None)
        if not skipped:
            known[fact.name] = typed
    rows = {**state.rows, key: row}
    result = state.guide.evaluate(known, skipped_facts, persons=persons)
    return CaseState(case, state.guide, known, skipped_facts, rows, state.marks, result, persons)


def _answered(person: PersonFacts, name: str, value: Any) -> PersonFacts:
    values = {k: v for k, v in person.values.items() if k != name}
    if value is not None:
        values[name] = value
    return PersonFacts(person.id, person.role, values, person.label)


def audit(request, action: str, case: Case | None = None, **detail) -> None:
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and not user.is_authenticated:
        user = None
    ip = client_ip(request) if request is not None else None
    rowsql.insert(
        AuditEvent,
        at=timezone.now(),
        user_id=user.pk if user is not None else None,
        action=action,
        case_id=case.pk if case is not None else None,
        detail=detail,
        ip=ip,
    )


def finish_case(case: Case, request=None) -> Case:
    """Finish a case (the counter's button, the API) and send ``case_finished`` inside the same transaction,
    so the tasks and outbox records its receivers write commit or roll back with it."""
    from madoguchi.web.counter.signals import case_finished

    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status == Case.Status.OPEN:
            case.status = Case.Status.FINISHED
            case.finished_at = timezone.now()
            case.save(update_fields=["status", "finished_at", "updated_at"])
            audit(request, "case.finish", case)
            case_finished.send(sender=Case, case=case, request=request, state=load_state(case))
    return case
