"""Load and check a catalog folder. Every problem is reported with its file and line; nothing half-loads.

``load_catalog(path)`` returns a :class:`Catalog` or raises :class:`CatalogError` holding every problem found
(not just the first), so ``madoguchi catalog check`` can list them all.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from madoguchi.catalog.models import (
    CatalogFile,
    DeliveryTarget,
    Department,
    Fact,
    LifeEvent,
    Municipality,
    Parameter,
    Procedure,
    Translations,
)
from madoguchi.rules.evaluate import CompiledRule, compile_expression, compile_rule
from madoguchi.rules.parser import RuleSyntaxError

# --- YAML with line numbers ----------------------------------------------------------------------


class LineDict(dict):
    """A mapping that remembers the line of each key (1-based)."""

    line: int = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class LineList(list):
    line: int = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: list[int] = []


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise _DuplicateKey(
                None, None, f"duplicate key {key!r} (first at line {result.lines[key]})", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList()
    result.line = node.start_mark.line + 1
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.lines.append(child.start_mark.line + 1)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates stay strings until pydantic validates them (a YAML date 2026-13-01 would otherwise crash the loader).
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# --- problems ------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class CatalogIssue:
    file: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


class CatalogError(Exception):
    def __init__(self, issues: list[CatalogIssue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


# --- the loaded catalog --------------------------------------------------------------------------


@dataclass
class Catalog:
    path: Path
    municipality: Municipality
    parameters: dict[str, Parameter]
    departments: dict[str, Department]
    events: dict[str, LifeEvent]
    facts: dict[str, Fact]
    procedures: dict[str, Procedure]
    rules: dict[str, CompiledRule]  # procedure id -> applies_when
    derivations: dict[str, CompiledRule]  # derived fact -> expression, in dependency order
    repeated_roles: dict[str, str] = field(default_factory=dict)  # role with several persons -> label
    warnings: list[CatalogIssue] = field(default_factory=list)
    locations: dict[str, tuple[str, int]] = field(default_factory=dict)  # "procedure:ID" -> (file, line)
    delivery_targets: dict[str, DeliveryTarget] = field(default_factory=dict)
    # Guides built for this catalog (see madoguchi.guide.guide_for); a reloaded catalog starts without any.
    guides: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # What a shell derives from this catalog and keeps while it is loaded (e.g. rendered HTML fragments).
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def procedures_for(self, event_id: str) -> list[Procedure]:
        return [p for p in self.procedures.values() if event_id in p.events]

    def facts_for(self, event_id: str) -> list[Fact]:
        return [f for f in self.facts.values() if f.used_in(event_id)]

    def facts_needed_by(self, procedure_id: str) -> set[str]:
        """The facts a procedure's department needs to see (need-to-know): those its rule reads, what a derived
        one among them is derived from, its deadline's start and its events' dates."""
        proc = self.procedures.get(procedure_id)
        if proc is None:
            return set()
        rule = self.rules.get(procedure_id)
        todo = list(rule.facts) if rule is not None else []
        if proc.deadline and proc.deadline.start:
            todo.append(proc.deadline.start)
        todo += [self.events[e].date_fact for e in proc.events if e in self.events]
        needed: set[str] = set()
        while todo:
            name = todo.pop()
            if name in needed:
                continue
            needed.add(name)
            derivation = self.derivations.get(name)
            if derivation is not None:
                todo.extend(derivation.facts)
        return needed

    def param_values(self) -> dict[str, Any]:
        return {k: p.value for k, p in self.parameters.items()}


_PLACEHOLDER = re.compile(r"\{param\.([a-z][a-z0-9_]*)\}")


def _format_param(value: Any) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class _Collector:
    def __init__(self, root: Path):
        self.root = root
        self.issues: list[CatalogIssue] = []

    def add(self, file: Path | str, line: int, message: str, severity: str = "error") -> None:
        name = str(file.relative_to(self.root)) if isinstance(file, Path) else file
        self.issues.append(CatalogIssue(name, line, message, severity))

    @property
    def errors(self) -> list[CatalogIssue]:
        return [i for i in self.issues if i.severity == "error"]


def _line_of(data: Any, loc: Iterable[Any]) -> int:
    line = getattr(data, "line", 1)
    node = data
    for key in loc:
        if isinstance(node, LineDict) and key in node:
            line = node.lines.get(key, line)
            node = node[key]
        elif isinstance(node, LineList) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lines[key]
            node = node[key]
        else:
            break
    return line


def _format_validation(exc: ValidationError, data: Any, prefix: tuple = ()) -> list[tuple[int, str]]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = ".".join(
            str(p) for p in prefix + loc if not (isinstance(p, str) and p.startswith("function-"))
        )
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        msg = msg.removeprefix("Value error, ")
        out.append((_line_of(data, loc), f"{where}: {msg}" if where else msg))
    return out


def _substitute(node: Any, params: dict[str, Any], report) -> Any:
    """Replace ``{param.NAME}`` in every string (the containers keep their line numbers)."""
    if isinstance(node, str):

        def repl(m: re.Match) -> str:
            if m[1] not in params:
                report(f"unknown parameter {{param.{m[1]}}} in text")
                return m[0]
            return _format_param(params[m[1]])

        return _PLACEHOLDER.sub(repl, node)
    if isinstance(node, LineDict):
        for key in list(node):
            node[key] = _substitute(node[key], params, report)
    elif isinstance(node, LineList):
        for i, item in enumerate(node):
            node[i] = _substitute(item, params, report)
    return node


def _read_files(root: Path, out: _Collector) -> list[tuple[Path, LineDict]]:
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    # Scenario files and form field maps (forms/, read by madoguchi.shinseisho) live beside the catalog.
    files = [p for p in files if not {"scenarios", "forms"} & set(p.relative_to(root).parts)]
    if not files:
        out.add(str(root), 1, "no catalog files (*.yaml) found in this folder")
    loaded = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = exc.object.count(b"\n", 0, exc.start) + 1
            out.add(path, line, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        try:
            data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            problem = exc.problem or "invalid YAML"
            if exc.context:
                problem = f"{problem} ({exc.context})"
            out.add(path, line, f"YAML syntax: {problem}")
            continue
        except yaml.YAMLError as exc:
            out.add(path, 1, f"YAML syntax: {exc}")
            continue
        if data is None:
            continue
        if not isinstance(data, LineDict):
            out.add(
                path, 1, "a catalog file must be a mapping with keys like departments:, facts:, procedures:"
            )
            continue
        loaded.append((path, data))
    return loaded


def load_catalog(path: str | Path) -> Catalog:
    """Load, validate and compile a catalog folder. Raises CatalogError listing every problem."""
    root = Path(path).resolve()
    out = _Collector(root)
    if not root.is_dir():
        raise CatalogError([CatalogIssue(str(path), 1, "catalog folder not found")])
    files = _read_files(root, out)

    # Parameters first: texts may refer to them.
    params: dict[str, Parameter] = {}
    param_loc: dict[str, tuple[Path, int]] = {}
    for file, data in files:
        raw = data.get("parameters")
        if isinstance(raw, LineDict):
            for key, value in raw.items():
                line = raw.lines[key]
                if key in params:
                    first = param_loc[key]
                    out.add(file, line, f"duplicate parameter {key!r} (first in {first[0].name}:{first[1]})")
                    continue
                try:
                    params[key] = CatalogFile.model_validate({"parameters": {key: value}}).parameters[key]
                    param_loc[key] = (file, line)
                except ValidationError as exc:
                    for ln, msg in _format_validation(exc, LineDict({"parameters": raw}), ()):
                        out.add(file, max(ln, line), msg)
    param_values = {k: p.value for k, p in params.items()}

    municipality: Municipality | None = None
    departments: dict[str, Department] = {}
    events: dict[str, LifeEvent] = {}
    facts: dict[str, Fact] = {}
    procedures: dict[str, Procedure] = {}
    delivery_targets: dict[str, DeliveryTarget] = {}
    where: dict[str, tuple[Path, int, LineDict]] = {}  # "kind:id" -> (file, line, raw)
    unloaded_rules: list[str] = []  # rule texts of items that failed validation: their facts are not unused

    def remember(kind: str, ident: str, file: Path, line: int, raw: LineDict) -> bool:
        key = f"{kind}:{ident}"
        if key in where:
            first = where[key]
            out.add(
                file,
                line,
                f"duplicate {kind} id {ident!r} (first in {first[0].relative_to(root)}:{first[1]})",
            )
            return False
        where[key] = (file, line, raw)
        return True

    for file, data in files:
        unknown = set(data) - set(CatalogFile.model_fields)
        for key in sorted(unknown, key=str):
            out.add(
                file,
                data.lines[key],
                f"unknown top-level key {key!r}; expected one of {', '.join(CatalogFile.model_fields)}",
            )

        def report(message: str, file=file, line: int = 1) -> None:
            out.add(file, line, message)

        if "municipality" in data:
            try:
                m = Municipality.model_validate(_substitute(data["municipality"], param_values, report))
                if municipality is not None:
                    out.add(file, data.lines["municipality"], "the municipality is defined twice")
                municipality = m
            except ValidationError as exc:
                for ln, msg in _format_validation(exc, data["municipality"], ("municipality",)):
                    out.add(file, ln, msg)

        for kind, model, target in (
            ("department", Department, departments),
            ("event", LifeEvent, events),
            ("procedure", Procedure, procedures),
            ("delivery_target", DeliveryTarget, delivery_targets),
        ):
            section = data.get(kind + "s")
            if section is None:
                continue
            if not isinstance(section, LineList):
                out.add(file, data.lines[kind + "s"], f"{kind}s: must be a list")
                continue
            for index, raw in enumerate(section):
                line = section.lines[index]
                if not isinstance(raw, LineDict):
                    out.add(file, line, f"{kind}s[{index}]: must be a mapping")
                    continue
                ident = raw.get("id", f"#{index}")

                def report_item(message: str, file=file, line=line) -> None:
                    out.add(file, line, message)

                raw = _substitute(raw, param_values, report_item)
                try:
                    item = model.model_validate(raw)
                except ValidationError as exc:
                    for ln, msg in _format_validation(exc, raw, (f"{kind} {ident}",)):
                        out.add(file, ln, msg)
                    if isinstance(raw.get("applies_when"), str):
                        unloaded_rules.append(raw["applies_when"])
                    continue
                if remember(kind, item.id, file, line, raw):
                    target[item.id] = item

        section = data.get("facts")
        if section is not None:
            if not isinstance(section, LineDict):
                out.add(file, data.lines["facts"], "facts: must be a mapping of fact name to definition")
            else:
                for name, raw in section.items():
                    line = section.lines[name]
                    if not isinstance(raw, LineDict):
                        out.add(file, line, f"fact {name}: must be a mapping")
                        continue
                    try:
                        fact = Fact.model_validate({**raw, "name": name})
                    except ValidationError as exc:
                        for ln, msg in _format_validation(exc, raw, (f"fact {name}",)):
                            out.add(file, max(ln, line), msg)
                        if isinstance(raw.get("derive"), str):
                            unloaded_rules.append(raw["derive"])
                        continue
                    if remember("fact", name, file, line, raw):
                        facts[name] = fact

    # A file that could not be read may hold the municipality: then its absence is not news.
    unread = any(i.message.startswith(("municipality", "YAML syntax:", "not UTF-8 text")) for i in out.issues)
    if municipality is None and not unread:
        out.add(str(root.name), 1, "no municipality: is defined in any catalog file")

    _check_references(root, out, where, departments, events, facts, procedures)
    _check_my_number_uses(out, where, municipality, departments)
    _check_deliveries(out, where, procedures, delivery_targets)
    _check_internal_names(out, where, params, facts, procedures)
    repeated_roles = _repeated_roles(out, where, events)
    _check_per(out, where, events, procedures)
    derivations = _compile_derivations(root, out, where, facts, param_values, repeated_roles)
    rules = _compile_rules(root, out, where, facts, procedures, param_values, repeated_roles)
    _check_unused(root, out, where, facts, events, procedures, rules, derivations, unloaded_rules)
    _apply_translations(out, where, files, facts, procedures, param_values)

    if out.errors:
        raise CatalogError(out.issues)
    assert municipality is not None
    return Catalog(
        path=root,
        municipality=municipality,
        parameters=params,
        departments=dict(sorted(departments.items(), key=lambda kv: (kv[1].order, kv[0]))),
        events=dict(sorted(events.items(), key=lambda kv: (kv[1].order, kv[0]))),
        facts=facts,
        procedures=procedures,
        rules=rules,
        derivations=derivations,
        repeated_roles=repeated_roles,
        warnings=[i for i in out.issues if i.severity == "warning"],
        locations={k: (str(v[0].relative_to(root)), v[1]) for k, v in where.items()},
        delivery_targets=delivery_targets,
    )


def _field_line(where, key: str, field_name: str) -> tuple[Path, int]:
    file, line, raw = where[key]
    return file, raw.lines.get(field_name, line)


def _check_references(root, out: _Collector, where, departments, events, facts, procedures) -> None:
    for pid, proc in procedures.items():
        key = f"procedure:{pid}"
        if proc.department not in departments:
            out.add(
                *_field_line(where, key, "department"),
                f"procedure {pid}: unknown department {proc.department!r}",
            )
        for ev in proc.events:
            if ev not in events:
                out.add(*_field_line(where, key, "events"), f"procedure {pid}: unknown life event {ev!r}")
        if proc.deadline and proc.deadline.start:
            spec = facts.get(proc.deadline.start)
            if spec is None or spec.type != "date":
                out.add(
                    *_field_line(where, key, "deadline"),
                    f"procedure {pid}: deadline start {proc.deadline.start!r} is not a date fact",
                )
        dept = departments.get(proc.department)
        if dept is not None and proc.handling == "external" and dept.kind != "external":
            out.add(
                *_field_line(where, key, "handling"),
                f"procedure {pid}: handling is external but {dept.name} is a department of the municipality",
            )
    for eid, ev in events.items():
        spec = facts.get(ev.date_fact)
        if spec is None or spec.type != "date":
            out.add(
                *_field_line(where, f"event:{eid}", "date_fact"),
                f"event {eid}: date_fact {ev.date_fact!r} is not a date fact",
            )
    for name, fact in facts.items():
        for ev in fact.events:
            if ev not in events:
                out.add(
                    *_field_line(where, f"fact:{name}", "events"), f"fact {name}: unknown life event {ev!r}"
                )


# Fields whose text clerks or residents read (rules, ids and sources are for the catalog's authors).
_READ_TEXT_FIELDS = frozenset(
    {
        "name",
        "label",
        "note",
        "why",
        "question",
        "resident_question",
        "help",
        "description",
        "true_text",
        "false_text",
        "fee",
        "documents",
        "none",
    }
)
_NAME_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]")


def _check_internal_names(out: _Collector, where, params, facts, procedures) -> None:
    """A parameter, fact or procedure id written into a text a user reads (「（parameter kokuho_sousaihi_amount）」)
    is refused where it is: such a text says it with words, or shows the value with {param.NAME}."""
    known = {**{k: "parameter" for k in params}, **{k: "fact" for k in facts}}
    known |= {k: "procedure" for k in procedures}

    def visit(node, file, line, field) -> None:
        if isinstance(node, str):
            if field in _READ_TEXT_FIELDS:
                for token in dict.fromkeys(_NAME_TOKEN.findall(node)):
                    if token in known:
                        out.add(
                            file,
                            line,
                            f"{field}: names the {known[token]} {token!r}, which clerks and residents would "
                            "read; say it in words (or show a parameter's value with {param.NAME})",
                        )
        elif isinstance(node, LineDict):
            for key, value in node.items():
                visit(
                    value, file, node.lines.get(key, line), key if field not in _READ_TEXT_FIELDS else field
                )
        elif isinstance(node, LineList):
            for i, item in enumerate(node):
                visit(item, file, node.lines[i] if i < len(node.lines) else line, field)

    for file, line, raw in where.values():
        visit(raw, file, line, None)


def _check_my_number_uses(out: _Collector, where, municipality, departments) -> None:
    """Each department's 番号利用事務 must be one the municipality lists (municipality: my_number_uses:)."""
    known = {u.id for u in municipality.my_number_uses} if municipality is not None else set()
    for did, dept in departments.items():
        for use in dept.my_number_uses:
            if use not in known:
                out.add(
                    *_field_line(where, f"department:{did}", "my_number_uses"),
                    f"department {did}: my_number_uses {use!r} is not in municipality: my_number_uses",
                )


