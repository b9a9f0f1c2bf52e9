"""Shape a case's guide result into what the templates and the PDF show (pure data, no HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from madoguchi.case.vocab import COMMON_ZOKUGARA, SEX_LABELS
from madoguchi.catalog.models import Department, Fact, Procedure
from madoguchi.guide import Outcome, answer_text
from madoguchi.guide.sheet import GuidanceSheet, build_sheet, deadline_text, waiting_label
from madoguchi.rules.evaluate import format_value
from madoguchi.rules.scope import split_key
from madoguchi.wareki import format_both
from madoguchi.web.counter import rowsql
from madoguchi.web.counter.models import CasePerson, ProcedureMark
from madoguchi.web.counter.services import CaseState
from madoguchi.web.counter.snapshots import case_snapshot

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
    person_label: str = ""  # the person a per-person procedure is for (「妻 花子さん」)

    @property
    def procedure(self) -> Procedure:
        return self.outcome.procedure

    @property
    def title(self) -> str:
        """The procedure's name, with the person it is for (「国民健康保険の加入 — 妻 花子さん」)."""
        return f"{self.procedure.name} — {self.person_label}" if self.person_label else self.procedure.name

    @property
    def mark_key(self) -> str:
        """What the clerk's mark is stored under: the procedure, or the procedure for one person."""
        return self.outcome.key

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
    key: str = ""  # the stored answer's name (member.age@p1 for a person's fact)
    person_label: str = ""

    @property
    def label(self) -> str:
        return f"{self.person_label}: {self.fact.label}" if self.person_label else self.fact.label


@dataclass(frozen=True)
class AskedQuestion:
    """The question on screen: a fact, for the case or for one person (then its text names the person)."""

    fact: Fact
    name: str  # what the answer is posted under (the fact, or member.school@p2)
    question: str
    person_label: str = ""

    @property
    def label(self) -> str:
        return f"{self.person_label}: {self.fact.label}" if self.person_label else self.fact.label

    def __getattr__(self, item: str) -> Any:  # type, choices, unit, help … of the fact
        return getattr(self.fact, item)


@dataclass
class DepartmentGroup:
    department: Department
    items: list[ProcedureView]


def _labels(state: CaseState) -> dict[str, str]:
    return {p.id: p.display for p in state.persons}


def _view(state: CaseState, outcome: Outcome, labels: dict[str, str] | None = None) -> ProcedureView:
    catalog = state.catalog
    labels = _labels(state) if labels is None else labels
    return ProcedureView(
        outcome=outcome,
        department=catalog.departments[outcome.procedure.department],
        mark=state.marks.get(outcome.key),
        deadline_text=deadline_text(outcome.procedure, outcome.deadline, catalog, state.case.event_id),
        waiting_labels=[waiting_label(catalog, n, labels) for n in outcome.waiting_for],
        catalog=catalog,
        person_label=labels.get(outcome.person, "") if outcome.person else "",
    )


def group_by_department(views: list[ProcedureView], order: list[str]) -> list[DepartmentGroup]:
    groups: dict[str, DepartmentGroup] = {}
    for v in sorted(views, key=lambda v: order.index(v.department.id)):
        groups.setdefault(v.department.id, DepartmentGroup(v.department, [])).items.append(v)
    return list(groups.values())


def _answered(state: CaseState) -> list[AnsweredFact]:
    out = []
    persons = {p.id: p for p in state.persons}
    for key, row in sorted(state.rows.items(), key=lambda kv: (kv[1].sequence, kv[1].id)):
        name, pid = split_key(key)
        fact = state.catalog.facts.get(name)
        person = persons.get(pid) if pid else None
        if fact is None or (pid and person is None):
            continue
        if row.skipped:
            shown = "わからない（後で確認）"
        else:
            value = person.values.get(name) if person else state.known.get(name)
            shown = answer_text(fact, value)
        label = person.display if person else ""
        out.append(AnsweredFact(fact, shown, row.get_source_display(), row.skipped, key, label))
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
    key: str = ""  # the person's key on the case (a repeated role's persons: p1, p2 …)
    repeated: bool = False
    age_text: str = ""


@dataclass(frozen=True)
class RefusedPerson:
    """A person form the server refused: whose it was, the field and message, and what was typed (the
    unsaved person with the accepted fields; the refused field as typed)."""

    role: str
    key: str
    field: str
    message: str
    typed: str
    person: Any


@dataclass
class RolePanel:
    """A role with several persons (世帯員): one panel per person and an empty one to add the next."""

    role: str
    label: str
    persons: list[PersonPanel]
    new: PersonPanel


