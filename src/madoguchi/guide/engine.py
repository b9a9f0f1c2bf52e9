"""The guide: from a life event and what is known so far, the procedures that apply, those still open, and
the next questions — ordered so that the one settling the most open procedures comes first.

Pure Python; the web shell, the CLI and the benchmark all call :meth:`Guide.evaluate`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from madoguchi.catalog.loader import Catalog
from madoguchi.catalog.models import Deadline, Fact, Procedure
from madoguchi.rules import ast
from madoguchi.rules.evaluate import UNKNOWN, CompiledRule
from madoguchi.rules.scope import (
    PERSONS,
    PersonFacts,
    Scope,
    key_for,
    person_key,
    persons_of,
    role_of,
    split_key,
)

APPLICABLE, UNDETERMINED, NOT_APPLICABLE = "applicable", "undetermined", "not_applicable"
EVERYONE = "この手続きはどなたも対象です"


@dataclass(frozen=True, slots=True)
class Outcome:
    procedure: Procedure
    status: str
    reasons: tuple[str, ...] = ()
    waiting_for: tuple[str, ...] = ()  # fact names; a person's fact as person_key (member.age@p2)
    deadline: date | None = None
    person: str | None = None  # the person it is for, when the procedure applies per person

    @property
    def id(self) -> str:
        return self.procedure.id

    @property
    def key(self) -> str:
        """The outcome on its case: the procedure, or the procedure for one person (kokuho-kanyu@p2) — what
        marks, tasks and deliveries are kept under."""
        return person_key(self.procedure.id, self.person) if self.person else self.procedure.id


@dataclass(frozen=True, slots=True)
class Question:
    fact: Fact
    settles: float  # expected number of open procedures decided by the answer
    person: str | None = None  # whose fact it asks for (a person of a repeated role)
    person_label: str = ""

    @property
    def name(self) -> str:
        return self.fact.name

    @property
    def key(self) -> str:
        """What the answer is stored under: the fact name, or the person's fact (member.age@p2)."""
        return person_key(self.fact.name, self.person) if self.person else self.fact.name

    @property
    def text(self) -> str:
        """The question for staff, naming the person it is about (「長男 太郎さん: …」)."""
        question = self.fact.question or self.fact.label
        if not self.person:
            return question
        if "{person}" in question:
            return question.replace("{person}", self.person_label)
        return f"{self.person_label}: {question}"


@dataclass(slots=True)
class GuideResult:
    event_id: str
    values: dict[str, Any]  # known facts, derived ones included (case facts; persons' facts are in persons)
    applicable: list[Outcome] = field(default_factory=list)
    undetermined: list[Outcome] = field(default_factory=list)
    not_applicable: list[Outcome] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    persons: tuple[PersonFacts, ...] = ()  # the persons of repeated roles, derived facts included

    @property
    def complete(self) -> bool:
        return not self.undetermined


def add_months(start: date, months: int) -> date:
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def deadline_date(deadline: Deadline | None, start: date | None) -> date | None:
    """The last day to act. Periods count from the next day (民法140条) unless the start day counts."""
    if deadline is None or start is None:
        return None
    try:
        first_day = start if deadline.first_day_counts else start + timedelta(days=1)
        if deadline.days is not None:
            return first_day + timedelta(days=deadline.days - 1)
        if deadline.months is not None:
            return _end_of_months(first_day, deadline.months)
        if deadline.years is not None:
            return _end_of_months(first_day, 12 * deadline.years)
    except (OverflowError, ValueError):  # past 9999-12-31: no date to show (an answer like 9999-12-31)
        return None
    return None


def _end_of_months(first_day: date, months: int) -> date:
    """The last day of a period of ``months`` starting on ``first_day`` (民法143条): the day before the day
    corresponding to ``first_day`` in the last month, or that month's last day when it has no such day.
    So a period starting on the 1st ends on a month end (2月28日の死亡 + 3か月 → 5月31日)."""
    month0 = first_day.month - 1 + months
    year, month = first_day.year + month0 // 12, month0 % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if first_day.day > last:
        return date(year, month, last)
    return date(year, month, first_day.day) - timedelta(days=1)


