"""Type-check, compile and evaluate rules with three-valued (Kleene) logic.

A fact that is not known evaluates to :data:`UNKNOWN`. ``and``/``or`` follow Kleene's tables, so a rule is
true, false or undetermined, and :meth:`CompiledRule.waiting_for` names the unknown facts that could still
decide it. Rules are compiled once to nested closures: evaluation is a few function calls per node.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from madoguchi.rules import ast
from madoguchi.rules.parser import RuleSyntaxError, parse, parse_date_literal
from madoguchi.rules.scope import Scope, persons_of, role_of
from madoguchi.wareki import format_wareki


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # guard: an unknown must never be taken as false by accident
        raise TypeError("UNKNOWN has no truth value; compare with `is UNKNOWN`")


UNKNOWN: Any = _Unknown()

FACT_TYPES = ("bool", "int", "date", "choice", "text")


class FactSpec(Protocol):
    """What the rule compiler needs to know of a fact (the catalog's Fact satisfies it)."""

    name: str
    type: str
    label: str

    @property
    def choice_values(self) -> Mapping[str, str]: ...  # value -> label (choice facts)


class RuleTypeError(RuleSyntaxError):
    """A rule that parses but does not make sense against the fact dictionary."""


# Type names used during checking.
BOOL, NUMBER, DATE, STRING, LIST = "bool", "number", "date", "string", "list"
_FACT_TO_TYPE = {"bool": BOOL, "int": NUMBER, "date": DATE, "choice": STRING, "text": STRING}


def _years_between(start: date, end: date) -> int:
    # Full years, as an age is counted (民法: age advances the day before the birthday, which does not
    # change a whole-year count taken on a given date).
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def _days_between(start: date, end: date) -> int:
    return (end - start).days


FUNCTIONS: dict[str, tuple[tuple[str, ...], str, Callable[..., Any]]] = {
    # name: (argument types, result type, implementation)
    "years_between": ((DATE, DATE), NUMBER, _years_between),
    "days_between": ((DATE, DATE), NUMBER, _days_between),
}

Evaluator = Callable[[Mapping[str, Any]], Any]


@dataclass(slots=True)
class CompiledRule:
    """A rule ready to evaluate. ``facts`` are the fact names it reads (parameters already folded in)."""

    source: str
    node: ast.Node
    facts: frozenset[str]
    _eval: Evaluator = field(repr=False)
    _specs: Mapping[str, FactSpec] = field(repr=False)
    _params: Mapping[str, Any] = field(repr=False)
    _memo: dict[int, Evaluator] = field(repr=False, default_factory=dict)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """True, False or UNKNOWN. ``values`` holds known facts only (absent = unknown)."""
        return self._eval(values)

    def waiting_for(
        self, values: Mapping[str, Any], expand: Mapping[str, frozenset[str]] | None = None
    ) -> set[str]:
        """Unknown facts that could still decide an undetermined rule (empty if it is decided).

        ``expand`` maps an unknown derived fact to the input facts it waits for.
        """
        found: set[str] = set()
        _collect_waiting(self.node, values, found, expand or {}, self._memo)
        return found

    def explain(self, values: Mapping[str, Any], truth: bool) -> list[str]:
        """Phrases saying why the rule has the value ``truth``, in words a clerk can read aloud."""
        phrases: list[str] = []
        _explain(self.node, values, truth, phrases, self._specs, self._params, self._memo)
        phrases = _tightest(phrases)
        seen: set[str] = set()
        return [str(p) for p in phrases if not (p in seen or seen.add(p))]


class _Bound(str):
    """A phrase that says a value lies beyond a bound (「年齢: 82歳（65歳以上）」), so that of two such phrases
    about the same value the weaker one (「（40歳以上）」) can be left out."""

    about: tuple  # (who, label, value shown, "lower" | "upper")
    bound: Any

    @classmethod
    def make(cls, text: str, about: tuple, bound: Any) -> _Bound:
        phrase = cls(text)
        phrase.about, phrase.bound = about, bound
        return phrase


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (
        isinstance(a, date) and isinstance(b, date)
    )


def _tightest(phrases: list[str]) -> list[str]:
    """Drop a bound phrase another phrase about the same value makes redundant (65歳以上 says 40歳以上)."""
    out = []
    for p in phrases:
        if isinstance(p, _Bound) and any(
            isinstance(q, _Bound)
            and q is not p
            and q.about == p.about
            and _comparable(q.bound, p.bound)
            and q.bound != p.bound
            and ((q.bound > p.bound) if p.about[3] == "lower" else (q.bound < p.bound))
            for q in phrases
        ):
            continue
        out.append(p)
    return out


# --- type checking -------------------------------------------------------------------------------


class _Checker:
    def __init__(
        self,
        text: str,
        specs: Mapping[str, FactSpec],
        params: Mapping[str, Any],
        roles: Mapping[str, str] | None = None,
        bound: tuple[str, ...] = (),
    ):
        self.text = text
        self.specs = specs
        self.params = params
        self.roles = roles or {}  # repeated role -> label
        self.bound = bound  # repeated roles whose person is in scope here

    def fail(self, node: ast.Node, message: str) -> RuleTypeError:
        return RuleTypeError(message, self.text, node.pos + 1)

    def type_of(self, node: ast.Node) -> str:
        if isinstance(node, ast.Literal):
            v = node.value
            if isinstance(v, bool):
                return BOOL
            if isinstance(v, int | float):
                return NUMBER
            if isinstance(v, date):
                return DATE
            return STRING
        if isinstance(node, ast.ListLiteral):  # the right side of in / not in is checked in check_compare
            raise self.fail(node, 'a list [...] can only follow in / not in (e.g. x in ["a", "b"])')
        if isinstance(node, ast.FactRef):
            if node.name.startswith("param."):
                key = node.name[len("param.") :]
                if key not in self.params:
                    raise self.fail(node, f"unknown parameter {key!r}")
                return self.type_of(ast.Literal(self.params[key]))
            spec = self.specs.get(node.name)
            if spec is None:
                raise self.fail(node, f"unknown fact {node.name!r}{self._suggest(node.name)}")
            role = role_of(node.name)
            if role in self.roles and role not in self.bound:
                raise self.fail(
                    node,
                    f"fact {node.name!r} is about each {role}: use it inside any/all/count {role}: … "
                    f"or in a procedure with per: {role}",
                )
            return _FACT_TO_TYPE[spec.type]
        if isinstance(node, ast.Quantified):
            if node.role not in self.roles:
                declared = ", ".join(sorted(self.roles)) or "none"
                raise self.fail(
                    node,
                    f"{node.kind} needs a role with several persons; {node.role!r} is not one "
                    f"(roles with several persons: {declared})",
                )
            self.bound = (*self.bound, node.role)
            try:
                self.need_bool(node.body, f"{node.kind} {node.role}:")
            finally:
                self.bound = self.bound[:-1]
            return NUMBER if node.kind == "count" else BOOL
        if isinstance(node, ast.Call):
            sig = FUNCTIONS.get(node.function)
            if sig is None:
                raise self.fail(
                    node, f"unknown function {node.function!r}; known: {', '.join(sorted(FUNCTIONS))}"
                )
            arg_types, result, _ = sig
            if len(node.args) != len(arg_types):
                raise self.fail(
                    node, f"{node.function}() takes {len(arg_types)} arguments, got {len(node.args)}"
                )
            for arg, want in zip(node.args, arg_types, strict=True):
                got = self.type_of(arg)
                if got != want and not (want == DATE and self._is_date_string(arg)):
                    raise self.fail(arg, f"{node.function}() needs a {want} here, got a {got}")
            return result
        if isinstance(node, ast.Arithmetic):
            for side in (node.left, node.right):
                if self.type_of(side) != NUMBER:
                    raise self.fail(side, f"'{node.op}' works on numbers only")
            return NUMBER
        if isinstance(node, ast.Compare):
            self.check_compare(node)
            return BOOL
        if isinstance(node, ast.IsKnown):
            self.type_of(node.operand)
            return BOOL
        if isinstance(node, ast.Not):
            self.need_bool(node.operand, "not")
            return BOOL
        if isinstance(node, ast.And | ast.Or):
            word = "and" if isinstance(node, ast.And) else "or"
            for operand in node.operands:
                self.need_bool(operand, word)
            return BOOL
        raise self.fail(node, f"unsupported expression {type(node).__name__}")  # pragma: no cover

    def need_bool(self, node: ast.Node, word: str) -> None:
        got = self.type_of(node)
        if got != BOOL:
            what = f"fact {node.name!r} is a {got}" if isinstance(node, ast.FactRef) else f"this is a {got}"
            raise self.fail(node, f"'{word}' needs a yes/no condition; {what} (compare it, e.g. == or >=)")

    def _is_date_string(self, node: ast.Node) -> bool:
        if isinstance(node, ast.FactRef) and node.name.startswith("param."):
            # YAML dates reach parameters as text ("2024-04-01"): usable wherever a date literal is.
            value = self.params.get(node.name[len("param.") :])
            return isinstance(value, str) and parse_date_literal(value) is not None
        return (
            isinstance(node, ast.Literal)
            and isinstance(node.value, str)
            and parse_date_literal(node.value) is not None
        )

    def _choice_spec(self, node: ast.Node) -> FactSpec | None:
        if isinstance(node, ast.FactRef) and not node.name.startswith("param."):
            spec = self.specs.get(node.name)
            if spec is not None and spec.type == "choice":
                return spec
        return None

    def _check_choice_literal(self, spec: FactSpec | None, lit: ast.Node) -> None:
        if spec is None or not isinstance(lit, ast.Literal) or not isinstance(lit.value, str):
            return
        allowed = spec.choice_values
        if lit.value not in allowed:
            raise self.fail(
                lit,
                f"{lit.value!r} is not a value of {spec.name!r}; allowed: {', '.join(map(repr, allowed))}",
            )

    def check_compare(self, node: ast.Compare) -> None:
        left = self.type_of(node.left)
        if node.op in ("in", "not in"):
            if not isinstance(node.right, ast.ListLiteral) or not node.right.items:
                raise self.fail(node.right, f'\'{node.op}\' needs a non-empty list like ["a", "b"]')
            spec = self._choice_spec(node.left)
            for item in node.right.items:
                got = self.type_of(item)
                if got != left and not (left == DATE and self._is_date_string(item)):
                    raise self.fail(item, f"list item is a {got} but the left side is a {left}")
                self._check_choice_literal(spec, item)
            return
        right = self.type_of(node.right)
        if left != right:
            if (
                left == DATE
                and self._is_date_string(node.right)
                or right == DATE
                and self._is_date_string(node.left)
            ):
                return
            raise self.fail(node, f"cannot compare a {left} with a {right}")
        if node.op in ("<", "<=", ">", ">=") and left not in (NUMBER, DATE):
            raise self.fail(node, f"'{node.op}' compares numbers or dates, not a {left}")
        self._check_choice_literal(self._choice_spec(node.left), node.right)
        self._check_choice_literal(self._choice_spec(node.right), node.left)

    def _suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.specs), n=1, cutoff=0.75)
        return f" (did you mean {close[0]!r}?)" if close else ""


