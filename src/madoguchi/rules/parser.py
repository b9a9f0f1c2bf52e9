"""Parse rule text into :mod:`madoguchi.rules.ast` nodes with lark (LALR), never ``eval``.

The language, readable by municipal staff::

    deceased.age >= 65 and deceased.health_insurance == "kokuho"
    deceased.health_insurance in ["kokuho", "kouki"] and not funeral.held
    applicant.disability_grade <= 2 or applicant.disability_type == "internal"
    years_between(deceased.birth_date, deceased.death_date)
    household.remaining_members is known
    any member: member.age < 18
    (count member: member.health_insurance == "kokuho") >= 2

See docs/rules.md for the full reference and docs/decisions/0002-rule-language.md for why lark.
"""

from __future__ import annotations

from datetime import date

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from madoguchi.rules import ast

GRAMMAR = r"""
?start: expr

?expr: or_expr
     | QUANT NAME ":" expr          -> quantified
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND not_expr)*
?not_expr: _NOT not_expr -> not_
         | comparison
?comparison: sum COMP_OP sum        -> compare
           | sum _IN list           -> in_
           | sum _NOT _IN list      -> not_in
           | sum _IS _KNOWN         -> is_known
           | sum _IS _UNKNOWN       -> is_unknown
           | sum
?sum: product
    | sum ADD_OP product            -> arith
?product: atom
        | product MUL_OP atom       -> arith
?atom: NUMBER                       -> number
     | STRING                       -> string
     | _TRUE                        -> true
     | _FALSE                       -> false
     | NAME "(" [expr ("," expr)*] ")" -> call
     | dotted
     | list
     | "(" expr ")"
     | "-" atom                     -> neg
list: "[" [literal ("," literal)*] "]"
?literal: NUMBER -> number
        | STRING -> string
        | _TRUE  -> true
        | _FALSE -> false
dotted: NAME ("." NAME)*

// A quantifier word wins over a fact name where both could start an expression; after a dot (a fact's
// later parts) only a name fits, so the contextual lexer still reads household.count as a fact.
QUANT.2: /\b(any|all|count)\b(?=\s+[a-z_])/
_OR: /\bor\b/
_AND: /\band\b/
_NOT: /\bnot\b/
_IN: /\bin\b/
_IS: /\bis\b/
_KNOWN: /\bknown\b/
_UNKNOWN: /\bunknown\b/
_TRUE: /\btrue\b/
_FALSE: /\bfalse\b/
COMP_OP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADD_OP: "+" | "-"
MUL_OP: "*" | "/"
NAME: /(?!(and|or|not|in|is|known|unknown|true|false)\b)[a-z_][a-z0-9_]*/
NUMBER: /\d+(\.\d+)?/
STRING: /"[^"\\\n]*"/

%import common.WS
%ignore WS
"""

_FRIENDLY_TOKENS = {
    "_OR": "or",
    "_AND": "and",
    "_NOT": "not",
    "_IN": "in",
    "_IS": "is",
    "_KNOWN": "known",
    "_UNKNOWN": "unknown",
    "_TRUE": "true",
    "_FALSE": "false",
    "COMP_OP": "a comparison (== != < <= > >=)",
    "ADD_OP": "+ or -",
    "MUL_OP": "* or /",
    "NAME": "a fact name",
    "QUANT": "any / all / count",
    "COLON": ":",
    "NUMBER": "a number",
    "STRING": 'a "string"',
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "COMMA": ",",
    "DOT": ".",
    "MINUS": "-",
    "$END": "the end of the rule",
}


class RuleSyntaxError(ValueError):
    """A rule that does not parse. ``column`` is 1-based within the rule text."""

    def __init__(self, message: str, text: str, column: int):
        self.message = message
        self.text = text
        self.column = column
        super().__init__(f"{message} (column {column})")

    def pointer(self) -> str:
        """The rule with a caret under the offending column, for console output."""
        return f"{self.text}\n{' ' * (self.column - 1)}^"


def _pos(token_or_tree) -> int:
    if isinstance(token_or_tree, Token):
        return token_or_tree.start_pos or 0
    meta = getattr(token_or_tree, "meta", None)
    return getattr(meta, "start_pos", 0) or 0


