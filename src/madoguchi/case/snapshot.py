"""The case as one value: what forms, the guidance sheet, delivery and the API take.

The Django models persist a case; the shell turns its rows into a :class:`CaseSnapshot` in one place
(``madoguchi.web.counter.snapshots``). Everything downstream reads the snapshot, so it can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from madoguchi.case.person import Person

# The clerk's mark on a procedure (the one vocabulary; the shell's choices are built from it).
PLAN_LABELS = {"today": "本日手続き", "later": "後日", "not_needed": "不要"}


@dataclass(frozen=True, slots=True)
class Party:
    """A person in a role on the case. ``id`` tells persons of a repeated role apart (the role for others);
    ``facts`` are that person's facts (``member.health_insurance``), for repeated roles."""

    role: str
    person: Person
    id: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    number: str
    event_id: str
    facts: Mapping[str, Any]  # known facts of the case, derived ones included
    parties: tuple[Party, ...] = ()
    marks: Mapping[str, str] = field(default_factory=dict)  # procedure id -> today | later | not_needed
    mark_notes: Mapping[str, str] = field(default_factory=dict)  # procedure id -> the clerk's note
    status: str = "open"
    finished_on: date | None = None

    def person(self, role: str) -> Person | None:
        """The person in a role with one person (the first, for a repeated role)."""
        return next((p.person for p in self.parties if p.role == role), None)

    def party(self, party_id: str) -> Party | None:
        """One person of the case by id (p1, p2 … for a repeated role's persons)."""
        return next((p for p in self.parties if p.id == party_id), None)

    def of_role(self, role: str) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.role == role)
