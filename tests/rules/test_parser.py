"""The rule parser: text → AST, and located, helpful syntax errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.rules import ast
from madoguchi.rules.parser import RuleSyntaxError, parse

# --- helpers -----------------------------------------------------------------------------------------


def shape(node: ast.Node):
    """A node as nested tuples, with the Python type of every literal (so True != 1 and 1 != 1.0)."""
    if isinstance(node, ast.Literal):
        return ("lit", type(node.value).__name__, node.value)
    if isinstance(node, ast.ListLiteral):
        return ("list", tuple(shape(i) for i in node.items))
    if isinstance(node, ast.FactRef):
        return ("fact", node.name)
    if isinstance(node, ast.Call):
        return ("call", node.function, tuple(shape(a) for a in node.args))
    if isinstance(node, ast.Arithmetic):
        return ("arith", node.op, shape(node.left), shape(node.right))
    if isinstance(node, ast.Compare):
        return ("cmp", node.op, shape(node.left), shape(node.right))
    if isinstance(node, ast.IsKnown):
        return ("known", node.negated, shape(node.operand))
    if isinstance(node, ast.Not):
        return ("not", shape(node.operand))
    if isinstance(node, ast.And):
        return ("and", tuple(shape(o) for o in node.operands))
    if isinstance(node, ast.Or):
        return ("or", tuple(shape(o) for o in node.operands))
    raise AssertionError(f"unexpected node {node!r}")


F = ast.FactRef
L = ast.Literal


# --- valid rules → expected trees ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deceased.age >= 65", ast.Compare(">=", F("deceased.age"), L(65))),
        (
            'deceased.health_insurance == "kokuho"',
            ast.Compare("==", F("deceased.health_insurance"), L("kokuho")),
        ),
        ("a.b != 1.5", ast.Compare("!=", F("a.b"), L(1.5))),
        ("a.b < -3", ast.Compare("<", F("a.b"), L(-3))),
        ("a.b <= c.d", ast.Compare("<=", F("a.b"), F("c.d"))),
        ("a.b > 0", ast.Compare(">", F("a.b"), L(0))),
        ("funeral.held", F("funeral.held")),
        ("a.b.c", F("a.b.c")),
        ("andy.order", F("andy.order")),  # keywords inside names are fine
        ("true", L(True)),
        ("false", L(False)),
        ("not a.b", ast.Not(F("a.b"))),
        ("not not a.b", ast.Not(ast.Not(F("a.b")))),
        ("a.b and c.d", ast.And((F("a.b"), F("c.d")))),
        ("a.b and c.d and e.f", ast.And((F("a.b"), F("c.d"), F("e.f")))),
        ("a.b or c.d or e.f", ast.Or((F("a.b"), F("c.d"), F("e.f")))),
        # and binds tighter than or; not binds tighter than and
        ("a.b or c.d and e.f", ast.Or((F("a.b"), ast.And((F("c.d"), F("e.f")))))),
        ("a.b and c.d or e.f", ast.Or((ast.And((F("a.b"), F("c.d"))), F("e.f")))),
        ("not a.b and c.d", ast.And((ast.Not(F("a.b")), F("c.d")))),
        ("not (a.b and c.d)", ast.Not(ast.And((F("a.b"), F("c.d"))))),
        ("(a.b or c.d) and e.f", ast.And((ast.Or((F("a.b"), F("c.d"))), F("e.f")))),
        ("not a.b == 1", ast.Not(ast.Compare("==", F("a.b"), L(1)))),
        (
            'a.k in ["kokuho", "kouki"]',
            ast.Compare("in", F("a.k"), ast.ListLiteral((L("kokuho"), L("kouki")))),
        ),
        ("a.n not in [1, 2]", ast.Compare("not in", F("a.n"), ast.ListLiteral((L(1), L(2))))),
        ("a.b in [true]", ast.Compare("in", F("a.b"), ast.ListLiteral((L(True),)))),
        ("a.b is known", ast.IsKnown(F("a.b"))),
        ("a.b is unknown", ast.IsKnown(F("a.b"), negated=True)),
        ("not a.b is known", ast.Not(ast.IsKnown(F("a.b")))),
        # arithmetic: * and / before + and -, left associative
        ("a.n + 1 > 2", ast.Compare(">", ast.Arithmetic("+", F("a.n"), L(1)), L(2))),
        (
            "a.n + b.n * 2 >= 10",
            ast.Compare(">=", ast.Arithmetic("+", F("a.n"), ast.Arithmetic("*", F("b.n"), L(2))), L(10)),
        ),
        ("1 - 2 - 3", ast.Arithmetic("-", ast.Arithmetic("-", L(1), L(2)), L(3))),
        ("8 / 4 / 2", ast.Arithmetic("/", ast.Arithmetic("/", L(8), L(4)), L(2))),
        ("(1 - 2) * 3", ast.Arithmetic("*", ast.Arithmetic("-", L(1), L(2)), L(3))),
        ("-a.n", ast.Arithmetic("-", L(0), F("a.n"))),
        ("1 - -2", ast.Arithmetic("-", L(1), L(-2))),
        (
            "years_between(deceased.birth_date, deceased.death_date) >= 65",
            ast.Compare(
                ">=", ast.Call("years_between", (F("deceased.birth_date"), F("deceased.death_date"))), L(65)
            ),
        ),
        ('days_between(a.d, "2026-04-01")', ast.Call("days_between", (F("a.d"), L("2026-04-01")))),
        ("f()", ast.Call("f", ())),
        ('a.d >= "2024-04-01"', ast.Compare(">=", F("a.d"), L("2024-04-01"))),
        ("a.n >= param.senior_age", ast.Compare(">=", F("a.n"), F("param.senior_age"))),
        ("  a.b\n  and\tc.d  ", ast.And((F("a.b"), F("c.d")))),
        ('a.s == ""', ast.Compare("==", F("a.s"), L(""))),
        ('a.s == "国民健康保険 と 後期"', ast.Compare("==", F("a.s"), L("国民健康保険 と 後期"))),
    ],
)
def test_valid_rules_parse_to_the_expected_tree(text, expected):
    assert shape(parse(text)) == shape(expected)


def test_literal_types_are_kept():
    assert shape(parse("a.n == 1")) == ("cmp", "==", ("fact", "a.n"), ("lit", "int", 1))
    assert shape(parse("a.n == 1.0")) == ("cmp", "==", ("fact", "a.n"), ("lit", "float", 1.0))
    assert shape(parse("a.b == true")) == ("cmp", "==", ("fact", "a.b"), ("lit", "bool", True))


def test_positions_point_into_the_text():
    node = parse('a.x == 1 and b.y == "k"')
    assert isinstance(node, ast.And)
    first, second = node.operands
    assert first.pos == 0
    assert second.pos == 13
    assert second.right.pos == 20
    call = parse("1 < years_between(a.d, b.d)").right
    assert call.pos == 4
    assert call.args[1].pos == 23


def test_fact_names_lists_every_fact_and_parameter():
    node = parse(
        'a.b and (c.d > param.x or not years_between(e.f, g.h) >= 3) and i.j in ["x"] and k.l is known'
    )
    assert ast.fact_names(node) == {"a.b", "c.d", "param.x", "e.f", "g.h", "i.j", "k.l"}


# --- syntax errors: message and 1-based column ----------------------------------------------------------


def _error(text: str) -> RuleSyntaxError:
    with pytest.raises(RuleSyntaxError) as info:
        parse(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "column", "fragments"),
    [
        # = instead of ==
        ('deceased.health_insurance = "kokuho"', 27, ["'='", "use == to compare"]),
        # single quotes and typographic quotes
        ("deceased.health_insurance == 'kokuho'", 30, ['"\'"', "straight double quotes"]),
        ("a.b == “kokuho”", 8, ["'“'", "straight double quotes"]),
        ("a.b == 「kokuho」", 8, ["'「'", "straight double quotes"]),
        # upper case
        ("Deceased.age >= 65", 1, ["'D'", "lower case"]),
        ("deceased.Age >= 65", 10, ["'A'", "lower case"]),
        # && and ||
        ("a.b && c.d", 5, ["'&'", "use and / or"]),
        ("a.b || c.d", 5, ["'|'", "use and / or"]),
        # unbalanced parentheses
        ("(a.b and c.d", 13, ["ends too early", "expected )"]),
        ("a.b and c.d)", 12, ["unexpected ')'", "the end of the rule"]),
        ("((a.b)", 7, ["ends too early", ")"]),
        # trailing operator
        ("deceased.age >= 65 and", 23, ["ends too early", "a fact name"]),
        ("deceased.age >=", 16, ["ends too early", "a number"]),
        ("a.n +", 6, ["ends too early"]),
        ("not", 4, ["ends too early"]),
        # misplaced tokens
        ("a.b == == 1", 8, ["unexpected '=='"]),
        ("1 < 2 < 3", 7, ["unexpected '<'"]),
        ("a.b is not known", 8, ["unexpected 'not'", "known", "unknown"]),
        ("a.b in 1", 8, ["unexpected '1'", "["]),
        ('a.b == "unterminated', 8, ["unexpected character '\"'"]),
        ("a.b ; c.d", 5, ["unexpected character ';'"]),
        ("a.b and or c.d", 9, ["unexpected 'or'"]),
    ],
)
def test_syntax_errors_have_a_column_and_a_helpful_message(text, column, fragments):
    error = _error(text)
    assert error.column == column, error
    for fragment in fragments:
        assert fragment in error.message, error.message
    assert error.text == text
    assert str(error).endswith(f"(column {column})")


@pytest.mark.parametrize("text", ["", " ", "\n\t  "])
def test_empty_rule(text):
    error = _error(text)
    assert error.message == "the rule is empty"
    assert error.column == 1


def test_non_text_rule_is_a_syntax_error():
    error = _error(65)  # type: ignore[arg-type]  # e.g. YAML `applies_when: 65`
    assert error.message == "a rule must be text"


def test_pointer_puts_a_caret_under_the_column():
    error = _error('a.k = "x"')
    assert error.pointer() == 'a.k = "x"\n    ^'


@pytest.mark.parametrize(
    ("text", "column", "char"),
    [
        # A rule written over several lines (YAML `applies_when: |`): the column counts from the rule's
        # first character, as documented, so that it can be used as an index into the rule text.
        ("a.b and\nc.d = 1", 13, "="),
        ("a.b and\nc.d == 'x'", 16, "'"),
        ("a.b and\nc.d == 1)", 17, ")"),
    ],
)
def test_columns_in_multi_line_rules_count_from_the_start_of_the_rule(text, column, char):
    error = _error(text)
    assert error.column == column, error
    assert text[error.column - 1] == char


@pytest.mark.parametrize(
    "text",
    ["not " * 2000 + "a.b", "-" * 2000 + "1", "(" * 3000 + "a.b" + ")" * 3000],
    ids=["2000 nots", "2000 minus signs", "3000 parentheses"],
)
def test_deeply_nested_rules_give_a_syntax_error_not_a_crash(text):
    try:
        node = parse(text)
    except RuleSyntaxError as error:
        assert error.column >= 1
    else:
        assert isinstance(node, ast.Node)


# --- property: arbitrary text raises nothing but RuleSyntaxError --------------------------------------------

_TOKENS = [
    "a.b",
    "c.d_e",
    "x",
    "param.p",
    "years_between",
    "and",
    "or",
    "not",
    "in",
    "is",
    "known",
    "unknown",
    "true",
    "false",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    '"kokuho"',
    '"',
    "'",
    "1",
    "65",
    "1.5",
    "０",
    "１２",
    "年",
    "A",
    "&&",
    "\n",
    "\t",
]

token_soup = st.lists(st.sampled_from(_TOKENS), max_size=15).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.text(max_size=40), token_soup, st.text(alphabet="ab.()=<>!\"' andortu1-[],", max_size=30))
)
def test_arbitrary_text_raises_only_rule_syntax_error(text):
    try:
        node = parse(text)
    except RuleSyntaxError as error:
        assert 1 <= error.column <= len(text) + 1
        assert error.message
    else:
        assert isinstance(node, ast.Node)


# --- property: printed ASTs parse back to the same tree -------------------------------------------------------

_KEYWORDS = {"and", "or", "not", "in", "is", "known", "unknown", "true", "false"}
name_part = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(lambda s: s not in _KEYWORDS)
fact_name = st.lists(name_part, min_size=1, max_size=3).map(".".join)
number_lit = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.builds(lambda a, b: float(f"{a}.{b}"), st.integers(0, 999), st.integers(0, 99)),
)
string_lit = st.text(
    alphabet=st.characters(blacklist_characters='"\\\n', blacklist_categories=("Cs",)), max_size=8
)
literal = st.one_of(number_lit.map(ast.Literal), string_lit.map(ast.Literal), st.booleans().map(ast.Literal))
# List items: the grammar takes plain literals only (no negative numbers).
list_item = st.one_of(
    st.integers(0, 1000).map(ast.Literal), string_lit.map(ast.Literal), st.booleans().map(ast.Literal)
)
list_lit = st.lists(list_item, min_size=1, max_size=4).map(lambda items: ast.ListLiteral(tuple(items)))

value_leaf = st.one_of(literal, fact_name.map(ast.FactRef))


def _extend_values(children):
    return st.one_of(
        st.builds(ast.Arithmetic, st.sampled_from("+-*/"), children, children),
        st.builds(lambda f, args: ast.Call(f, tuple(args)), name_part, st.lists(children, max_size=3)),
    )


value_expr = st.recursive(value_leaf, _extend_values, max_leaves=6)


def _extend_conditions(children):
    return st.one_of(
        st.builds(ast.Not, children),
        st.lists(children, min_size=2, max_size=4).map(lambda ops: ast.And(tuple(ops))),
        st.lists(children, min_size=2, max_size=4).map(lambda ops: ast.Or(tuple(ops))),
    )


condition_leaf = st.one_of(
    fact_name.map(ast.FactRef),
    st.booleans().map(ast.Literal),
    st.builds(ast.Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), value_expr, value_expr),
    st.builds(ast.Compare, st.sampled_from(["in", "not in"]), value_expr, list_lit),
    st.builds(ast.IsKnown, value_expr, st.booleans()),
)
rule_ast = st.recursive(condition_leaf, _extend_conditions, max_leaves=8)


def to_text(node: ast.Node) -> str:
    """Print a tree, parenthesising every compound sub-expression."""

    def sub(n: ast.Node) -> str:
        text = to_text(n)
        return text if isinstance(n, ast.Literal | ast.FactRef | ast.ListLiteral | ast.Call) else f"({text})"

    if isinstance(node, ast.Literal):
        v = node.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, float):
            return repr(v) if v >= 0 else f"-{repr(-v)}"
        return str(v)
    if isinstance(node, ast.ListLiteral):
        return "[" + ", ".join(to_text(i) for i in node.items) + "]"
    if isinstance(node, ast.FactRef):
        return node.name
    if isinstance(node, ast.Call):
        return f"{node.function}(" + ", ".join(to_text(a) for a in node.args) + ")"
    if isinstance(node, ast.Arithmetic | ast.Compare):
        return f"{sub(node.left)} {node.op} {sub(node.right)}"
    if isinstance(node, ast.IsKnown):
        return f"{sub(node.operand)} is {'unknown' if node.negated else 'known'}"
    if isinstance(node, ast.Not):
        return f"not {sub(node.operand)}"
    if isinstance(node, ast.And | ast.Or):
        word = " and " if isinstance(node, ast.And) else " or "
        return word.join(sub(o) for o in node.operands)
    raise AssertionError(node)


def test_printer_sanity():
    tree = ast.And((ast.Compare(">=", F("a.n"), L(-2)), ast.Not(ast.Or((F("b.c"), L(False))))))
    assert to_text(tree) == "(a.n >= -2) and (not (b.c or false))"


@settings(max_examples=200, deadline=None)
@given(rule_ast)
def test_printed_rules_parse_back_to_the_same_tree(tree):
    text = to_text(tree)
    assert shape(parse(text)) == shape(tree), text


@settings(max_examples=100, deadline=None)
@given(rule_ast)
def test_parsing_is_idempotent_through_printing(tree):
    once = parse(to_text(tree))
    assert shape(parse(to_text(once))) == shape(once)
