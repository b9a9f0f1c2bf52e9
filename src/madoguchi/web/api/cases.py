"""Creating and finishing cases outside the counter screens (the integration API, tests, the load bench).

Everything is validated before anything is written; then one transaction writes it all, so a bad payload
leaves nothing half-saved.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.guide import FactValueError, parse_answer
from madoguchi.web.counter.models import Case, CaseFact, CasePerson
from madoguchi.web.counter.services import audit, current_catalog, finish_case

PERSON_FIELDS = {
    "name": 100,
    "kana": 200,
    "postal_code": 8,
    "address": 300,
    "phone": 20,
    "relationship": 40,
}
PERSON_DATES = ("birth_date", "death_date")
# The API states what a caller was told (the resident's own entry, an interview, a 来庁予定 system): never
# that the registry or a card said it — those facts come only from the server's own registry and card reads.
SOURCES = {c.value for c in CaseFact.Source} - {CaseFact.Source.REGISTRY.value, CaseFact.Source.CARD.value}
EARLIEST = date(1868, 1, 1)  # 明治元年: no resident's date is older


class PayloadError(Exception):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _date(value: Any) -> date:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"存在しない日付です: {value}") from None
    raise ValueError("YYYY-MM-DD の日付で指定してください")


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
    for role, person in persons.items():
        for key in PERSON_DATES:
            if isinstance(person.get(key), date):
                why = _impossible(person[key], past=True)
                if why:
                    errors[f"persons.{role}.{key}"] = why
        born, died = person.get("birth_date"), person.get("death_date")
        if isinstance(born, date) and isinstance(died, date) and died < born:
            errors[f"persons.{role}.death_date"] = "生年月日より前の日付です"
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
    persons: dict[str, dict] = {}
    raw_persons = data.get("persons", {})
    if not isinstance(raw_persons, dict):
        errors["persons"] = "役割（applicant / deceased）をキーとするオブジェクトです"
        raw_persons = {}
    roles = {r.value for r in CasePerson.PersonRole}
    for role, person in raw_persons.items():
        if role not in roles:
            errors[f"persons.{role}"] = f"役割は {', '.join(sorted(roles))} です"
            continue
        if not isinstance(person, dict):
            errors[f"persons.{role}"] = "オブジェクトです"
            continue
        clean: dict[str, Any] = {}
        for key, value in person.items():
            where = f"persons.{role}.{key}"
            if key in PERSON_FIELDS:
                if not isinstance(value, str) or len(value) > PERSON_FIELDS[key]:
                    errors[where] = f"{PERSON_FIELDS[key]}文字以内の文字列です"
                else:
                    clean[key] = value
            elif key in PERSON_DATES:
                try:
                    clean[key] = _date(value)
                except ValueError as exc:
                    errors[where] = str(exc)
            elif key == "sex":
                if not isinstance(value, str) or value not in {s.value for s in CasePerson.Sex}:
                    errors[where] = "1（男）、2（女）、9（不明）のいずれかです"
                else:
                    clean[key] = value
            elif key == "kana_confirmed":
                if not isinstance(value, bool):
                    errors[where] = "true か false です"
                else:
                    clean[key] = value
            else:
                errors[where] = "未知の項目です"
        persons[role] = clean
    _check_dates(facts, persons, errors)
    if errors:
        raise PayloadError(errors)
    return {
        "event": event,
        "visitor_name": visitor,
        "note": note,
        "facts": facts,
        "persons": persons,
        "source": source,
        "finish": data.get("finish", False),
    }


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
        for role, person in clean["persons"].items():
            CasePerson.objects.create(case=case, role=role, source=clean["source"], updated_by=user, **person)
        audit(request, "case.create", case, event=clean["event"], via="api", facts=sorted(clean["facts"]))
        if clean["finish"]:
            case = finish_case(case, request)
    return case