# --- compilation to closures ---------------------------------------------------------------------


def _const(value: Any) -> Evaluator:
    return lambda values: value


def _compile(
    node: ast.Node,
    specs: Mapping[str, FactSpec],
    params: Mapping[str, Any],
    want_date: bool = False,
    memo: dict[int, Evaluator] | None = None,
) -> Evaluator:
    """Compile ``node``; with ``memo``, also remember every sub-node's evaluator (by node identity)."""
    evaluator = _compile_node(node, specs, params, want_date, memo)
    if memo is not None:
        memo[id(node)] = evaluator
    return evaluator


def _compile_node(node, specs, params, want_date, memo) -> Evaluator:
    if isinstance(node, ast.Literal):
        value = node.value
        if want_date and isinstance(value, str):
            value = parse_date_literal(value)
        return _const(value)
    if isinstance(node, ast.FactRef):
        if node.name.startswith("param."):
            value = params[node.name[len("param.") :]]
            if want_date and isinstance(value, str):
                value = parse_date_literal(value)
            return _const(value)
        name = node.name
        return lambda values: values.get(name, UNKNOWN)
    if isinstance(node, ast.Call):
        _, _, impl = FUNCTIONS[node.function]
        args = [_compile(a, specs, params, True, memo) for a in node.args]
        if len(args) == 2:
            return _binary(args[0], args[1], impl)

        def call(values):  # pragma: no cover - every built-in takes two arguments today
            got = [a(values) for a in args]
            return UNKNOWN if any(g is UNKNOWN for g in got) else impl(*got)

        return call
    if isinstance(node, ast.Arithmetic):
        left, right = (
            _compile(node.left, specs, params, False, memo),
            _compile(node.right, specs, params, False, memo),
        )
        return _binary(left, right, _ARITHMETIC[node.op])
    if isinstance(node, ast.Compare):
        dates = _involves_date(node, specs)
        left = _compile(node.left, specs, params, dates, memo)
        if node.op in ("in", "not in"):
            items = frozenset(
                (parse_date_literal(i.value) if dates and isinstance(i.value, str) else i.value)
                for i in node.right.items
            )
            negate = node.op == "not in"

            def member(values):
                a = left(values)
                if a is UNKNOWN:
                    return UNKNOWN
                return (a in items) != negate

            return member
        right = _compile(node.right, specs, params, dates, memo)
        if _is_count(node.left) or _is_count(node.right):
            return _compare_ranges(node, left, right, specs, params, memo)
        return _binary(left, right, _COMPARATORS[node.op])
    if isinstance(node, ast.Quantified):
        body = _compile(node.body, specs, params, False, memo)
        role = node.role
        if node.kind == "count":
            counted = _count_range(role, body)

            def count(values):
                low, high = counted(values)
                return low if low == high else UNKNOWN

            return count
        # any: one person with a yes decides it; all: one with a no. Otherwise an unknown person keeps it open.
        decides = node.kind == "any"

        def quantified(values):
            unknown = False
            for person in persons_of(values, role):
                v = body(Scope(values, person))
                if v is UNKNOWN:
                    unknown = True
                elif v == decides:
                    return decides
            return UNKNOWN if unknown else not decides

        return quantified
    if isinstance(node, ast.IsKnown):
        operand = _compile(node.operand, specs, params, False, memo)
        negated = node.negated
        return lambda values: (operand(values) is UNKNOWN) == negated
    if isinstance(node, ast.Not):
        operand = _compile(node.operand, specs, params, False, memo)

        def not_(values):
            v = operand(values)
            return UNKNOWN if v is UNKNOWN else not v

        return not_
    if isinstance(node, ast.And):
        parts = tuple(_compile(o, specs, params, False, memo) for o in node.operands)

        def and_(values):
            unknown = False
            for p in parts:
                v = p(values)
                if v is UNKNOWN:
                    unknown = True
                elif not v:
                    return False
            return UNKNOWN if unknown else True

        return and_
    if isinstance(node, ast.Or):
        parts = tuple(_compile(o, specs, params, False, memo) for o in node.operands)

        def or_(values):
            unknown = False
            for p in parts:
                v = p(values)
                if v is UNKNOWN:
                    unknown = True
                elif v:
                    return True
            return UNKNOWN if unknown else False

        return or_
    raise TypeError(f"cannot compile {node!r}")  # pragma: no cover


