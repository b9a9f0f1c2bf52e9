"""Case values a form field can show, and the case data they are read from.

A field's ``value:`` is one reference, optionally compared with a literal (for check boxes)::

    applicant.name            a person attribute (applicant / deceased)
    deceased.death_date       dates are formatted by the field kind (和暦 or 西暦)
    case.number  today        the case number; the printing date
    municipality.name         the municipality (name, address, phone, postal_code)
    fact:funeral.date         a fact of the guide (choice facts print their Japanese label)
    fact:deceased.health_insurance == kokuho     true/false, for a check box
    applicant.sex == 2
    input:bank.account_number a value typed at the counter (no case data holds it)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from madoguchi.case.person import TEXT_ITEMS, Person

PERSON_ROLES = ("applicant", "deceased", "member")  # member: a row of a form's rows: (one per 世帯員)
PERSON_FIELDS = (*TEXT_ITEMS, "kyuuji", "tsusho", "name_alphabet")  # what a form field may name
PERSON_DATE_FIELDS = ("birth_date", "death_date")
CASE_FIELDS = ("number", "event", "idou_jiyuu")
MUNICIPALITY_FIELDS = ("name", "address", "phone", "postal_code", "prefecture", "full_name")

_REF = re.compile(
    r"""^\s*(?:
        (?P<fact>fact:(?P<fact_name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+))
      | (?P<input>input:(?P<input_key>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*))
      | (?P<today>today)
      | (?P<path>(?P<root>[a-z_]+)\.(?P<attr>[a-z_][a-z0-9_]*))
    )\s*(?:(?P<op>==|!=)\s*(?P<literal>[A-Za-z0-9_\-]+|"[^"]*"))?\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class ValueRef:
    source: str  # person | case | municipality | fact | input | today
    name: str  # applicant.name, number, funeral.date, bank.account_number, ''
    compare: tuple[str, str] | None = None  # (== or !=, literal)

    @property
    def role(self) -> str | None:
        return self.name.split(".")[0] if self.source == "person" else None

    @property
    def attr(self) -> str | None:
        return self.name.split(".")[1] if self.source == "person" else None

    def __str__(self) -> str:
        base = {"fact": f"fact:{self.name}", "input": f"input:{self.name}", "today": "today"}.get(
            self.source, f"{self.source}.{self.name}" if self.source != "person" else self.name
        )
        return base if self.compare is None else f"{base} {self.compare[0]} {self.compare[1]}"


def parse_value_ref(text: str) -> ValueRef:
    """Parse a field's ``value:``. Raises ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError("value must be text such as applicant.name or fact:NAME == VALUE")
    m = _REF.match(text)
    if not m:
        raise ValueError(
            f"cannot read value {text!r}; expected e.g. applicant.name, deceased.death_date, case.number, "
            "today, fact:NAME, fact:NAME == VALUE or input:KEY"
        )
    compare = None
    if m["op"]:
        compare = (m["op"], m["literal"].strip('"'))
    if m["fact"]:
        return ValueRef("fact", m["fact_name"], compare)
    if m["input"]:
        return ValueRef("input", m["input_key"], compare)
    if m["today"]:
        return ValueRef("today", "", compare)
    root, attr = m["root"], m["attr"]
    if root in PERSON_ROLES:
        if attr not in PERSON_FIELDS:
            raise ValueError(f"{root}.{attr}: unknown person attribute; known: {', '.join(PERSON_FIELDS)}")
        return ValueRef("person", f"{root}.{attr}", compare)
    if root == "case":
        if attr not in CASE_FIELDS:
            raise ValueError(f"case.{attr}: unknown; known: {', '.join('case.' + f for f in CASE_FIELDS)}")
        return ValueRef("case", attr, compare)
    if root == "municipality":
        if attr not in MUNICIPALITY_FIELDS:
            raise ValueError(f"municipality.{attr}: unknown; known: {', '.join(MUNICIPALITY_FIELDS)}")
        return ValueRef("municipality", attr, compare)
    raise ValueError(
        f"{root}.{attr}: unknown value; person values start with applicant., deceased. or member. (rows), "
        "facts with fact:"
    )


@dataclass
class CaseData:
    """Everything a form can be filled from."""

    number: str = ""
    event: str = ""
    event_name: str = ""
    idou_jiyuu: str = ""  # the event's 異動事由 (転入, 転居, 転出) where the catalog gives one
    today: date = field(default_factory=date.today)
    persons: dict[str, Person] = field(default_factory=dict)
    members: dict[str, list[Person]] = field(default_factory=dict)  # repeated role → its persons, in order
    facts: dict[str, Any] = field(default_factory=dict)  # typed fact values (derived ones included)
    fact_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # choice fact → value → label
    municipality: dict[str, str] = field(default_factory=dict)
    overrides: dict[tuple[str, str], str] = field(default_factory=dict)  # (form id, field) → typed value
    url: str = ""  # what the QR code encodes (the case page; never personal data)

    def lookup(self, ref: ValueRef) -> Any:
        """The raw value (None when unknown)."""
        if ref.source == "person":
            person = self.persons.get(ref.role or "")
            value = person.item(ref.attr) if person else None
            if value in (None, "") and ref.attr in PERSON_DATE_FIELDS:
                value = self.facts.get(ref.name)  # e.g. deceased.death_date is also a fact
            return value if value != "" else None
        if ref.source == "case":
            return {
                "number": self.number,
                "event": self.event_name or self.event,
                "idou_jiyuu": self.idou_jiyuu,
            }.get(ref.name) or None
        if ref.source == "municipality":
            return self.municipality.get(ref.name) or None
        if ref.source == "fact":
            return self.facts.get(ref.name)
        if ref.source == "today":
            return self.today
        return None  # input: only overrides hold it
