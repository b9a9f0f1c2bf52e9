"""Creating and finishing cases outside the counter screens (the integration API, tests, the load bench).

Everything is validated before anything is written; then one transaction writes it all, so a bad payload
leaves nothing half-saved.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.case import Person
from madoguchi.case.sources import JSON_ITEMS, read_person
from madoguchi.guide import FactValueError, parse_answer
from madoguchi.web.counter.models import Case, CaseFact, CasePerson
from madoguchi.web.counter.services import audit, current_catalog, finish_case, save_staff_person
from madoguchi.web.counter.snapshots import STORED_ITEMS, row_values

# The API states what a caller was told (the resident's own entry, an interview, a 来庁予定 system): never
# that the registry or a card said it — those facts come only from the server's own registry and card reads.
SOURCES = {c.value for c in CaseFact.Source} - {CaseFact.Source.REGISTRY.value, CaseFact.Source.CARD.value}
EARLIEST = date(1868, 1, 1)  # 明治元年: no resident's date is older
PERSON_ITEMS = tuple(item for item in JSON_ITEMS if item in STORED_ITEMS)
MAX_REPEATED = 30  # persons of one repeated role (a household's members)


class PayloadError(Exception):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _impossible(value: date, *, past: bool) -> str | None:
    """Why a date cannot be a resident's (before 明治, or — for a birth or a death — after today)."""
    today = timezone.localdate()
    if value < EARLIEST:
        return f"{EARLIEST.isoformat()} より前の日付は指定できません"
    if past and value > today:
        return "今日より後の日付は指定できません"
    if value > today + timedelta(days=5 * 366):
        return "5年より先の日付は指定できません"
    return None


def _check_dates(facts: dict, persons: dict, errors: dict) -> None:
    """Birth and death dates that cannot be: out of range, or a death before the birth."""
    for name, value in facts.items():
        if isinstance(value, date):
            why = _impossible(value, past=name.endswith((".birth_date", ".death_date")))
            if why:
                errors[f"facts.{name}"] = why
    for where, person in persons.items():
        for key, value in (("birth_date", person.birth), ("death_date", person.death_date)):
            why = _impossible(value, past=True) if value is not None else None
            if why:
                errors[f"{where}.{key}"] = why
        if person.birth and person.death_date and person.death_date < person.birth:
            errors[f"{where}.death_date"] = "生年月日より前の日付です"
    roles = {name.rsplit(".", 1)[0] for name in facts if name.endswith(".birth_date")}
    for role in roles:
        born, died = facts.get(f"{role}.birth_date"), facts.get(f"{role}.death_date")
        if isinstance(born, date) and isinstance(died, date) and died < born:
            errors[f"facts.{role}.death_date"] = "生年月日より前の日付です"


