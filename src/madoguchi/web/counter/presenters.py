"""Shape a case's guide result into what the templates and the PDF show (pure data, no HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from madoguchi.catalog import Catalog
from madoguchi.catalog.models import Department, Fact, Procedure
from madoguchi.guide import Outcome, answer_text, deadline_phrase
from madoguchi.rules.evaluate import format_value
from madoguchi.wareki import format_both, format_wareki
from madoguchi.web.counter import rowsql
from madoguchi.web.counter.models import CasePerson, ProcedureMark
from madoguchi.web.counter.services import CaseState

HANDLING_LABELS = {
    "office": "窓口で手続き",
    "external": "市役所以外",
    "automatic": "手続き不要（自動）",
    "guidance": "ご案内",
}


@dataclass
class ProcedureView:
    outcome: Outcome
    department: Department
    mark: ProcedureMark | None
    deadline_text: str
    waiting_labels: list[str] = field(default_factory=list)
    catalog: Any = field(default=None, repr=False, compare=False)

    @property
    def procedure(self) -> Procedure:
        return self.outcome.procedure

    @property
    def plan(self) -> str:
        return self.mark.plan if self.mark else ""

    @property
    def note(self) -> str:
        return self.mark.note if self.mark else ""

    @property
    def handling_label(self) -> str:
        return HANDLING_LABELS[self.procedure.handling]


@dataclass
class AnsweredFact:
    fact: Fact
    shown: str
    source: str
    skipped: bool


@dataclass
class DepartmentGroup:
    department: Department
    items: list[ProcedureView]


def deadline_text(procedure: Procedure, due: date | None, catalog: Catalog, event_id: str) -> str:
    d = procedure.deadline
    if d is None:
        return ""
    if due is not None:
        basis = f"（{d.basis}）" if d.basis else ""
        return f"{format_both(due)}まで{basis}"
    return deadline_phrase(catalog, event_id, d)


def _view(state: CaseState, outcome: Outcome) -> ProcedureView:
    catalog = state.catalog
    return ProcedureView(
        outcome=outcome,
        department=catalog.departments[outcome.procedure.department],
        mark=state.marks.get(outcome.id),
        deadline_text=deadline_text(outcome.procedure, outcome.deadline, catalog, state.case.event_id),
        waiting_labels=[catalog.facts[n].label for n in outcome.waiting_for if n in catalog.facts],
        catalog=catalog,
    )


def group_by_department(views: list[ProcedureView], order: list[str]) -> list[DepartmentGroup]:
    groups: dict[str, DepartmentGroup] = {}
    for v in sorted(views, key=lambda v: order.index(v.department.id)):
        groups.setdefault(v.department.id, DepartmentGroup(v.department, [])).items.append(v)
    return list(groups.values())


def _answered(state: CaseState) -> list[AnsweredFact]:
    out = []
    for name, row in sorted(state.rows.items(), key=lambda kv: (kv[1].sequence, kv[1].id)):
        fact = state.catalog.facts.get(name)
        if fact is None:
            continue
        if row.skipped:
            shown = "わからない（後で確認）"
        else:
            shown = answer_text(fact, state.known.get(name))
        out.append(AnsweredFact(fact, shown, row.get_source_display(), row.skipped))
    return out


def _derived(state: CaseState) -> list[tuple[Fact, str]]:
    out = []
    for name, _rule in state.guide.derivations:
        if name in state.result.values and name not in state.known:
            fact = state.catalog.facts[name]
            out.append((fact, format_value(fact, state.result.values[name])))
    return out


@dataclass
class PersonPanel:
    role: str
    label: str
    person: Any
    birth_text: str
    death_text: str


def _persons(state: CaseState) -> list[PersonPanel]:
    event = state.catalog.events[state.case.event_id]
    roles = ["deceased", "applicant"] if event.subject == "deceased" else ["applicant"]
    stored = {p.role: p for p in rowsql.select_models(CasePerson, case_id=state.case.pk)}
    labels = dict(CasePerson.PersonRole.choices)
    panels = []
    for role in roles:
        person = stored.get(role)
        birth = person.birth_date if person else None
        death = person.death_date if person else None
        panels.append(
            PersonPanel(
                role,
                labels[role],
                person,
                format_both(birth) if birth else "",
                format_both(death) if death else "",
            )
        )
    return panels


def case_page(state: CaseState, ask: str | None = None, error: str | None = None) -> dict[str, Any]:
    catalog, result = state.catalog, state.result
    order = list(catalog.departments)
    questions = result.questions
    current = None
    current_value: Any = None
    if ask and ask in catalog.facts and catalog.facts[ask].askable:
        current = catalog.facts[ask]
        current_value = state.known.get(ask)
    elif questions:
        current = questions[0].fact
    applicable = [_view(state, o) for o in result.applicable]
    in_office = [v for v in applicable if v.procedure.handling == "office"]
    elsewhere = [v for v in applicable if v.procedure.handling != "office"]
    return {
        "catalog": catalog,
        "case": state.case,
        "event": catalog.events[state.case.event_id],
        "current": current,
        "current_value": _input_value(current, current_value),
        "more_questions": [q.fact for q in questions if current is None or q.fact.name != current.name][:6],
        "question_count": len(questions),
        "answered": _answered(state),
        "derived": _derived(state),
        "groups": group_by_department(in_office, order),
        "elsewhere": group_by_department(elsewhere, order),
        "undetermined": [_view(state, o) for o in result.undetermined],
        "not_applicable": [_view(state, o) for o in result.not_applicable],
        "applicable_count": len(applicable),
        "error": error,
        "plans": ProcedureMark.Plan.choices,
        "is_open": state.case.status == state.case.Status.OPEN,
        "persons": _persons(state),
        "sexes": [("1", "男"), ("2", "女"), ("9", "不明")],
        "urls": _case_urls(state.case.number),
    }


def _case_urls(number: str) -> dict[str, str]:
    """The case's form targets, reversed once per page instead of once per card and row."""
    from django.urls import reverse

    names = {"answer": "case-answer", "forget": "case-forget", "mark": "case-mark", "note": "case-note"}
    urls = {key: reverse(name, kwargs={"number": number}) for key, name in names.items()}
    urls["person"] = reverse("case-person", kwargs={"number": number})
    return urls


def _input_value(fact: Fact | None, value: Any) -> str:
    if fact is None or value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sheet(state: CaseState) -> dict[str, Any]:
    """The 手続き案内票: what the family takes home."""
    catalog, result = state.catalog, state.result
    order = list(catalog.departments)
    views = [
        v for v in (_view(state, o) for o in result.applicable) if v.plan != ProcedureMark.Plan.NOT_NEEDED
    ]
    office = [v for v in views if v.procedure.handling == "office"]
    external = [v for v in views if v.procedure.handling in ("external", "guidance")]
    automatic = [v for v in views if v.procedure.handling == "automatic"]
    event = catalog.events[state.case.event_id]
    event_date = result.values.get(event.date_fact)
    return {
        "case": state.case,
        "municipality": catalog.municipality,
        "event": event,
        "event_date": format_both(event_date) if isinstance(event_date, date) else "",
        "issued": format_wareki(timezone.localdate()),
        "office_groups": group_by_department(office, order),
        "external_groups": group_by_department(external, order),
        "automatic": automatic,
        "undetermined": [_view(state, o) for o in result.undetermined],
        "today_count": sum(1 for v in office if v.plan == ProcedureMark.Plan.TODAY),
    }