def _is_count(node: ast.Node) -> bool:
    return isinstance(node, ast.Quantified) and node.kind == "count"


def _count_range(role: str, body: Evaluator) -> Callable[[Mapping[str, Any]], tuple[int, int]]:
    """How many persons of ``role`` satisfy ``body``: at least (known yes), at most (yes or unknown)."""

    def counted(values):
        low = high = 0
        for person in persons_of(values, role):
            v = body(Scope(values, person))
            if v is UNKNOWN:
                high += 1
            elif v:
                low += 1
                high += 1
        return low, high

    return counted


def _compare_ranges(node: ast.Compare, left: Evaluator, right: Evaluator, specs, params, memo) -> Evaluator:
    """A comparison with a count: decided as soon as every count the unknown persons allow gives one answer
    (2 of 3 members known kokuho already makes ``count >= 2`` true)."""
    ranges = []
    for side, evaluator in ((node.left, left), (node.right, right)):
        if _is_count(side):
            body = memo[id(side.body)] if memo is not None else _compile(side.body, specs, params)
            ranges.append(_count_range(side.role, body))
        else:

            def point(values, evaluator=evaluator):
                v = evaluator(values)
                return None if v is UNKNOWN else (v, v)

            ranges.append(point)
    left_range, right_range = ranges
    op, fn = node.op, _COMPARATORS[node.op]

    def compare(values):
        a = left_range(values)
        if a is None:
            return UNKNOWN
        b = right_range(values)
        if b is None:
            return UNKNOWN
        if a[0] == a[1] and b[0] == b[1]:
            return fn(a[0], b[0])
        if op in ("==", "!="):
            if a[1] < b[0] or b[1] < a[0]:  # no count the unknowns allow can be equal
                return op == "!="
            return UNKNOWN
        # <, <=, >, >= are monotonic in each side: the corners decide.
        corners = {fn(x, y) for x in a for y in b}
        return corners.pop() if len(corners) == 1 else UNKNOWN

    return compare