_PERIOD_UNITS = {"days": "日", "months": "か月", "years": "年"}


def deadline_period(deadline: Deadline) -> tuple[int, str]:
    """The fixed period of a deadline as (count, "days" | "months" | "years")."""
    if deadline.days is not None:
        return deadline.days, "days"
    if deadline.months is not None:
        return deadline.months, "months"
    return deadline.years or 0, "years"


def deadline_phrase(catalog: Catalog, event_id: str, deadline: Deadline) -> str:
    """A deadline's period said from the date it counts from, for when that date is not known yet:
    「亡くなった日から14日以内」, 「来庁日（申請日）から1か月以内」. The start is the deadline's own wording
    (``start_label``), else the label of its ``start`` fact or of the life event's date fact. A deadline
    with a ``text`` (速やかに) is said by it."""
    if deadline.text:
        return deadline.text
    count, unit = deadline_period(deadline)
    period = f"{count}{_PERIOD_UNITS[unit]}"
    start = deadline.start_label
    if start is None:
        start = f"{catalog.facts[deadline.start or catalog.events[event_id].date_fact].label}から"
    return f"{start}{period}以内"


class Guide:
    """The guide for one life event of one catalog. Build once, evaluate many times."""

    def __init__(self, catalog: Catalog, event_id: str):
        if event_id not in catalog.events:
            raise KeyError(event_id)
        self.catalog = catalog
        self.event = catalog.events[event_id]
        self.procedures: list[Procedure] = catalog.procedures_for(event_id)
        self.rules: list[CompiledRule] = [catalog.rules[p.id] for p in self.procedures]
        self.facts = catalog.facts
        self.repeated_roles = {r.id for r in self.event.repeated_roles}
        used = set().union(*(r.facts for r in self.rules)) if self.rules else set()
        # Derivations this event needs, in dependency order.
        needed = set(used)
        for name, rule in reversed(list(catalog.derivations.items())):
            if name in needed:
                needed |= rule.facts
        self.derivations: list[tuple[str, CompiledRule]] = [
            (n, r) for n, r in catalog.derivations.items() if n in needed
        ]
        # A derived fact of a repeated role (member.age) is computed for each of its persons.
        self._derivation_roles = [
            role if (role := role_of(n)) in self.repeated_roles else None for n, _ in self.derivations
        ]
        self._feeds_derivation = {dep for _, rule in self.derivations for dep in rule.facts}
        self._order = {name: i for i, name in enumerate(catalog.facts)}
        self._probes = self._probe_values()

    def _probe_values(self) -> dict[str, tuple[Any, ...]]:
        """Possible answers to try when scoring a question: every choice, yes/no, or the thresholds in rules."""
        probes: dict[str, set[Any]] = {}
        for name, fact in self.facts.items():
            if fact.type == "bool":
                probes[name] = {True, False}
            elif fact.type == "choice":
                probes[name] = set(fact.choice_values)
        numbers: dict[str, set[Any]] = {}
        params = self.catalog.param_values()
        for rule in [*self.rules, *(r for _, r in self.derivations)]:
            for node in ast.walk(rule.node):
                if not isinstance(node, ast.Compare):
                    continue
                # The threshold may be written on either side, as a number or as a parameter.
                for side, other in ((node.left, node.right), (node.right, node.left)):
                    if not isinstance(side, ast.FactRef) or side.name.startswith("param."):
                        continue
                    spec = self.facts.get(side.name)
                    c = _number(other, params)
                    if spec and spec.type == "int" and c is not None:
                        numbers.setdefault(spec.name, set()).update({c - 1, c, c + 1})
        for name, values in numbers.items():
            probes[name] = values
        return {k: tuple(sorted(v, key=repr)) for k, v in probes.items()}

    # -------------------------------------------------------------------------------------------

    def resolve(
        self, known: Mapping[str, Any], persons: Iterable[PersonFacts] = ()
    ) -> tuple[dict[str, Any], dict[str, frozenset[str]]]:
        """Known facts plus every derivation that can be computed; and, for those that cannot, what they wait for.

        ``persons`` are the persons of the event's repeated roles; each is copied, then given their derived
        facts. They are reachable in the returned values under :data:`PERSONS`."""
        values = dict(known)
        people: dict[str, list[PersonFacts]] = {}
        for p in persons:
            if p.role in self.repeated_roles:
                people.setdefault(p.role, []).append(PersonFacts(p.id, p.role, dict(p.values), p.label))
        if people:
            values[PERSONS] = {role: tuple(group) for role, group in people.items()}
        expand: dict[str, frozenset[str]] = {}
        for (name, rule), role in zip(self.derivations, self._derivation_roles, strict=True):
            if role is None:
                if name in values:
                    continue
                v = rule.evaluate(values)
                if v is UNKNOWN:
                    expand[name] = frozenset(rule.waiting_for(values, expand))
                else:
                    values[name] = v
                continue
            for person in people.get(role, ()):
                if name in person.values:
                    continue
                scope = Scope(values, person)
                v = rule.evaluate(scope)
                if v is UNKNOWN:
                    expand[person_key(name, person.id)] = frozenset(rule.waiting_for(scope, expand))
                else:
                    person.values[name] = v
        return values, expand

    def evaluate(
        self,
        known: Mapping[str, Any],
        skipped: Iterable[str] = (),
        explain: bool = True,
        persons: Iterable[PersonFacts] = (),
    ) -> GuideResult:
        """Evaluate every procedure of the event. ``skipped`` facts (answered わからない) are not asked again;
        a person's fact is skipped by its person_key. A procedure with ``per:`` is evaluated for each person of
        that role, with that person's facts only."""
        persons = tuple(persons)
        values, expand = self.resolve(known, persons)
        people = values.get(PERSONS)
        result = GuideResult(self.event.id, values)
        if people:
            result.values = {k: v for k, v in values.items() if k != PERSONS}
            result.persons = tuple(p for group in people.values() for p in group)
        event_date = values.get(self.event.date_fact)
        open_items: list[tuple[int, str | None]] = []
        waiting_sets: list[frozenset[str]] = []
        starts: set[str] = set()
        case_only = ((None, values),)
        for index, (proc, rule) in enumerate(zip(self.procedures, self.rules, strict=True)):
            targets = case_only if proc.per is None else self._targets(proc, values)
            for person, scope in targets:
                v = rule.evaluate(scope)
                deadline = proc.deadline
                start = scope.get(deadline.start) if deadline and deadline.start else event_date
                due = deadline_date(deadline, start if isinstance(start, date) else None)
                pid = person.id if person else None
                if v is UNKNOWN:
                    waiting = frozenset(rule.waiting_for(scope, expand))
                    open_items.append((index, pid))
                    waiting_sets.append(waiting)
                    result.undetermined.append(
                        Outcome(proc, UNDETERMINED, (), tuple(self._in_order(waiting)), due, pid)
                    )
                elif v:
                    reasons = tuple(rule.explain(scope, True)) if explain else ()
                    result.applicable.append(Outcome(proc, APPLICABLE, reasons or (EVERYONE,), (), due, pid))
                    if deadline and deadline.start:
                        starts.add(key_for(scope, deadline.start))
                else:
                    reasons = tuple(rule.explain(scope, False)) if explain else ()
                    result.not_applicable.append(Outcome(proc, NOT_APPLICABLE, reasons, (), due, pid))
        result.questions = self._questions(
            values, known, persons, expand, open_items, waiting_sets, set(skipped), starts
        )
        return result

    def _targets(self, proc: Procedure, values: Mapping[str, Any]):
        """(person, the values the rule sees) for each evaluation of ``proc``: once, or once per person."""
        if proc.per is None:
            return ((None, values),)
        return tuple((p, Scope(values, p)) for p in persons_of(values, proc.per))

    def _in_order(self, keys: Iterable[str]) -> list[str]:
        order = self._order
        return sorted(keys, key=lambda k: (order.get(k if "@" not in k else split_key(k)[0], 10**6), k))

    def _questions(
        self, values, known, persons, expand, open_items, waiting_sets, skipped, applicable_starts=()
    ) -> list[Question]:
        candidates: dict[str, list[tuple[int, str | None]]] = {}
        for item, waiting in zip(open_items, waiting_sets, strict=True):
            for key in waiting:
                candidates.setdefault(key, []).append(item)
        # The event date fixes every deadline: ask it while unknown even if no rule waits for it.
        event_fact = self.event.date_fact
        if event_fact not in values and event_fact not in candidates:
            candidates[event_fact] = []
        # A deadline counted from another date (the funeral) is asked once its procedure applies; it
        # decides no procedure, so it comes after the questions that do.
        for start in applicable_starts:
            fact_name, pid = split_key(start)
            if pid is None and start not in values:
                candidates.setdefault(start, [])
            elif pid is not None and not _has(values, fact_name, pid):
                candidates.setdefault(start, [])
        given = {p.id: p for p in persons}
        position = {p.id: i for i, p in enumerate(persons)} if persons else {}
        questions: list[Question] = []
        for key, items in candidates.items():
            name, pid = split_key(key) if "@" in key else (key, None)
            fact = self.facts.get(name)
            if fact is None or not fact.askable or key in skipped:
                continue
            if pid is None:
                if name in known:
                    continue
                questions.append(Question(fact, self._settles(key, values, known, persons, items)))
                continue
            person = given.get(pid)
            if person is None or name in person.values:
                continue
            settles = self._settles(key, values, known, persons, items)
            questions.append(Question(fact, settles, pid, person.display))
        questions.sort(
            key=lambda q: (
                q.fact.name != event_fact,
                -q.settles,
                self._order.get(q.fact.name, 0),
                position.get(q.person, -1),
            )
        )
        return questions

    def _settles(self, key: str, values, known, persons, items: list[tuple[int, str | None]]) -> float:
        """Expected number of the open procedures ``items`` decided by answering ``key``."""
        if not items:
            return 0.0
        name, pid = split_key(key)
        probes = self._probes.get(name)
        if not probes:
            return float(len(items))  # no answers to try (a date): assume it decides what waits for it
        total = 0
        for probe in probes:
            if pid is not None:
                trial, _ = self.resolve(known, _with_value(persons, pid, name, probe))
            elif name in self._feeds_derivation:
                trial, _ = self.resolve({**known, name: probe}, persons)
            else:
                trial = values.copy()
                trial[name] = probe
            for index, person_id in items:
                scope = (
                    trial if person_id is None else _scope_of(trial, self.procedures[index].per, person_id)
                )
                if scope is not None and self.rules[index].evaluate(scope) is not UNKNOWN:
                    total += 1
        return total / len(probes)