def _check_deliveries(out: _Collector, where, procedures, delivery_targets) -> None:
    for pid, proc in procedures.items():
        for delivery in proc.delivery:
            target = delivery_targets.get(delivery.target)
            if target is None:
                out.add(
                    *_field_line(where, f"procedure:{pid}", "delivery"),
                    f"procedure {pid}: delivery target {delivery.target!r} is not defined (delivery_targets:)",
                )
                continue
            columns = target.options.get("columns") or []
            if target.plugin == "file_drop" and columns:
                listed = {next(iter(c)) if isinstance(c, dict) else c for c in columns}
                missing = [i for i in delivery.items if i not in listed]
                if missing:
                    out.add(
                        *_field_line(where, f"procedure:{pid}", "delivery"),
                        f"procedure {pid}: items {', '.join(missing)} are not columns of {target.id}",
                    )


def _rule_issue(out: _Collector, where, key: str, field_name: str, what: str, exc: RuleSyntaxError) -> None:
    file, line = _field_line(where, key, field_name)
    # One line per issue: a rule written over several lines is shown on one (columns stay the same).
    text = exc.text.replace("\r", " ").replace("\n", " ").rstrip()
    out.add(file, line, f"{what}: {exc.message} at column {exc.column}: {text}")


def _repeated_roles(out: _Collector, where, events) -> dict[str, str]:
    """Roles with several persons, catalog-wide: a role id means the same in every event that declares it."""
    single = {r.id: eid for eid, ev in events.items() for r in ev.roles if not r.repeated}
    repeated: dict[str, str] = {}
    for eid, ev in events.items():
        for role in ev.repeated_roles:
            repeated.setdefault(role.id, role.label)
            if role.id in single:
                out.add(
                    *_field_line(where, f"event:{eid}", "roles"),
                    f"event {eid}: role {role.id!r} has several persons here but one in event {single[role.id]}",
                )
    return repeated