def _binary(left: Evaluator, right: Evaluator, fn: Callable[[Any, Any], Any]) -> Evaluator:
    """``fn(left, right)``, or UNKNOWN as soon as one side is unknown (the right side is then not evaluated)."""

    def evaluate(values):
        a = left(values)
        if a is UNKNOWN:
            return UNKNOWN
        b = right(values)
        if b is UNKNOWN:
            return UNKNOWN
        return fn(a, b)

    return evaluate


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: UNKNOWN if b == 0 else a / b,  # no value, not a crash
}

_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _involves_date(node: ast.Compare, specs: Mapping[str, FactSpec]) -> bool:
    for side in (node.left, node.right):
        if (
            isinstance(side, ast.FactRef)
            and (spec := specs.get(side.name)) is not None
            and spec.type == "date"
        ):
            return True
    return False


def compile_rule(
    text: str,
    specs: Mapping[str, FactSpec],
    params: Mapping[str, Any] | None = None,
    roles: Mapping[str, str] | None = None,
    per: str | None = None,
) -> CompiledRule:
    """Parse, type-check and compile ``text``. Raises RuleSyntaxError / RuleTypeError with a column.

    ``roles`` are the roles with several persons (id → label); ``per`` is the one whose person the rule is
    evaluated for (a procedure that applies per person), so its facts may be used without a quantifier."""
    params = params or {}
    node = parse(text)
    checker = _Checker(text, specs, params, roles, (per,) if per else ())
    if checker.type_of(node) != BOOL:
        raise RuleTypeError("a condition must be yes/no (for example: deceased.age >= 65)", text, 1)
    facts = frozenset(n for n in ast.fact_names(node) if not n.startswith("param."))
    memo: dict[int, Evaluator] = {}
    evaluator = _compile(node, specs, params, False, memo)
    return CompiledRule(text, node, facts, evaluator, specs, params, memo)