def validate_payload(data: Any) -> dict:
    """Check a case payload; return the cleaned values or raise PayloadError with one message per field."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict):
        raise PayloadError({"": "JSON オブジェクトを送ってください"})
    allowed = {"event", "visitor_name", "facts", "persons", "source", "finish", "note"}
    for key in sorted(set(data) - allowed):
        errors[key] = "未知の項目です"
    catalog = current_catalog()
    event = data.get("event")
    if not isinstance(event, str) or event not in catalog.events:
        errors["event"] = f"ライフイベントIDを指定してください（{', '.join(catalog.events)}）"
    source = data.get("source", "resident")
    if not isinstance(source, str) or source not in SOURCES:
        errors["source"] = f"{', '.join(sorted(SOURCES))} のいずれかです"
    visitor = data.get("visitor_name", "")
    if not isinstance(visitor, str) or len(visitor) > 100:
        errors["visitor_name"] = "100文字以内の文字列です"
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 4000:
        errors["note"] = "4000文字以内の文字列です"
    if not isinstance(data.get("finish", False), bool):
        errors["finish"] = "true か false です"
    facts: dict[str, Any] = {}
    raw_facts = data.get("facts", {})
    if not isinstance(raw_facts, dict):
        errors["facts"] = "事実名をキーとするオブジェクトです"
        raw_facts = {}
    for name, value in raw_facts.items():
        fact = catalog.facts.get(name)
        if fact is None or (isinstance(event, str) and not fact.used_in(event)):
            errors[f"facts.{name}"] = "この出来事にない事実名です"
            continue
        if fact.derive is not None:
            errors[f"facts.{name}"] = "ほかの事実から計算される事実です（送らないでください）"
            continue
        try:
            facts[name] = parse_answer(fact, value, typed=True)
        except FactValueError as exc:
            errors[f"facts.{name}"] = str(exc)
    people = _read_persons(
        catalog.events.get(event) if isinstance(event, str) else None,
        data,
        source if "source" not in errors else "resident",
        errors,
    )
    _check_dates(facts, {f"persons.{k}": p for k, (_, p) in people.items()}, errors)
    if errors:
        raise PayloadError(errors)
    return {
        "event": event,
        "visitor_name": visitor,
        "note": note,
        "facts": facts,
        "persons": people,
        "source": source,
        "finish": data.get("finish", False),
    }


def _read_persons(event, data: dict, source: str, errors: dict) -> dict[str, tuple[str, Person]]:
    """The payload's persons through the core's one JSON reader (case.sources.read_person), for the event's
    roles: ``{"applicant": {…}, "member": [{…}, …]}`` (a repeated role is a list). Returns
    ``{where: (role, person)}``, ``where`` naming the person in messages (``member.0``)."""
    people: dict[str, tuple[str, Person]] = {}
    raw = data.get("persons", {})
    roles = event.roles if event is not None else []
    if not isinstance(raw, dict):
        names = ", ".join(r.id for r in roles) or "applicant など"
        errors["persons"] = f"役割（{names}）をキーとするオブジェクトです"
        return people
    for role_id, given in raw.items():
        role = event.role(role_id) if event is not None and isinstance(role_id, str) else None
        if role is None and event is not None:
            errors[f"persons.{role_id}"] = f"この出来事の役割は {', '.join(r.id for r in roles)} です"
            continue
        if role is not None and role.repeated:
            if not isinstance(given, list) or len(given) > MAX_REPEATED:
                errors[f"persons.{role_id}"] = (
                    f"{role.label}ごとのオブジェクトの配列です（{MAX_REPEATED}人まで）"
                )
                continue
            entries = [(f"{role_id}.{i}", item) for i, item in enumerate(given)]
        else:
            entries = [(role_id, given)]
        for where, item in entries:
            person, problems = read_person(item, items=PERSON_ITEMS, source=source)
            for field, message in problems.items():
                errors[f"persons.{where}.{field}" if field else f"persons.{where}"] = message
            people[where] = (role_id, person)
    return people


def create_case(data: Any, user, request=None) -> Case:
    """Validate, then write the case, its facts and persons (and finish it) in one transaction."""
    clean = validate_payload(data)
    catalog = current_catalog()
    with transaction.atomic():
        case = Case.objects.create(
            catalog_id=catalog.municipality.id,
            event_id=clean["event"],
            created_by=user,
            visitor_name=clean["visitor_name"],
            note=clean["note"],
        )
        case.assign_number()
        case.save(update_fields=["number"])
        for seq, (name, value) in enumerate(clean["facts"].items(), start=1):
            CaseFact.objects.create(
                case=case,
                name=name,
                value=value.isoformat() if isinstance(value, date) else value,
                source=clean["source"],
                updated_by=user,
                sequence=seq,
            )
        event = catalog.events[clean["event"]]
        for n, (role_id, person) in enumerate(clean["persons"].values(), start=1):
            repeated = event.role(role_id).repeated
            row = CasePerson.objects.create(
                case=case,
                role=role_id,
                key=f"p{n}" if repeated else role_id,
                source=clean["source"],
                updated_by=user,
                **row_values(person),
            )
            if repeated:  # a member's own facts (生年月日, 性別) come only with the person
                save_staff_person(case, row, row_values(person), user, repeated=True)
        audit(request, "case.create", case, event=clean["event"], via="api", facts=sorted(clean["facts"]))
        if clean["finish"]:
            case = finish_case(case, request)
    return case
