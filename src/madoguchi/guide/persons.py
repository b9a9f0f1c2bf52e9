"""Persons given from outside (JSON: the CLI, the API) → the guide's :class:`PersonFacts`, located errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from madoguchi.catalog.loader import Catalog
from madoguchi.guide.answers import FactValueError, parse_answer
from madoguchi.rules.scope import PersonFacts, role_of

_META = ("id", "role", "label")


def coerce_persons(catalog: Catalog, event_id: str, raw: Any) -> list[PersonFacts]:
    """``[{"id": "p1", "role": "member", "label": "長男 太郎さん", "member.age": 10, …}, …]``.

    Each person's facts are written with the role's prefix, as in rules; ``None`` means unknown."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FactValueError("persons", "expected a list of persons")
    event = catalog.events[event_id]
    repeated = {r.id for r in event.repeated_roles}
    persons: list[PersonFacts] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        where = f"persons[{index}]"
        if not isinstance(entry, Mapping):
            raise FactValueError(where, "expected an object with id, role and facts")
        pid, role = entry.get("id"), entry.get("role")
        if not isinstance(pid, str) or not pid.strip() or "@" in pid or len(pid) > 40:
            raise FactValueError(where, "id must be a short text without @")
        if pid in seen:
            raise FactValueError(where, f"id {pid!r} is given twice")
        seen.add(pid)
        if role not in repeated:
            known = ", ".join(sorted(repeated)) or "none in this event"
            raise FactValueError(where, f"role {role!r} is not a role with several persons ({known})")
        label = entry.get("label") or ""
        if not isinstance(label, str):
            raise FactValueError(where, "label must be text")
        values: dict[str, Any] = {}
        for name, value in entry.items():
            if name in _META:
                continue
            fact = catalog.facts.get(name)
            if fact is None or role_of(name) != role:
                raise FactValueError(f"{where}.{name}", f"not a fact of role {role}")
            if not fact.used_in(event_id):
                raise FactValueError(f"{where}.{name}", f"this fact is not part of life event {event_id!r}")
            if value is not None:
                values[name] = parse_answer(fact, value, typed=True)
        persons.append(PersonFacts(pid, role, values, label))
    return persons