def compile_expression(
    text: str,
    specs: Mapping[str, FactSpec],
    want: str,
    params: Mapping[str, Any] | None = None,
    roles: Mapping[str, str] | None = None,
    per: str | None = None,
) -> CompiledRule:
    """Compile a value expression (a derived fact) whose type must be ``want`` (a fact type).

    ``per``: the derived fact is a person's (``member.age``), computed for each person of that role."""
    params = params or {}
    node = parse(text)
    checker = _Checker(text, specs, params, roles, (per,) if per else ())
    got = checker.type_of(node)
    if got != _FACT_TO_TYPE[want]:
        raise RuleTypeError(f"this expression gives a {got}, but the fact is a {want}", text, 1)
    facts = frozenset(n for n in ast.fact_names(node) if not n.startswith("param."))
    memo: dict[int, Evaluator] = {}
    evaluator = _compile(node, specs, params, False, memo)
    return CompiledRule(text, node, facts, evaluator, specs, params, memo)


# --- waiting-for and explanations ----------------------------------------------------------------


def _value(node: ast.Node, values: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Literal):
        return node.value
    if isinstance(node, ast.FactRef):
        if node.name.startswith("param."):
            return params.get(node.name[len("param.") :], UNKNOWN)
        return values.get(node.name, UNKNOWN)
    return UNKNOWN


