"""Turn answers from outside (JSON, a form post) into typed fact values, naming the fact on any error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from madoguchi.catalog.models import Fact


class FactValueError(ValueError):
    def __init__(self, fact: str, message: str):
        self.fact = fact
        super().__init__(f"{fact}: {message}")


def coerce_value(fact: Fact, raw: Any) -> Any:
    """``raw`` as the fact's type. Dates accept ``YYYY-MM-DD`` strings (and date objects)."""
    name = fact.name
    if fact.type == "bool":
        if isinstance(raw, bool):
            return raw
        raise FactValueError(name, f"expected true or false, got {raw!r}")
    if fact.type == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            else:
                raise FactValueError(name, f"expected a whole number, got {raw!r}")
        if fact.min is not None and raw < fact.min:
            raise FactValueError(name, f"{raw} is below the minimum {fact.min}")
        if fact.max is not None and raw > fact.max:
            raise FactValueError(name, f"{raw} is above the maximum {fact.max}")
        return raw
    if fact.type == "date":
        if isinstance(raw, date):
            return raw
        # Exactly YYYY-MM-DD: date.fromisoformat alone also takes 2026-W01-1 and 20260101.
        if isinstance(raw, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                _bad_date(name, raw)
        _bad_date(name, raw)
    if fact.type == "choice":
        if isinstance(raw, str) and raw in fact.choice_values:
            return raw
        allowed = ", ".join(fact.choice_values)
        raise FactValueError(name, f"{raw!r} is not one of: {allowed}")
    if fact.type == "text":
        if isinstance(raw, str) and len(raw) <= 2000:
            return raw
        raise FactValueError(name, "expected text of at most 2000 characters")
    raise FactValueError(name, f"unsupported fact type {fact.type}")  # pragma: no cover


def _bad_date(name: str, raw: Any):
    raise FactValueError(name, f"expected a date as YYYY-MM-DD, got {raw!r}")


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
        values[name] = coerce_value(fact, value)
    return values


def to_json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