def _check_per(out: _Collector, where, events, procedures) -> None:
    for pid, proc in procedures.items():
        for spec in proc.delivery:
            if spec.each is None:
                continue
            if proc.per is not None:
                out.add(
                    *_field_line(where, f"procedure:{pid}", "delivery"),
                    f"procedure {pid}: delivery each: is for a household's procedure; per: {proc.per} already "
                    "gives one record per person",
                )
            for eid in proc.events:
                ev = events.get(eid)
                role = ev.role(spec.each) if ev else None
                if ev is not None and (role is None or not role.repeated):
                    out.add(
                        *_field_line(where, f"procedure:{pid}", "delivery"),
                        f"procedure {pid}: delivery each {spec.each!r} is not a role with several persons in "
                        f"event {eid}",
                    )
        if proc.per is None:
            continue
        for eid in proc.events:
            ev = events.get(eid)
            role = ev.role(proc.per) if ev else None
            if ev is not None and (role is None or not role.repeated):
                out.add(
                    *_field_line(where, f"procedure:{pid}", "per"),
                    f"procedure {pid}: per {proc.per!r} is not a role with several persons in event {eid}",
                )


def _compile_derivations(root, out, where, facts, params, roles) -> dict[str, CompiledRule]:
    compiled: dict[str, CompiledRule] = {}
    for name, fact in facts.items():
        if fact.derive is None:
            continue
        role = name.split(".", 1)[0]
        try:
            compiled[name] = compile_expression(
                fact.derive, facts, fact.type, params, roles, role if role in roles else None
            )
        except RuleSyntaxError as exc:
            _rule_issue(out, where, f"fact:{name}", "derive", f"fact {name}: derive", exc)
    # Order by dependency; a cycle is an error.
    ordered: dict[str, CompiledRule] = {}
    visiting: set[str] = set()

    def visit(name: str, chain: list[str]) -> None:
        if name in ordered or name not in compiled:
            return
        if name in visiting:
            file, line = _field_line(where, f"fact:{name}", "derive")
            out.add(file, line, f"fact {name}: derived facts form a cycle: {' -> '.join(chain + [name])}")
            return
        visiting.add(name)
        for dep in compiled[name].facts:
            visit(dep, chain + [name])
        visiting.discard(name)
        ordered[name] = compiled[name]

    for name in compiled:
        visit(name, [])
    return ordered