def _collect_waiting(node, values, found: set[str], expand, memo) -> None:
    # A decided sub-expression (the whole rule included) waits for nothing, whatever unknowns it mentions.
    evaluator = memo.get(id(node))
    if evaluator is not None and evaluator(values) is not UNKNOWN:
        return
    if isinstance(node, ast.FactRef):
        if not node.name.startswith("param.") and node.name not in values:
            key = values.key_for(node.name) if type(values) is Scope else node.name
            found.update(expand.get(key, (key,)))
        return
    if isinstance(node, ast.And | ast.Or):
        for operand in node.operands:
            _collect_waiting(operand, values, found, expand, memo)
        return
    if isinstance(node, ast.Not | ast.IsKnown):
        if isinstance(node, ast.Not):
            _collect_waiting(node.operand, values, found, expand, memo)
        return
    if isinstance(node, ast.Compare | ast.Arithmetic):
        _collect_waiting(node.left, values, found, expand, memo)
        if not isinstance(node.right, ast.ListLiteral):
            _collect_waiting(node.right, values, found, expand, memo)
        return
    if isinstance(node, ast.Call):
        for a in node.args:
            _collect_waiting(a, values, found, expand, memo)
    if isinstance(node, ast.Quantified):
        body = memo[id(node.body)]
        for person in persons_of(values, node.role):
            scope = Scope(values, person)
            if body(scope) is UNKNOWN:
                _collect_waiting(node.body, scope, found, expand, memo)
        return


_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _is_constant(node: ast.Node) -> bool:
    return isinstance(node, ast.Literal) or (isinstance(node, ast.FactRef) and node.name.startswith("param."))


_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
_OP_WORDS = {
    ">=": ("以上", "未満"),
    ">": ("より多い", "以下"),
    "<=": ("以下", "より多い"),
    "<": ("未満", "以上"),
}
# For grades where 1 is the heaviest (障害等級), 「2級以上」 means grades 1 and 2.
_GRADE_WORDS = {
    ">=": ("以下", "より重い"),
    ">": ("より軽い", "以上"),
    "<=": ("以上", "より軽い"),
    "<": ("より重い", "以下"),
}


def format_value(spec: FactSpec | None, value: Any) -> str:
    """A fact value as a clerk would say it."""
    if value is UNKNOWN or value is None:
        return "不明"
    if spec is not None and spec.type == "choice":
        return spec.choice_values.get(value, str(value))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, date):
        return format_wareki(value)
    unit = getattr(spec, "unit", None) or ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}{unit}"


def _label(node: ast.Node, specs) -> tuple[str, FactSpec | None]:
    if _is_count(node):
        return "当てはまる方の人数", _PERSONS_COUNT
    if isinstance(node, ast.FactRef):
        spec = specs.get(node.name)
        return (spec.label if spec else node.name), spec
    if isinstance(node, ast.Call) and node.function == "years_between":
        return "年数", None
    return "値", None