def _panel(role, person, key: str = "", age: Any = None) -> PersonPanel:
    birth = person.birth_date if person else None
    death = person.death_date if person else None
    label = role.label
    if person is not None and role.repeated:
        label = " ".join(x for x in (person.zokugara or person.relationship, person.name) if x) or role.label
    return PersonPanel(
        role.id,
        label,
        person,
        format_both(birth) if birth else "",
        format_both(death) if death else "",
        key,
        role.repeated,
        f"{age}歳" if isinstance(age, int) else "",
    )


def _persons(state: CaseState) -> tuple[list[PersonPanel], list[RolePanel]]:
    event = state.catalog.events[state.case.event_id]
    rows = rowsql.select_models(CasePerson, case_id=state.case.pk)
    single = {p.key: p for p in rows}
    panels = [_panel(role, single.get(role.id)) for role in event.roles if not role.repeated]
    groups = []
    derived = {p.id: p for p in (state.result.persons if state.result else ())}
    for role in event.repeated_roles:
        mine = sorted((p for p in rows if p.role == role.id), key=lambda p: p.pk)
        views = []
        for p in mine:
            values = derived[p.key].values if p.key in derived else {}
            views.append(_panel(role, p, p.key, values.get(f"{role.id}.age")))
        groups.append(RolePanel(role.id, role.label, views, _panel(role, None)))
    return panels, groups


def _current(state: CaseState, ask: str | None) -> tuple[AskedQuestion | None, Any]:
    """The question to show: the one the clerk chose (``ask``: a fact, or a person's fact) or the next one."""
    catalog, labels = state.catalog, _labels(state)
    if ask:
        name, pid = split_key(ask)
        fact = catalog.facts.get(name)
        if fact is not None and fact.askable and (pid is None or pid in labels):
            if pid is None:
                return AskedQuestion(fact, name, fact.question or fact.label), state.known.get(name)
            person = next(p for p in state.persons if p.id == pid)
            text = (fact.question or fact.label).replace("{person}", labels[pid])
            if "{person}" not in (fact.question or ""):
                text = f"{labels[pid]}: {text}"
            return AskedQuestion(fact, ask, text, labels[pid]), person.values.get(name)
    questions = state.result.questions
    if questions:
        q = questions[0]
        return AskedQuestion(q.fact, q.key, q.text, q.person_label if q.person else ""), None
    return None, None


def undetermined(state: CaseState) -> list[ProcedureView]:
    """The procedures still 未確定 (an answer they wait for is unknown), with what they wait for."""
    labels = _labels(state)
    return [_view(state, o, labels) for o in state.result.undetermined]


def case_page(state: CaseState, ask: str | None = None, error: str | None = None) -> dict[str, Any]:
    catalog, result = state.catalog, state.result
    person_panels, role_panels = _persons(state)
    order = list(catalog.departments)
    questions = result.questions
    current, current_value = _current(state, ask)
    labels = _labels(state)
    applicable = [_view(state, o, labels) for o in result.applicable]
    in_office = [v for v in applicable if v.procedure.handling == "office"]
    elsewhere = [v for v in applicable if v.procedure.handling != "office"]
    return {
        "catalog": catalog,
        "case": state.case,
        "event": catalog.events[state.case.event_id],
        "current": current,
        "current_value": _input_value(current, current_value),
        "more_questions": [
            AskedQuestion(q.fact, q.key, q.text, q.person_label if q.person else "")
            for q in questions
            if current is None or q.key != current.name
        ][:6],
        "question_count": len(questions),
        "answered": _answered(state),
        "derived": _derived(state),
        "groups": group_by_department(in_office, order),
        "elsewhere": group_by_department(elsewhere, order),
        "undetermined": [_view(state, o, labels) for o in result.undetermined],
        "not_applicable": [_view(state, o, labels) for o in result.not_applicable],
        "applicable_count": len(applicable),
        "error": error,
        "plans": ProcedureMark.Plan.choices,
        "is_open": state.case.status == state.case.Status.OPEN,
        "persons": person_panels,
        "role_panels": role_panels,
        "zokugara_choices": COMMON_ZOKUGARA,
        "sexes": list(SEX_LABELS.items()),
        "urls": _case_urls(state.case.number),
    }


def _case_urls(number: str) -> dict[str, str]:
    """The case's form targets, reversed once per page instead of once per card and row."""
    from django.urls import reverse

    names = {"answer": "case-answer", "forget": "case-forget", "mark": "case-mark", "note": "case-note"}
    urls = {key: reverse(name, kwargs={"number": number}) for key, name in names.items()}
    urls["person"] = reverse("case-person", kwargs={"number": number})
    urls["person_remove"] = reverse("case-person-remove", kwargs={"number": number})
    return urls


def _input_value(fact: Fact | None, value: Any) -> str:
    if fact is None or value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sheet(state: CaseState) -> GuidanceSheet:
    """The 手続き案内票 of the case as it is now (the page and the PDF take the same one)."""
    return build_sheet(state.catalog, case_snapshot(state.case, state), state.result, timezone.localdate())