def _has(values: Mapping[str, Any], fact: str, person_id: str) -> bool:
    person = _person(values, role_of(fact), person_id)
    return person is not None and fact in person.values


def _person(values: Mapping[str, Any], role: str | None, person_id: str) -> PersonFacts | None:
    return next((p for p in persons_of(values, role) if p.id == person_id), None) if role else None


def _scope_of(values: Mapping[str, Any], role: str | None, person_id: str) -> Scope | None:
    person = _person(values, role, person_id)
    return Scope(values, person) if person is not None else None


def _with_value(persons: Iterable[PersonFacts], person_id: str, fact: str, value: Any) -> list[PersonFacts]:
    return [
        PersonFacts(p.id, p.role, {**p.values, fact: value}, p.label) if p.id == person_id else p
        for p in persons
    ]


def guide_for(catalog: Catalog, event_id: str) -> Guide:
    """The guide of ``event_id``, built once per loaded catalog (servers share it between requests)."""
    guide = catalog.guides.get(event_id)
    if guide is None:
        guide = catalog.guides[event_id] = Guide(catalog, event_id)
    return guide


def _number(node: ast.Node, params: Mapping[str, Any]) -> int | float | None:
    """The number a literal or a parameter stands for; None for anything else."""
    if isinstance(node, ast.Literal):
        value = node.value
    elif isinstance(node, ast.FactRef) and node.name.startswith("param."):
        value = params.get(node.name[len("param.") :])
    else:
        return None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