@dataclass(frozen=True)
class _CountSpec:
    name: str = "count"
    type: str = "int"
    label: str = "人数"
    unit: str = "人"
    choice_values: Mapping[str, str] = field(default_factory=dict)


_PERSONS_COUNT = _CountSpec()


def _explain(node, values, truth: bool, out: list[str], specs, params, memo) -> None:
    if isinstance(node, ast.And | ast.Or):
        # and/true and or/false: every operand counts; otherwise only operands with the deciding value.
        for operand in node.operands:
            v = memo[id(operand)](values)
            if v is not UNKNOWN and v == truth:
                _explain(operand, values, truth, out, specs, params, memo)
        return
    if isinstance(node, ast.Not):
        _explain(node.operand, values, not truth, out, specs, params, memo)
        return
    if isinstance(node, ast.FactRef):
        spec = specs.get(node.name)
        if spec is not None and spec.type == "bool":
            text = getattr(spec, "true_text" if truth else "false_text", None)
            out.append(text or f"{spec.label}: {'はい' if truth else 'いいえ'}")
        return
    if isinstance(node, ast.Literal):
        return  # "true" carries no reason
    if isinstance(node, ast.IsKnown):
        label, _ = _label(node.operand, specs)
        known = truth != node.negated
        out.append(f"{label}: {'わかっている' if known else 'わかっていない'}")
        return
    if isinstance(node, ast.Compare):
        if node.op in _MIRRORED and _is_constant(node.left) and not _is_constant(node.right):
            # "65 <= deceased.age" reads like "deceased.age >= 65": the fact first, the threshold after.
            node = ast.Compare(_MIRRORED[node.op], node.right, node.left, pos=node.pos)
        label, spec = _label(node.left, specs)
        actual = memo[id(node.left)](values)
        shown = format_value(spec, actual)
        if _is_count(node.left) and actual is UNKNOWN:  # decided although some persons are not known yet
            low, high = _count_range(node.left.role, memo[id(node.left.body)])(values)
            shown = f"{low}〜{high}人"
        if spec is not None and spec.type == "bool" and isinstance(node.right, ast.Literal):
            want_true = (node.right.value is True) == (node.op == "==")
            _explain(node.left, values, truth == want_true, out, specs, params, memo)
            return
        if node.op in _OP_WORDS and isinstance(node.right, ast.Literal | ast.FactRef):
            bound = _value(node.right, values, params)
            if spec is not None and spec.type == "date" and isinstance(bound, str):
                bound = (
                    parse_date_literal(bound) or bound
                )  # "2024-04-01" reads as 和暦, like a date parameter
            if isinstance(node.right, ast.FactRef) and not node.right.name.startswith("param."):
                bound_text = _label(node.right, specs)[0]
            else:
                bound_text = format_value(spec, bound) if spec is not None else str(bound)
            words = _GRADE_WORDS if getattr(spec, "lower_is_heavier", False) else _OP_WORDS
            word = words[node.op][0 if truth else 1]
            holds = node.op if truth else _NEGATED[node.op]
            side = "lower" if holds in (">=", ">") else "upper"
            out.append(
                _Bound.make(f"{label}: {shown}（{bound_text}{word}）", ("", label, shown, side), bound)
            )
            return
        out.append(f"{label}: {shown}")
        return
    if isinstance(node, ast.Quantified):
        # any/true and all/false: the persons with the deciding value; otherwise every person counts.
        # (A count is explained by the comparison it is in.)
        body = memo[id(node.body)]
        deciding = (node.kind == "any") == truth
        for person in persons_of(values, node.role):
            scope = Scope(values, person)
            v = body(scope)
            if v is UNKNOWN or (deciding and v != truth):
                continue
            phrases: list[str] = []
            _explain(node.body, scope, bool(v), phrases, specs, params, memo)
            for phrase in phrases:
                text = f"{person.display}: {phrase}"
                if isinstance(phrase, _Bound):
                    out.append(_Bound.make(text, (person.id, *phrase.about[1:]), phrase.bound))
                else:
                    out.append(text)
        return
