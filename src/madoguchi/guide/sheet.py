"""The 手続き案内票: what the family takes home, built from the catalog, the case snapshot and the guide's result.

Pure data for the HTML page and the PDF alike (one builder, so the two cannot disagree), testable without a
database. Sections follow where the family goes: the city hall's own desks (``kind: internal``), other
agencies (``kind: external``), what happens by itself (``handling: automatic``), and what is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from madoguchi.case.person import call_name
from madoguchi.case.snapshot import PLAN_LABELS, CaseSnapshot
from madoguchi.catalog import Catalog
from madoguchi.catalog.models import Department, LifeEvent, Municipality, Procedure
from madoguchi.guide.engine import GuideResult, Outcome, deadline_phrase
from madoguchi.rules.scope import split_key
from madoguchi.wareki import format_both, format_wareki


def deadline_text(procedure: Procedure, due: date | None, catalog: Catalog, event_id: str) -> str:
    """The deadline as the family reads it: the day (和暦 and 西暦), or the period when its start is not known."""
    d = procedure.deadline
    if d is None:
        return ""
    if due is not None:
        basis = f"（{d.basis}）" if d.basis else ""
        return f"{format_both(due)}まで{basis}"
    return deadline_phrase(catalog, event_id, d)


@dataclass(frozen=True)
class SheetLine:
    """One procedure (for one person, where it is per person) on the sheet."""

    outcome: Outcome
    department: Department
    person_label: str
    deadline_text: str
    overdue: bool  # the deadline is before the day the sheet is issued
    plan: str  # the clerk's mark: today | later | ''
    note: str
    waiting_labels: tuple[str, ...]  # what is still to be found out (undetermined lines)

    @property
    def procedure(self) -> Procedure:
        return self.outcome.procedure

    @property
    def title(self) -> str:
        return f"{self.procedure.name} — {self.person_label}" if self.person_label else self.procedure.name

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(self.procedure.documents)

    @property
    def plan_label(self) -> str:
        return PLAN_LABELS.get(self.plan, "")


@dataclass(frozen=True)
class SheetGroup:
    department: Department
    lines: tuple[SheetLine, ...]


@dataclass(frozen=True)
class GuidanceSheet:
    number: str
    municipality: Municipality
    event: LifeEvent
    issued: str  # 和暦
    event_date: str  # the event's date (和暦 and 西暦), '' when not known
    city_hall: tuple[SheetGroup, ...]
    elsewhere: tuple[SheetGroup, ...]
    automatic: tuple[SheetLine, ...]
    undetermined: tuple[SheetLine, ...]

    @property
    def today_count(self) -> int:
        return sum(1 for g in self.city_hall for line in g.lines if line.plan == "today")

    @property
    def overdue(self) -> tuple[SheetLine, ...]:
        return tuple(line for g in (*self.city_hall, *self.elsewhere) for line in g.lines if line.overdue)

    @property
    def settled(self) -> bool:
        """Every procedure is decided: nothing waits for an answer."""
        return not self.undetermined


def person_labels(snapshot: CaseSnapshot) -> dict[str, str]:
    """How the sheet names each person of a repeated role: 「長男 太郎さん」."""
    return {p.id: call_name(p.person) or p.id for p in snapshot.parties}


def build_sheet(catalog: Catalog, snapshot: CaseSnapshot, result: GuideResult, today: date) -> GuidanceSheet:
    event = catalog.events[snapshot.event_id]
    labels = person_labels(snapshot)

    def line(o: Outcome) -> SheetLine:
        return SheetLine(
            outcome=o,
            department=catalog.departments[o.procedure.department],
            person_label=labels.get(o.person, "") if o.person else "",
            deadline_text=deadline_text(o.procedure, o.deadline, catalog, snapshot.event_id),
            overdue=o.deadline is not None and o.deadline < today,
            plan=snapshot.marks.get(o.key, ""),
            note=snapshot.mark_notes.get(o.key, ""),
            waiting_labels=tuple(waiting_label(catalog, key, labels) for key in o.waiting_for),
        )

    lines = [line(o) for o in result.applicable if snapshot.marks.get(o.key) != "not_needed"]
    automatic = [x for x in lines if x.procedure.handling == "automatic"]
    going = [x for x in lines if x.procedure.handling != "automatic"]
    event_date = result.values.get(event.date_fact)
    return GuidanceSheet(
        number=snapshot.number,
        municipality=catalog.municipality,
        event=event,
        issued=format_wareki(today),
        event_date=format_both(event_date) if isinstance(event_date, date) else "",
        city_hall=_by_department([x for x in going if x.department.kind == "internal"], catalog),
        elsewhere=_by_department([x for x in going if x.department.kind == "external"], catalog),
        automatic=tuple(automatic),
        undetermined=tuple(line(o) for o in result.undetermined),
    )


def waiting_label(catalog: Catalog, key: str, labels: dict[str, str]) -> str:
    """A fact a procedure waits for, said for the person it is about (「長男 太郎さんの健康保険」)."""
    name, pid = split_key(key)
    fact = catalog.facts.get(name)
    label = fact.label if fact else name
    return f"{labels[pid]}の{label}" if pid in labels else label


def _by_department(lines: list[SheetLine], catalog: Catalog) -> tuple[SheetGroup, ...]:
    order = {d: i for i, d in enumerate(catalog.departments)}
    groups: dict[str, list[SheetLine]] = {}
    for x in sorted(lines, key=lambda x: order[x.department.id]):
        groups.setdefault(x.department.id, []).append(x)
    return tuple(SheetGroup(catalog.departments[d], tuple(items)) for d, items in groups.items())
