"""Read a JSON mapping of answers (the CLI's facts file) into typed fact values, naming the fact on any error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from madoguchi.catalog.models import Fact
from madoguchi.guide.answers import FactValueError, parse_answer


def coerce_facts(
    facts: Mapping[str, Fact], raw: Mapping[str, Any], event_id: str | None = None
) -> dict[str, Any]:
    """Coerce a flat ``{fact name: value}`` mapping. ``None`` means unknown and is dropped."""
    if not isinstance(raw, Mapping):
        raise FactValueError("(facts)", "expected a JSON object keyed by fact name")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        fact = facts.get(name)
        if fact is None:
            raise FactValueError(str(name), "unknown fact name")
        if event_id and not fact.used_in(event_id):
            raise FactValueError(name, f"this fact is not part of life event {event_id!r}")
        if value is None:
            continue
        values[name] = parse_answer(fact, value, typed=True)
    return values


def to_json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
