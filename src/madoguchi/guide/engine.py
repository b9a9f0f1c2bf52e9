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
        # Whether a case-level derivation reads persons' facts (any member: …): then a trial answer about
        # one person must re-resolve everything; otherwise only that person's own derivations.
        self._case_derivations_read_persons = any(
            role is None and any(role_of(f) in self.repeated_roles for f in rule.facts)
            for (_, rule), role in zip(self.derivations, self._derivation_roles, strict=True)
        )
        self._order = {name: i for i, name in enumerate(catalog.facts)}
        self._probes = self._probe_values()
        # A rule's outcome depends only on the facts it reads and, for an unknown derived fact, on what that
        # derivation reads: evaluations are memoised on those values (a household's other members do not
        # change when one of them answers). Rules reading several persons (any member: …) are not memoised.
        derived_inputs = {name: rule.facts for name, rule in catalog.derivations.items()}
        # Per rule, the case-level facts it depends on (a person's own facts are covered by the signature of
        # all that person's facts); None for rules that are not memoised.
        self._inputs: list[tuple[str, ...] | None] = [
            None
            if any(isinstance(n, ast.Quantified) for n in ast.walk(rule.node))
            else tuple(
                sorted(
                    n for n in _closure(rule.facts, derived_inputs) if role_of(n) not in self.repeated_roles
                )
            )
            for rule in self.rules
        ]
        self._memo: dict[tuple, tuple] = {}
        # Per repeated role, its per-person procedures and the case facts they read: all of one person's
        # outcomes are memoised together when every such rule can be.
        self._per_person: dict[str, tuple[tuple[int, ...], tuple[str, ...] | None]] = {}
        for role in self.repeated_roles:
            indexes = tuple(i for i, p in enumerate(self.procedures) if p.per == role)
            inputs = [self._inputs[i] for i in indexes]
            names = None if any(x is None for x in inputs) else tuple(sorted(set().union(*inputs)))
            self._per_person[role] = (indexes, names)

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
        sigs: dict[int, tuple] = {}  # the signature of each person's facts, computed once
        blocks: dict[str, dict[int, tuple[Any, Any]]] = {}
        targets_of: dict[str, tuple] = {}
        for index, (proc, rule) in enumerate(zip(self.procedures, self.rules, strict=True)):
            if proc.per is None:
                targets = case_only
            else:
                targets = targets_of.get(proc.per)
                if targets is None:
                    targets = targets_of[proc.per] = self._targets(proc, values)
            for person, scope in targets:
                pid = person.id if person else None
                if person is None:
                    v, detail = self._outcome(index, rule, scope, expand, explain, sigs)
                else:
                    block = blocks.get(pid)
                    if block is None:
                        block = blocks[pid] = self._person_outcomes(person, values, expand, explain, sigs)
                    v, detail = block[index]
                deadline = proc.deadline
                start = scope.get(deadline.start) if deadline and deadline.start else event_date
                due = deadline_date(deadline, start if isinstance(start, date) else None)
                if v is UNKNOWN:
                    open_items.append((index, pid))
                    waiting_sets.append(detail)
                    result.undetermined.append(
                        Outcome(proc, UNDETERMINED, (), self._ordered(detail), due, pid)
                    )
                elif v:
                    result.applicable.append(Outcome(proc, APPLICABLE, detail or (EVERYONE,), (), due, pid))
                    if deadline and deadline.start:
                        starts.add(key_for(scope, deadline.start))
                else:
                    result.not_applicable.append(Outcome(proc, NOT_APPLICABLE, detail, (), due, pid))
        result.questions = self._questions(
            values, known, persons, expand, open_items, waiting_sets, set(skipped), starts, sigs
        )
        return result

    def _signature(self, index: int, scope: Mapping[str, Any], sigs: dict) -> tuple | None:
        """What rule ``index``'s outcome in ``scope`` depends on, hashable; None when it is not memoised."""
        names = self._inputs[index]
        if names is None:
            return None
        if isinstance(scope, Scope):
            person = _person_signature(scope.person, sigs)
            if person is None:
                return None
            base = scope.base
        else:
            person, base = (), scope
        key = (index, person, *(base.get(n, _ABSENT) for n in names))
        try:
            hash(key)
        except TypeError:  # a list value (several choices): evaluate without the memo
            return None
        return key

    def _remember(self, key: tuple, value: tuple) -> None:
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()  # bounded: a long-running server starts afresh rather than grow
        self._memo[key] = value

    def _outcome(self, index, rule, scope, expand, explain: bool, sigs: dict) -> tuple[Any, Any]:
        """(value, detail): detail is what an undetermined rule waits for, or the reasons of a decided one."""
        key = self._signature(index, scope, sigs)
        if key is not None:
            key = (*key, explain)
            hit = self._memo.get(key)
            if hit is not None:
                return hit
        v = rule.evaluate(scope)
        if v is UNKNOWN:
            detail: Any = frozenset(rule.waiting_for(scope, expand))
        elif explain:
            detail = tuple(rule.explain(scope, bool(v)))
        else:
            detail = ()
        if key is not None:
            self._remember(key, (v, detail))
        return v, detail

    def _person_outcomes(self, person, values, expand, explain: bool, sigs: dict) -> dict[int, tuple]:
        """(value, detail) of every per-person procedure for ``person``, memoised as one block."""
        indexes, names = self._per_person[person.role]
        key = None
        if names is not None:
            signature = _person_signature(person, sigs)
            if signature is not None:
                key = ("person", signature, explain, *(values.get(n, _ABSENT) for n in names))
                try:
                    hit = self._memo.get(key)
                except TypeError:
                    key = hit = None
                if hit is not None:
                    return hit[0]
        scope = Scope(values, person)
        block = {i: self._outcome(i, self.rules[i], scope, expand, explain, sigs) for i in indexes}
        if key is not None:
            self._remember(key, (block,))
        return block

    def _decided(self, index: int, scope: Mapping[str, Any], sigs: dict) -> bool:
        key = self._signature(index, scope, sigs)
        if key is None:
            return self.rules[index].evaluate(scope) is not UNKNOWN
        key = (*key, "decided")
        hit = self._memo.get(key)
        if hit is None:
            hit = (self.rules[index].evaluate(scope) is not UNKNOWN,)
            self._remember(key, hit)
        return hit[0]

    def _targets(self, proc: Procedure, values: Mapping[str, Any]):
        """(person, the values the rule sees) for each evaluation of ``proc``: once, or once per person."""
        if proc.per is None:
            return ((None, values),)
        return tuple((p, Scope(values, p)) for p in persons_of(values, proc.per))

    def _ordered(self, waiting: frozenset[str]) -> tuple[str, ...]:
        key = ("order", waiting)
        hit = self._memo.get(key)
        if hit is None:
            hit = (tuple(self._in_order(waiting)),)
            self._remember(key, hit)
        return hit[0]

    def _in_order(self, keys: Iterable[str]) -> list[str]:
        order = self._order
        return sorted(keys, key=lambda k: (order.get(k if "@" not in k else split_key(k)[0], 10**6), k))

    def _questions(
        self,
        values,
        known,
        persons,
        expand,
        open_items,
        waiting_sets,
        skipped,
        applicable_starts=(),
        sigs=None,
    ) -> list[Question]:
        sigs = {} if sigs is None else sigs
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
                questions.append(Question(fact, self._settles(key, values, known, persons, items, sigs)))
                continue
            person = given.get(pid)
            if person is None or name in person.values:
                continue
            settles = self._settles(key, values, known, persons, items, sigs)
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

    def _settles(
        self, key: str, values, known, persons, items: list[tuple[int, str | None]], sigs: dict
    ) -> float:
        """Expected number of the open procedures ``items`` decided by answering ``key``."""
        if not items:
            return 0.0
        name, pid = split_key(key)
        probes = self._probes.get(name)
        if not probes:
            return float(len(items))  # no answers to try (a date): assume it decides what waits for it
        memo_key = self._settles_signature(key, pid, values, items, sigs)
        if memo_key is not None and (hit := self._memo.get(memo_key)) is not None:
            return hit[0]
        total = 0
        person = None
        if pid is not None and not self._case_derivations_read_persons:
            person = next((p for p in persons if p.id == pid), None)
        for probe in probes:
            if person is not None:
                trial = self._with_person_value(values, person, name, probe)
            elif pid is not None:
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
                if scope is not None and self._decided(index, scope, sigs):
                    total += 1
        if memo_key is not None:
            self._remember(memo_key, (total / len(probes),))
        return total / len(probes)

    def _settles_signature(self, key: str, pid: str | None, values, items, sigs: dict) -> tuple | None:
        """What the score of a question about one person depends on, when every rule waiting for it is about
        that person alone: that person's facts and the case facts those rules read."""
        if pid is None or self._case_derivations_read_persons:
            return None
        names: set[str] = set()
        for index, person_id in items:
            inputs = self._inputs[index]
            if inputs is None or person_id != pid:
                return None
            names.update(inputs)
        person = next((p for p in persons_of(values, role_of(split_key(key)[0])) if p.id == pid), None)
        signature = _person_signature(person, sigs) if person is not None else None
        if signature is None:
            return None
        key_ = ("settles", key, tuple(items), signature, *(values.get(n, _ABSENT) for n in sorted(names)))
        try:
            hash(key_)
        except TypeError:
            return None
        return key_

    def _with_person_value(self, values, person: PersonFacts, name: str, value: Any) -> dict[str, Any]:
        """``values`` (resolved) with one person's fact set to ``value`` and only that person's derivations
        computed again — what :meth:`resolve` would give when no case-level derivation reads persons."""
        fresh = PersonFacts(person.id, person.role, {**person.values, name: value}, person.label)
        people = values[PERSONS]
        trial = values.copy()
        trial[PERSONS] = {
            **people,
            person.role: tuple(fresh if p.id == person.id else p for p in people.get(person.role, ())),
        }
        scope = Scope(trial, fresh)
        for (derived, rule), role in zip(self.derivations, self._derivation_roles, strict=True):
            if role == person.role and derived not in fresh.values:
                v = rule.evaluate(scope)
                if v is not UNKNOWN:
                    fresh.values[derived] = v
        return trial


_ABSENT = object()  # a fact not known (distinct from every value, None included)
_MEMO_LIMIT = 200_000


def _person_signature(person: PersonFacts, sigs: dict) -> tuple | None:
    """All of a person's facts as one hashable value (None if one is not hashable), once per object."""
    found = sigs.get(id(person))
    if found is None:
        signature: tuple | None = (person.id, *sorted(person.values.items()))
        try:
            hash(signature)
        except TypeError:
            signature = None
        found = sigs[id(person)] = (person, signature)  # the person is kept so its id is not reused
    return found[1]


def _closure(facts: Iterable[str], derived_inputs: Mapping[str, frozenset[str]]) -> set[str]:
    """``facts`` and, for each derived fact among them, the facts its derivation reads, transitively."""
    found: set[str] = set()
    todo = list(facts)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(derived_inputs.get(name, ()))
    return found


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