def _compile_rules(root, out, where, facts, procedures, params, roles) -> dict[str, CompiledRule]:
    rules: dict[str, CompiledRule] = {}
    for pid, proc in procedures.items():
        try:
            rule = compile_rule(proc.applies_when, facts, params, roles, proc.per)
        except RuleSyntaxError as exc:
            _rule_issue(out, where, f"procedure:{pid}", "applies_when", f"procedure {pid}: applies_when", exc)
            continue
        for name in rule.facts:
            fact = facts[name]
            if fact.events and not set(proc.events) <= set(fact.events):
                file, line = _field_line(where, f"procedure:{pid}", "applies_when")
                missing = sorted(set(proc.events) - set(fact.events))
                out.add(
                    file,
                    line,
                    f"procedure {pid}: fact {name} is not used for life event {', '.join(missing)}",
                )
        rules[pid] = rule
    return rules


_FACT_LIKE = re.compile(r"\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+")


def _check_unused(root, out, where, facts, events, procedures, rules, derivations, unloaded_rules=()) -> None:
    used: set[str] = set()
    for rule in list(rules.values()) + list(derivations.values()):
        used |= rule.facts
    # A rule that did not load (already reported) still uses the facts it names: do not add false errors.
    failed = [p.applies_when for pid, p in procedures.items() if pid not in rules]
    failed += [f.derive for name, f in facts.items() if f.derive is not None and name not in derivations]
    for text in [*failed, *unloaded_rules]:
        used |= set(_FACT_LIKE.findall(text))
    used |= {ev.date_fact for ev in events.values()}
    used |= {p.deadline.start for p in procedures.values() if p.deadline and p.deadline.start}
    for name, fact in facts.items():
        if name not in used and fact.purpose == "rules":
            file, line, _ = where[f"fact:{name}"]
            out.add(
                file,
                line,
                f"fact {name} is used by no rule, derivation or deadline (mark purpose: forms if forms need it)",
            )


