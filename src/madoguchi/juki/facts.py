"""From registry records to the catalog's facts.

The registry proposes facts for a person in a role (``deceased`` or ``applicant``) and their household; the
catalog decides which it takes: only facts it defines, for the case's life event, that list ``registry``
among their sources. A value the registry cannot know for sure (a 不詳 date, an insurance the registry does
not hold) is left out, so the guide asks it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from madoguchi.case.sources import accepted_facts
from madoguchi.guide import FactValueError, parse_answer

from .records import ResidentRecord


def proposed_facts(
    person: ResidentRecord, household: list[ResidentRecord], role: str, on: date | None = None
) -> dict[str, Any]:
    """Every fact the registry can state about ``person`` as ``role`` (prefix ``deceased.``/``applicant.``)."""
    p = f"{role}."
    out: dict[str, Any] = {}
    born = person.birth_date.to_date()
    if born:
        out[p + "birth_date"] = born
    died = person.death_date
    if died:
        out[p + "death_date"] = died
    if person.kouki:
        out[p + "health_insurance"] = "kouki"
    elif person.kokuho:
        out[p + "health_insurance"] = "kokuho"
    out[p + "was_householder"] = person.relationship == "世帯主"
    out[p + "care_certified"] = bool(person.care_level)
    out[p + "seal_registered"] = person.seal_registered
    out[p + "foreign_resident"] = person.resident_kind == "foreign"
    out[p + "disability_handbook"] = person.handbook_grade is not None
    out[p + "child_allowance_recipient"] = person.child_allowance
    if person.pension_recipient is not None:
        out[p + "pension_recipient"] = person.pension_recipient
    if person.handbook_grade is not None:
        out[p + "handbook_status"] = "granted"
        out[p + "disability_grade"] = person.handbook_grade
        if person.handbook_type:
            out[p + "disability_type"] = person.handbook_type

    others = [m for m in household if m.atena_no != person.atena_no and m.is_current]
    day = died or on
    if role == "deceased":
        out["household.remaining_members"] = len(others)
        if day is not None:
            ages = [m.age_on(day) for m in others]
            if all(a is not None for a in ages):
                out["household.remaining_members_15_or_older"] = sum(1 for a in ages if a >= 15)
        # A child under 18 in the household makes it true; no such child proves nothing (one may live elsewhere).
        if day is not None and person.relationship in ("世帯主", "妻", "夫"):
            for m in others:
                age = m.age_on(day)
                if m.relationship == "子" and age is not None and age < 18:
                    out[p + "parent_of_minor_child"] = True
                    break
    return out


def facts_for_catalog(proposed: dict[str, Any], catalog, event_id: str) -> dict[str, Any]:
    """Keep what the catalog accepts from the registry for this life event, coerced to the fact's type."""
    out = {}
    for name, value in accepted_facts(proposed, catalog.facts, event_id, "registry").items():
        try:
            out[name] = parse_answer(catalog.facts[name], value, typed=True)
        except FactValueError:
            continue
    return out
