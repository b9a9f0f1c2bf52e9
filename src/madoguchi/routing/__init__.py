"""Routing a finished case to departments (回らない窓口). Pure Python: no Django import.

Every office-handled applicable procedure becomes one task for its catalog department. Optional ordered
routing rules refine that: the first active rule whose condition is *true* for the case (and whose
procedure list, if any, contains the procedure) sends the task to its department instead. A rule that no
longer validates against the current catalog (a fact renamed, a department removed) is switched off and
reported — never silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from madoguchi.rules.evaluate import UNKNOWN, CompiledRule, compile_rule
from madoguchi.rules.parser import RuleSyntaxError


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule as stored (the web app keeps them in the database, editable by administrators)."""

    id: int | str
    order: int
    condition: str
    department: str
    procedures: frozenset[str] = frozenset()  # empty: every procedure
    active: bool = True
    name: str = ""


@dataclass(frozen=True)
class Disabled:
    rule: RuleSpec
    reason: str

    def __str__(self) -> str:
        return f"routing rule {self.rule.id} ({self.rule.name or self.rule.condition}): {self.reason}"


@dataclass(frozen=True)
class Assignment:
    procedure_id: str
    department: str
    rule_id: int | str | None = None  # None: the catalog department


@dataclass
class CompiledRules:
    rules: list[tuple[RuleSpec, CompiledRule]] = field(default_factory=list)
    disabled: list[Disabled] = field(default_factory=list)


def validate_rule(spec: RuleSpec, catalog) -> str | None:
    """Why ``spec`` does not validate against ``catalog`` (None when it does)."""
    dept = catalog.departments.get(spec.department)
    if dept is None:
        return f"department {spec.department!r} is not in the catalog"
    if dept.kind != "internal":
        return f"{dept.name} is an external agency; tasks go to departments of the municipality"
    unknown = sorted(p for p in spec.procedures if p not in catalog.procedures)
    if unknown:
        return f"procedure {', '.join(unknown)} is not in the catalog"
    try:
        compile_rule(spec.condition, catalog.facts, catalog.param_values())
    except RuleSyntaxError as exc:
        return f"condition: {exc.message} at column {exc.column}"
    return None


def compile_rules(specs: Iterable[RuleSpec], catalog) -> CompiledRules:
    """Compile active rules in order; rules that fail to validate come back in ``disabled``."""
    out = CompiledRules()
    for spec in sorted(specs, key=lambda s: (s.order, str(s.id))):
        if not spec.active:
            continue
        reason = validate_rule(spec, catalog)
        if reason is not None:
            out.disabled.append(Disabled(spec, reason))
            continue
        out.rules.append((spec, compile_rule(spec.condition, catalog.facts, catalog.param_values())))
    return out


def route(
    catalog, procedure_ids: Iterable[str], values: Mapping[str, Any], rules: CompiledRules | None = None
) -> list[Assignment]:
    """One assignment per procedure: the first matching rule's department, else the catalog's.

    ``values`` are the case's known facts (derived ones included). A condition that is undetermined for the
    case does not match (the task goes on down the list), so an unanswered question never routes a case.
    """
    out = []
    for pid in procedure_ids:
        proc = catalog.procedures[pid]
        chosen = Assignment(pid, proc.department)
        for spec, compiled in rules.rules if rules else []:
            if spec.procedures and pid not in spec.procedures:
                continue
            result = compiled.evaluate(values)
            if result is not UNKNOWN and result is True:
                chosen = Assignment(pid, spec.department, spec.id)
                break
        out.append(chosen)
    return out
