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

APPLICABLE, UNDETERMINED, NOT_APPLICABLE = "applicable", "undetermined", "not_applicable"
EVERYONE = "この手続きはどなたも対象です"


@dataclass(frozen=True, slots=True)
class Outcome:
    procedure: Procedure
    status: str
    reasons: tuple[str, ...] = ()
    waiting_for: tuple[str, ...] = ()
    deadline: date | None = None

    @property
    def id(self) -> str:
        return self.procedure.id


@dataclass(frozen=True, slots=True)
class Question:
    fact: Fact
    settles: float  # expected number of open procedures decided by the answer

    @property
    def name(self) -> str:
        return self.fact.name


@dataclass(slots=True)
class GuideResult:
    event_id: str
    values: dict[str, Any]  # known facts, derived ones included
    applicable: list[Outcome] = field(default_factory=list)
    undetermined: list[Outcome] = field(default_factory=list)
    not_applicable: list[Outcome] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

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


def deadline_phrase(catalog: Catalog, event_id: str, deadline: Deadline) -> str:
    """A deadline's period said from the date it counts from, for when that date is not known yet:
    「亡くなった日から14日以内」, 「来庁日（申請日）から1か月以内」. The start is the deadline's own wording
    (``start_label``), else the label of its ``start`` fact or of the life event's date fact. A deadline
    with a ``text`` (速やかに) is said by it."""
    if deadline.text:
        return deadline.text
    if deadline.days is not None:
        period = f"{deadline.days}日"
    elif deadline.months is not None:
        period = f"{deadline.months}か月"
    else:
        period = f"{deadline.years}年"
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
        used = set().union(*(r.facts for r in self.rules)) if self.rules else set()
        # Derivations this event needs, in dependency order.
        self.derivations: list[tuple[str, CompiledRule]] = []
        needed = set(used)
        for name, rule in reversed(list(catalog.derivations.items())):
            if name in needed:
                needed |= rule.facts
        self.derivations = [(n, r) for n, r in catalog.derivations.items() if n in needed]
        # For each input fact: the procedures whose outcome it can change (directly or via derivations).
        feeds: dict[str, set[str]] = {}
        for name, rule in self.derivations:
            for dep in rule.facts:
                feeds.setdefault(dep, set()).add(name)
        self._dependents: dict[str, list[int]] = {}
        for index, rule in enumerate(self.rules):
            for name in self._inputs(rule.facts, feeds):
                self._dependents.setdefault(name, []).append(index)
        self._feeds_derivation = set(feeds)
        self._order = {name: i for i, name in enumerate(catalog.facts)}
        self._probes = self._probe_values()

    @staticmethod
    def _inputs(names: Iterable[str], feeds: dict[str, set[str]]) -> set[str]:
        # Names plus every fact that feeds one of them through a derivation.
        found = set(names)
        changed = True
        while changed:
            changed = False
            for source, targets in feeds.items():
                if source not in found and targets & found:
                    found.add(source)
                    changed = True
        return found

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
            for node in _walk(rule.node):
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

    def resolve(self, known: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, frozenset[str]]]:
        """Known facts plus every derivation that can be computed; and, for those that cannot, what they wait for."""
        values = dict(known)
        expand: dict[str, frozenset[str]] = {}
        for name, rule in self.derivations:
            if name in values:
                continue
            v = rule.evaluate(values)
            if v is UNKNOWN:
                expand[name] = frozenset(rule.waiting_for(values, expand))
            else:
                values[name] = v
        return values, expand

    def evaluate(
        self, known: Mapping[str, Any], skipped: Iterable[str] = (), explain: bool = True
    ) -> GuideResult:
        """Evaluate every procedure of the event. ``skipped`` facts (answered わからない) are not asked again."""
        values, expand = self.resolve(known)
        result = GuideResult(self.event.id, values)
        event_date = values.get(self.event.date_fact)
        open_indices: list[int] = []
        waiting_sets: list[frozenset[str]] = []
        for index, (proc, rule) in enumerate(zip(self.procedures, self.rules, strict=True)):
            v = rule.evaluate(values)
            start = values.get(proc.deadline.start) if proc.deadline and proc.deadline.start else event_date
            due = deadline_date(proc.deadline, start if isinstance(start, date) else None)
            if v is UNKNOWN:
                waiting = frozenset(rule.waiting_for(values, expand))
                open_indices.append(index)
                waiting_sets.append(waiting)
                result.undetermined.append(
                    Outcome(proc, UNDETERMINED, (), tuple(self._in_order(waiting)), due)
                )
            elif v:
                reasons = tuple(rule.explain(values, True)) if explain else ()
                result.applicable.append(Outcome(proc, APPLICABLE, reasons or (EVERYONE,), (), due))
            else:
                reasons = tuple(rule.explain(values, False)) if explain else ()
                result.not_applicable.append(Outcome(proc, NOT_APPLICABLE, reasons, (), due))
        starts = {
            o.procedure.deadline.start
            for o in result.applicable
            if o.procedure.deadline and o.procedure.deadline.start
        }
        result.questions = self._questions(
            values, known, expand, open_indices, waiting_sets, set(skipped), starts
        )
        return result

    def _in_order(self, names: Iterable[str]) -> list[str]:
        return sorted(names, key=lambda n: self._order.get(n, 10**6))

    def _questions(
        self, values, known, expand, open_indices, waiting_sets, skipped, applicable_starts=()
    ) -> list[Question]:
        candidates: dict[str, list[int]] = {}
        for index, waiting in zip(open_indices, waiting_sets, strict=True):
            for name in waiting:
                candidates.setdefault(name, []).append(index)
        # The event date fixes every deadline: ask it while unknown even if no rule waits for it.
        event_fact = self.event.date_fact
        if event_fact not in values and event_fact not in candidates:
            candidates[event_fact] = []
        # A deadline counted from another date (the funeral) is asked once its procedure applies; it
        # decides no procedure, so it comes after the questions that do.
        for start in applicable_starts:
            if start not in values:
                candidates.setdefault(start, [])
        questions: list[Question] = []
        for name, indices in candidates.items():
            fact = self.facts.get(name)
            if fact is None or not fact.askable or name in skipped or name in known:
                continue
            questions.append(Question(fact, self._settles(name, values, known, indices)))
        questions.sort(key=lambda q: (q.fact.name != event_fact, -q.settles, self._order.get(q.fact.name, 0)))
        return questions

    def _settles(self, name: str, values, known, indices: list[int]) -> float:
        """Expected number of the open procedures ``indices`` decided by answering ``name``."""
        if not indices:
            return 0.0
        probes = self._probes.get(name)
        if not probes:
            return float(len(indices))  # no answers to try (a date): assume it decides what waits for it
        total = 0
        rederive = name in self._feeds_derivation
        for probe in probes:
            if rederive:
                trial, _ = self.resolve({**known, name: probe})
            else:
                trial = values.copy()
                trial[name] = probe
            for index in indices:
                if self.rules[index].evaluate(trial) is not UNKNOWN:
                    total += 1
        return total / len(probes)


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


def _walk(node: ast.Node):
    yield node
    if isinstance(node, ast.And | ast.Or):
        for o in node.operands:
            yield from _walk(o)
    elif isinstance(node, ast.Not | ast.IsKnown):
        yield from _walk(node.operand)
    elif isinstance(node, ast.Compare | ast.Arithmetic):
        yield from _walk(node.left)
        yield from _walk(node.right)
    elif isinstance(node, ast.Call):
        for a in node.args:
            yield from _walk(a)
