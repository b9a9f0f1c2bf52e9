"""The one place the shell turns a case's rows into the core's :class:`~madoguchi.case.CaseSnapshot`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.utils import timezone

from madoguchi.case import CaseSnapshot, Party, Person
from madoguchi.juki.dates import RegistryDate
from madoguchi.web.counter.models import Case, CasePerson
from madoguchi.web.juki.models import CaseRegistryLink


def person_of(row: CasePerson) -> Person:
    return Person(
        name=row.name,
        kana=row.kana,
        kana_confirmed=row.kana_confirmed,
        birth_date=RegistryDate.from_date(row.birth_date) if row.birth_date else None,
        death_date=row.death_date,
        sex=row.sex,
        postal_code=row.postal_code,
        address=row.address,
        phone=row.phone,
        relationship=row.relationship,
        zokugara=row.zokugara,
        source=row.source,
    )


# The person items a case's person row stores (方書 and the registry's keys are not typed on a case).
STORED_ITEMS = (
    "name",
    "kana",
    "kana_confirmed",
    "birth_date",
    "death_date",
    "sex",
    "postal_code",
    "address",
    "phone",
    "zokugara",
    "relationship",
)


def row_values(person: Person) -> dict:
    """The columns of a :class:`CasePerson` for ``person`` (the inverse of :func:`person_of`). A row has no
    方書 column: it is kept after the address, as the counter writes it."""
    values = {item: person.item(item) for item in STORED_ITEMS}
    if person.katagaki:
        values["address"] = f"{person.address}\u3000{person.katagaki}"
    return values


# What the registry does not hold: set from the registry, a person keeps what the clerk typed for these.
NOT_IN_REGISTRY = ("phone", "relationship")


def fill_row(
    row: CasePerson, person: Person, *, keep: tuple[str, ...] = (), only: tuple[str, ...] | None = None
) -> CasePerson:
    """Set a case person's columns from ``person`` (every source's one mapping ends here): all of them, or
    ``only`` those the source holds, never ``keep``."""
    for item, value in row_values(person).items():
        if item not in keep and (only is None or item in only):
            setattr(row, item, value)
    row.source = person.source
    return row


def _with_registry(person: Person, link: CaseRegistryLink | None) -> Person:
    """The registry's keys and other names for a person set from the registry (「この方を案件に設定」)."""
    if link is None:
        return person
    r = link.resident
    return replace(
        person,
        atena_no=r.atena_no,
        setai_no=r.household.setai_no,
        resident_kind=r.resident_kind,
        name_alphabet=r.name_alphabet,
        tsusho=r.tsusho,
        tsusho_kana=r.tsusho_kana,
        nationality=r.nationality,
    )


def _as_confirmed(person: Person, role: str, facts: dict) -> Person:
    """The person with the identity facts the clerk confirmed on the case (生年月日, 死亡日, 性別: the facts
    ``case.sources.person_facts`` names), so a record never says another date than the case's facts."""
    changes: dict = {}
    born, died, sex = (facts.get(f"{role}.{n}") for n in ("birth_date", "death_date", "sex"))
    if isinstance(born, date) and (person.birth is None or person.birth != born):
        changes["birth_date"] = RegistryDate.from_date(born)
    if isinstance(died, date):
        changes["death_date"] = died
    if isinstance(sex, str) and sex and sex != person.sex:
        changes["sex"] = sex
    return replace(person, **changes) if changes else person


def case_snapshot(case: Case, state) -> CaseSnapshot:
    """The case as the clerk sees it now: ``state`` is the counter's evaluated case state (facts, marks)."""
    links = {
        link.role: link
        for link in CaseRegistryLink.objects.filter(case=case).select_related("resident__household")
    }
    facts = {p.id: p.values for p in getattr(state.result, "persons", ())}
    values = dict(state.result.values)
    parties = tuple(
        Party(
            row.role,
            _as_confirmed(
                _with_registry(person_of(row), links.get(row.key)),
                row.role,
                facts[row.key] if row.key in facts else values,
            ),
            row.key,
            facts.get(row.key, {}),
        )
        for row in case.persons.order_by("id")
    )
    marks = getattr(state, "marks", None) or {}
    return CaseSnapshot(
        number=case.number,
        event_id=case.event_id,
        facts=values,
        parties=parties,
        marks={k: getattr(v, "plan", v) for k, v in marks.items()},
        mark_notes={k: v.note for k, v in marks.items() if getattr(v, "note", "")},
        status=case.status,
        finished_on=timezone.localdate(case.finished_at) if case.finished_at else None,
    )