@v_args(inline=True)
class _ToAst(Transformer):
    def number(self, tok: Token) -> ast.Literal:
        text = str(tok)
        value: int | float = float(text) if "." in text else int(text)
        return ast.Literal(value, pos=tok.start_pos or 0)

    def string(self, tok: Token) -> ast.Literal:
        return ast.Literal(str(tok)[1:-1], pos=tok.start_pos or 0)

    def true(self) -> ast.Literal:
        return ast.Literal(True)

    def false(self) -> ast.Literal:
        return ast.Literal(False)

    def neg(self, operand: ast.Node) -> ast.Node:
        if isinstance(operand, ast.Literal) and isinstance(operand.value, int | float):
            return ast.Literal(-operand.value, pos=operand.pos)
        return ast.Arithmetic("-", ast.Literal(0), operand, pos=operand.pos)

    def dotted(self, *names: Token) -> ast.FactRef:
        return ast.FactRef(".".join(str(n) for n in names), pos=names[0].start_pos or 0)

    def list(self, *items) -> ast.ListLiteral:
        items = tuple(i for i in items if i is not None)
        return ast.ListLiteral(items, pos=items[0].pos if items else 0)

    def call(self, name: Token, *args) -> ast.Call:
        return ast.Call(str(name), tuple(a for a in args if a is not None), pos=name.start_pos or 0)

    def arith(self, left, op: Token, right) -> ast.Arithmetic:
        return ast.Arithmetic(str(op), left, right, pos=left.pos)

    def compare(self, left, op: Token, right) -> ast.Compare:
        return ast.Compare(str(op), left, right, pos=left.pos)

    def in_(self, left, right) -> ast.Compare:
        return ast.Compare("in", left, right, pos=left.pos)

    def not_in(self, left, right) -> ast.Compare:
        return ast.Compare("not in", left, right, pos=left.pos)

    def is_known(self, operand) -> ast.IsKnown:
        return ast.IsKnown(operand, pos=operand.pos)

    def is_unknown(self, operand) -> ast.IsKnown:
        return ast.IsKnown(operand, negated=True, pos=operand.pos)

    def quantified(self, kind: Token, role: Token, body) -> ast.Quantified:
        return ast.Quantified(str(kind), str(role), body, pos=kind.start_pos or 0)

    def not_(self, operand) -> ast.Not:
        return ast.Not(operand, pos=max(operand.pos - 4, 0))

    def and_expr(self, *operands) -> ast.And:
        return ast.And(tuple(operands), pos=operands[0].pos)

    def or_expr(self, *operands) -> ast.Or:
        return ast.Or(tuple(operands), pos=operands[0].pos)


_parser = Lark(GRAMMAR, parser="lalr", propagate_positions=False, maybe_placeholders=True)


def _describe_expected(expected: set[str]) -> str:
    names = sorted({_FRIENDLY_TOKENS.get(e, e) for e in expected})
    if len(names) > 6:
        names = names[:6] + ["…"]
    return ", ".join(names)


def parse(text: str) -> ast.Node:
    """Parse one rule. Raises :class:`RuleSyntaxError` with a 1-based column on any error."""
    if not isinstance(text, str):
        raise RuleSyntaxError("a rule must be text", str(text), 1)
    if not text.strip():
        raise RuleSyntaxError("the rule is empty", text, 1)
    try:
        tree = _parser.parse(text)
    except UnexpectedEOF as exc:
        raise RuleSyntaxError(
            f"the rule ends too early; expected {_describe_expected(set(exc.expected))}", text, len(text) + 1
        ) from None
    except UnexpectedToken as exc:
        expected = _describe_expected(set(exc.expected))
        if exc.token.type == "$END":
            raise RuleSyntaxError(
                f"the rule ends too early; expected {expected}", text, len(text) + 1
            ) from None
        # lark's column counts within the line; ours counts within the whole rule (rules may span lines).
        start = getattr(exc.token, "start_pos", None)
        column = start + 1 if isinstance(start, int) and start >= 0 else 1
        raise RuleSyntaxError(f"unexpected {str(exc.token)!r}; expected {expected}", text, column) from None
    except UnexpectedCharacters as exc:
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        hint = ""
        if char in "'“”「":
            hint = ' (strings use straight double quotes: "kokuho")'
        elif char == "=":
            hint = " (use == to compare)"
        elif char == "&" or char == "|":
            hint = " (use and / or)"
        elif char.isupper():
            hint = " (fact names are lower case)"
        raise RuleSyntaxError(f"unexpected character {char!r}{hint}", text, exc.pos_in_stream + 1) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark input errors
        raise RuleSyntaxError(str(exc).splitlines()[0], text, getattr(exc, "column", 1) or 1) from None
    except RecursionError:
        raise RuleSyntaxError("the rule is nested too deeply", text, 1) from None
    try:
        return _ToAst().transform(tree)
    except RecursionError:
        raise RuleSyntaxError("the rule is nested too deeply", text, 1) from None


def parse_date_literal(value: str) -> date | None:
    """``"2024-04-01"`` → a date, else None. Used when a string is compared with a date fact."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
