"""The parsed form of a rule: small immutable nodes.

Kept separate from evaluation so the same tree can be type-checked, explained, evaluated for one case, or
compiled to SQL to screen a whole population.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Node:
    # Character offset of the node in the rule text (0-based), for error messages.
    pos: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: bool | int | float | str | date | None


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class FactRef(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Arithmetic(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class IsKnown(Node):
    operand: Node
    negated: bool = False  # "is unknown"


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class And(Node):
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    operands: tuple[Node, ...]


QUANTIFIERS = ("any", "all", "count")


@dataclass(frozen=True, slots=True)
class Quantified(Node):
    """``any member: body`` / ``all member: body`` (yes/no) or ``count member: body`` (a number): the body is
    evaluated once for each person of a role that has several persons (a repeated role)."""

    kind: str  # any | all | count
    role: str
    body: Node


def walk(node: Node):
    """Every node of the tree, the root first."""
    yield node
    if isinstance(node, And | Or):
        for o in node.operands:
            yield from walk(o)
    elif isinstance(node, Not | IsKnown):
        yield from walk(node.operand)
    elif isinstance(node, Compare | Arithmetic):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Call):
        for a in node.args:
            yield from walk(a)
    elif isinstance(node, Quantified):
        yield from walk(node.body)


def fact_names(node: Node) -> set[str]:
    """Every fact the rule mentions (parameters included, with their ``param.`` prefix)."""
    found: set[str] = set()

    def walk(n: Node) -> None:
        if isinstance(n, FactRef):
            found.add(n.name)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)
        elif isinstance(n, Arithmetic | Compare):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, IsKnown | Not):
            walk(n.operand)
        elif isinstance(n, And | Or):
            for o in n.operands:
                walk(o)
        elif isinstance(n, Quantified):
            walk(n.body)

    walk(node)
    return found
