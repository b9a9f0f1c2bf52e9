"""Persons in rule evaluation: the facts of each person of a repeated role, and the scope a rule sees.

A case's values are one flat mapping (``deceased.death_date``, ``funeral.held`` …). The persons of a role
that has several persons (``member`` when a household moves) are kept under the reserved key
:data:`PERSONS`: ``{role: (PersonFacts, …)}``. Inside ``any member: …`` or a procedure that applies ``per:
member``, the rule sees a :class:`Scope`: that person's facts first, the case's values behind them, so
``member.age`` is the person's age and ``funeral.held`` is the case's.

A person's fact is named outside the scope by :func:`person_key` (``member.age@p2``), so questions, answers
and "waiting for" lists can say whose fact it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

PERSONS = "@persons"
_SEPARATOR = "@"


def person_key(fact: str, person_id: str) -> str:
    """The name of one person's fact outside their scope: ``member.age@p2``."""
    return f"{fact}{_SEPARATOR}{person_id}"


def split_key(key: str) -> tuple[str, str | None]:
    """``member.age@p2`` → (``member.age``, ``p2``); a case fact → (name, None)."""
    fact, sep, person = key.partition(_SEPARATOR)
    return (fact, person) if sep else (key, None)


def role_of(fact: str) -> str:
    """The first part of a fact name: its role for a person's fact (``member`` of ``member.age``)."""
    return fact.split(".", 1)[0]


@dataclass(slots=True)
class PersonFacts:
    """One person of a repeated role and what is known of them (their facts, named with the role's prefix)."""

    id: str
    role: str
    values: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # how a clerk names them: 「長男 太郎さん」

    @property
    def display(self) -> str:
        return self.label or self.id


class Scope(Mapping[str, Any]):
    """The values a rule sees inside one person's scope: the person's facts over the enclosing values."""

    __slots__ = ("base", "person", "_prefix")

    def __init__(self, base: Mapping[str, Any], person: PersonFacts):
        self.base = base
        self.person = person
        self._prefix = person.role + "."

    def get(self, name: str, default: Any = None) -> Any:
        if name.startswith(self._prefix):
            return self.person.values.get(name, default)
        return self.base.get(name, default)

    def __getitem__(self, name: str) -> Any:
        if name.startswith(self._prefix):
            return self.person.values[name]
        return self.base[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name.startswith(self._prefix):
            return name in self.person.values
        return name in self.base

    def __iter__(self) -> Iterator[str]:
        yield from self.person.values
        for name in self.base:
            if not name.startswith(self._prefix):
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def key_for(self, name: str) -> str:
        """The name of fact ``name`` outside every scope: qualified with the person it belongs to, if any."""
        if name.startswith(self._prefix):
            return person_key(name, self.person.id)
        if isinstance(self.base, Scope):
            return self.base.key_for(name)
        return name


def persons_of(values: Mapping[str, Any], role: str) -> tuple[PersonFacts, ...]:
    return values.get(PERSONS, {}).get(role, ())


def key_for(values: Mapping[str, Any], name: str) -> str:
    return values.key_for(name) if isinstance(values, Scope) else name