# --- a per-process cache: catalogs are read once, not per request ----------------------------------

_cache: dict[Path, tuple[float, float, Catalog]] = {}  # root → (files' newest mtime, checked at, catalog)
_cache_lock = threading.Lock()
# Looking at every file's mtime costs ~0.7 ms; a request asks for the catalog several times. Edits by the
# DX staff show within this many seconds, which is what they need.
RECHECK_SECONDS = 1.0
_clock = time.monotonic


def _mtime(root: Path) -> float:
    return max((p.stat().st_mtime for p in root.rglob("*.y*ml")), default=0.0)


def get_catalog(path: str | Path) -> Catalog:
    """The catalog at ``path``, loaded once per process and reloaded when a file changes (checked at most
    every ``RECHECK_SECONDS``)."""
    root = Path(path).resolve()
    now = _clock()
    with _cache_lock:
        hit = _cache.get(root)
    if hit and now - hit[1] < RECHECK_SECONDS:
        return hit[2]
    stamp = _mtime(root)
    if hit and hit[0] == stamp:
        with _cache_lock:
            _cache[root] = (stamp, now, hit[2])
        return hit[2]
    catalog = load_catalog(root)
    with _cache_lock:
        _cache[root] = (stamp, now, catalog)
    return catalog


def _apply_translations(
    out, where, files, facts: dict[str, Fact], procedures: dict[str, Procedure], param_values: dict[str, Any]
) -> None:
    """Merge ``translations:`` sections into ``Fact.i18n`` / ``Procedure.i18n``, then warn about every
    resident-facing text that has no translation in a language the catalog offers (Japanese is shown)."""
    for file, data in files:
        section = data.get("translations")
        if section is None:
            continue
        if not isinstance(section, LineDict):
            out.add(
                file, data.lines["translations"], "translations: must be a mapping of language code to texts"
            )
            continue
        for lang, raw in section.items():
            line = section.lines[lang]

            def report(message: str, file=file, line=line) -> None:
                out.add(file, line, message)

            raw = _substitute(raw, param_values, report)  # {param.NAME} in translated texts too
            try:
                tr = CatalogFile.model_validate({"translations": {lang: raw}}).translations[lang]
            except ValidationError as exc:
                for ln, msg in _format_validation(exc, raw, (f"translations {lang}",)):
                    out.add(file, max(ln, line), msg)
                continue
            assert isinstance(tr, Translations)
            for name, text in tr.facts.items():
                ln = _line_of(raw, ("facts", name))
                fact = facts.get(name)
                if fact is None:
                    out.add(file, ln, f"translations {lang}: unknown fact {name!r}", "warning")
                    continue
                extra = set(text.choices or {}) - set(fact.choice_values)
                if extra:
                    out.add(
                        file,
                        ln,
                        f"translations {lang}: fact {name} has no choice {sorted(extra)[0]!r}",
                        "warning",
                    )
                facts[name] = fact.model_copy(update={"i18n": {**fact.i18n, lang: text}})
            for ident, text in tr.procedures.items():
                ln = _line_of(raw, ("procedures", ident))
                proc = procedures.get(ident)
                if proc is None:
                    out.add(file, ln, f"translations {lang}: unknown procedure {ident!r}", "warning")
                    continue
                procedures[ident] = proc.model_copy(update={"i18n": {**proc.i18n, lang: text}})
    # Missing translations: one warning per file, language and kind (a list of names, not hundreds of lines).
    languages = sorted(
        {lang for f in facts.values() for lang in f.i18n}
        | {lang for p in procedures.values() for lang in p.i18n}
    )
    for lang in languages:
        missing: dict[tuple[Any, str], list[tuple[int, str]]] = {}
        for name, fact in facts.items():
            if fact.askable and not (fact.i18n.get(lang) and fact.i18n[lang].question):
                if f"fact:{name}" in where:
                    file, line, _ = where[f"fact:{name}"]
                    missing.setdefault((file, "fact"), []).append((line, name))
        for ident, proc in procedures.items():
            if not (proc.i18n.get(lang) and proc.i18n[lang].name):
                if f"procedure:{ident}" in where:
                    file, line, _ = where[f"procedure:{ident}"]
                    missing.setdefault((file, "procedure"), []).append((line, ident))
        for (file, kind), items in missing.items():
            items.sort()
            names = ", ".join(n for _, n in items[:5]) + (", …" if len(items) > 5 else "")
            what = "question" if kind == "fact" else "name"
            out.add(
                file,
                items[0][0],
                f"{len(items)} {kind}(s) without a {lang!r} translation of the {what} (Japanese is shown): {names}",
                "warning",
            )
