"""Three-valued (Kleene) evaluation, waiting_for and explanations of compiled rules."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from madoguchi.catalog.models import Fact
from madoguchi.rules.evaluate import UNKNOWN, compile_expression, compile_rule


def _fact(name: str, type_: str, label: str, **extra) -> Fact:
    return Fact(name=name, type=type_, label=label, question=f"{label}は？", **extra)


SPECS = {
    f.name: f
    for f in [
        _fact("x.a", "bool", "年金受給", true_text="年金を受けていた", false_text="年金を受けていなかった"),
        _fact("x.b", "bool", "世帯主"),
        _fact("x.c", "bool", "手帳"),
        _fact("x.n", "int", "年齢", unit="歳"),
        _fact("x.m", "int", "人数", unit="人"),
        _fact("x.d", "date", "生年月日"),
        _fact("x.e", "date", "死亡日"),
        _fact(
            "x.k",
            "choice",
            "保険",
            choices={"kokuho": "国民健康保険", "kouki": "後期高齢者医療", "other": "その他"},
        ),
    ]
}
PARAMS = {"age": 65, "flag": True, "start": date(2024, 4, 1), "fee": 300}

T, F, U = True, False, UNKNOWN


def rule(text: str):
    return compile_rule(text, SPECS, PARAMS)


def ev(text: str, **values):
    return rule(text).evaluate({k.replace("_", "."): v for k, v in values.items()})


def _assign(a, b=None):
    values = {}
    if a is not U:
        values["x.a"] = a
    if b is not U and b is not None:
        values["x.b"] = b
    return values


def same(got, want) -> bool:
    """Identity for UNKNOWN, equality with the exact type for booleans."""
    return got is want if want is UNKNOWN else (got is not UNKNOWN and type(got) is bool and got == want)


# --- Kleene truth tables ---------------------------------------------------------------------------------

AND = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
OR = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip
NOT = {T: F, F: T, U: U}


@pytest.mark.parametrize(("a", "b"), list(AND), ids=lambda v: repr(v))
def test_and_truth_table(a, b):
    assert same(rule("x.a and x.b").evaluate(_assign(a, b)), AND[a, b])


@pytest.mark.parametrize(("a", "b"), list(OR), ids=lambda v: repr(v))
def test_or_truth_table(a, b):
    assert same(rule("x.a or x.b").evaluate(_assign(a, b)), OR[a, b])


@pytest.mark.parametrize("a", list(NOT), ids=repr)
def test_not_truth_table(a):
    assert same(rule("not x.a").evaluate(_assign(a)), NOT[a])


@pytest.mark.parametrize(
    "values", list(itertools.product([T, F, U], repeat=3)), ids=lambda v: "-".join(map(repr, v))
)
def test_three_operand_and_or_match_nested_tables(values):
    a, b, c = values
    assigned = {k: v for k, v in zip(("x.a", "x.b", "x.c"), values, strict=True) if v is not U}
    assert same(rule("x.a and x.b and x.c").evaluate(assigned), AND[AND[a, b], c])
    assert same(rule("x.a or x.b or x.c").evaluate(assigned), OR[OR[a, b], c])
    assert same(rule("not (x.a and x.b) or x.c").evaluate(assigned), OR[NOT[AND[a, b]], c])
    # De Morgan holds in Kleene logic
    assert same(rule("not (x.a or x.b)").evaluate(assigned), rule("not x.a and not x.b").evaluate(assigned))


def test_unknown_has_no_truth_value():
    with pytest.raises(TypeError):
        bool(UNKNOWN)
    assert repr(UNKNOWN) == "UNKNOWN"


# --- comparisons, membership, is known ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("x.n >= 65", {}, U),
        ("x.n >= 65", {"x.n": 65}, T),
        ("x.n >= 65", {"x.n": 64}, F),
        ("x.n > 65", {"x.n": 65}, F),
        ("x.n < 65", {"x.n": 64}, T),
        ("x.n <= 65", {"x.n": 66}, F),
        ("x.n == 3", {"x.n": 3}, T),
        ("x.n != 3", {"x.n": 3}, F),
        ("x.n >= x.m", {"x.n": 3}, U),
        ("x.n >= x.m", {"x.m": 3}, U),
        ("x.n >= x.m", {"x.n": 3, "x.m": 3}, T),
        ("x.n == x.n", {}, U),  # an unknown is not even equal to itself
        ('x.k == "kokuho"', {}, U),
        ('x.k == "kokuho"', {"x.k": "kokuho"}, T),
        ('x.k != "kokuho"', {"x.k": "kouki"}, T),
        ('x.k in ["kokuho", "kouki"]', {}, U),
        ('x.k in ["kokuho", "kouki"]', {"x.k": "kouki"}, T),
        ('x.k in ["kokuho", "kouki"]', {"x.k": "other"}, F),
        ('x.k not in ["kokuho", "kouki"]', {}, U),
        ('x.k not in ["kokuho", "kouki"]', {"x.k": "other"}, T),
        ('x.k not in ["kokuho", "kouki"]', {"x.k": "kokuho"}, F),
        ("x.n in [1, 2, 3]", {"x.n": 2}, T),
        ("x.n not in [1, 2, 3]", {"x.n": 4}, T),
        ("x.a == true", {"x.a": True}, T),
        ("x.a == false", {"x.a": True}, F),
        ("x.a != false", {}, U),
        ("x.n is known", {}, F),
        ("x.n is known", {"x.n": 0}, T),
        ("x.n is unknown", {}, T),
        ("x.n is unknown", {"x.n": 0}, F),
        ("x.a is known", {"x.a": False}, T),  # a known False is known
        ("x.n + x.m is known", {"x.n": 1}, F),
        ("not x.n is known", {}, T),
        # Kleene: a decided operand wins over an unknown one
        ("x.n >= 65 and x.a", {"x.n": 10}, F),
        ("x.n >= 65 or x.a", {"x.n": 70}, T),
        ("x.n >= 65 or x.a", {"x.n": 10}, U),
        ("true", {}, T),
        ("false or x.a", {}, U),
        ("true or x.a", {}, T),
        ("param.flag", {}, T),
        ("x.n >= param.age", {"x.n": 65}, T),
        ("x.n >= param.age", {"x.n": 64}, F),
        ("x.n >= param.age", {}, U),
    ],
)
def test_comparisons(text, values, expected):
    assert same(rule(text).evaluate(values), expected)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("x.n + x.m >= 5", {"x.n": 2, "x.m": 3}, T),
        ("x.n + x.m >= 5", {"x.n": 2}, U),
        ("x.n - x.m < 0", {"x.n": 2, "x.m": 3}, T),
        ("x.n * 2 == 6", {"x.n": 3}, T),
        ("x.n / 2 == 1.5", {"x.n": 3}, T),  # true division
        ("x.n * 2 + 1 == 7", {"x.n": 3}, T),  # precedence
        ("(x.n + 1) * 2 == 8", {"x.n": 3}, T),
        ("-x.n < 0", {"x.n": 3}, T),
        ("x.n - -1 == 4", {"x.n": 3}, T),
        ("x.n * 0 == 0", {}, U),  # no short cut through unknowns
        # Current behaviour: division by zero is UNKNOWN (even with every fact known).
        ("x.n / x.m > 1", {"x.n": 3, "x.m": 0}, U),
    ],
)
def test_arithmetic(text, values, expected):
    assert same(rule(text).evaluate(values), expected)


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        (date(1960, 4, 1), date(2025, 3, 31), 64),  # the day before the birthday
        (date(1960, 4, 1), date(2025, 4, 1), 65),  # the birthday
        (date(1960, 4, 1), date(2025, 4, 2), 65),
        (date(1960, 12, 31), date(2025, 1, 1), 64),
        (date(2000, 2, 29), date(2001, 2, 28), 0),  # leap-day birth, non-leap year
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 28), 3),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(2000, 3, 1), date(2004, 2, 29), 3),
        (date(2026, 1, 1), date(2026, 1, 1), 0),
        (date(2000, 1, 1), date(1990, 1, 1), -10),
    ],
)
def test_years_between(birth, on, years):
    expr = compile_expression("years_between(x.d, x.e)", SPECS, "int")
    assert expr.evaluate({"x.d": birth, "x.e": on}) == years
    assert expr.evaluate({"x.d": birth}) is UNKNOWN
    assert expr.evaluate({"x.e": on}) is UNKNOWN
    assert same(rule(f"years_between(x.d, x.e) >= {years}").evaluate({"x.d": birth, "x.e": on}), T)
    assert same(rule(f"years_between(x.d, x.e) >= {years + 1}").evaluate({"x.d": birth, "x.e": on}), F)


def test_days_between_and_date_literal_arguments():
    expr = compile_expression('days_between(x.d, "2024-03-01")', SPECS, "int")
    assert expr.evaluate({"x.d": date(2024, 2, 1)}) == 29
    assert expr.evaluate({"x.d": date(2024, 3, 2)}) == -1
    assert (
        compile_expression('years_between("2000-02-29", x.e)', SPECS, "int").evaluate(
            {"x.e": date(2026, 2, 28)}
        )
        == 25
    )


@pytest.mark.parametrize(
    ("text", "d", "expected"),
    [
        ('x.d >= "2024-04-01"', date(2024, 4, 1), T),
        ('x.d >= "2024-04-01"', date(2024, 3, 31), F),
        ('x.d > "2024-04-01"', date(2024, 4, 1), F),
        ('x.d < "2024-04-01"', date(2023, 12, 31), T),
        ('x.d == "2024-04-01"', date(2024, 4, 1), T),
        ('x.d != "2024-04-01"', date(2024, 4, 1), F),
        ('"2024-04-01" <= x.d', date(2024, 4, 1), T),  # literal on the left
        ('"2024-04-01" > x.d', date(2024, 4, 1), F),
        ('x.d in ["2024-04-01", "2024-05-01"]', date(2024, 5, 1), T),
        ('x.d not in ["2024-04-01", "2024-05-01"]', date(2024, 5, 1), F),
        ("x.d >= param.start", date(2024, 4, 1), T),
        ("x.d >= param.start", date(2024, 3, 31), F),
        ("x.d < x.e", date(2024, 3, 31), U),
    ],
)
def test_date_comparisons(text, d, expected):
    assert same(rule(text).evaluate({"x.d": d}), expected)
    assert rule(text).evaluate({}) is UNKNOWN


def test_date_facts_compare_with_each_other():
    r = rule("x.d < x.e")
    assert same(r.evaluate({"x.d": date(2000, 1, 1), "x.e": date(2000, 1, 2)}), T)
    assert same(r.evaluate({"x.d": date(2000, 1, 2), "x.e": date(2000, 1, 2)}), F)


# --- facts and waiting_for -----------------------------------------------------------------------------------


def test_facts_read_by_a_rule_exclude_parameters():
    assert rule("x.n >= param.age and (x.a or years_between(x.d, x.e) > 3)").facts == frozenset(
        {"x.n", "x.a", "x.d", "x.e"}
    )


@pytest.mark.parametrize(
    ("text", "values", "waiting"),
    [
        ("x.a and x.b", {}, {"x.a", "x.b"}),
        ("x.a and x.b", {"x.a": False}, set()),  # decided: nothing to wait for
        ("x.a and x.b", {"x.b": True}, {"x.a"}),
        ("x.a and x.b", {"x.a": True}, {"x.b"}),
        ("x.a or x.b", {"x.a": True}, set()),
        ("x.a or x.b", {"x.a": False}, {"x.b"}),
        ("x.a or (x.b and x.c)", {"x.b": False}, {"x.a"}),  # the decided branch is not waited for
        ("(x.a or x.b) and x.c", {"x.a": True}, {"x.c"}),
        ("not (x.a and x.b)", {"x.b": True}, {"x.a"}),
        ("not (x.a and x.b)", {"x.b": False}, set()),
        ("x.n >= x.m", {"x.n": 3}, {"x.m"}),
        ("x.n + x.m >= 5 and x.a", {}, {"x.n", "x.m", "x.a"}),
        ("years_between(x.d, x.e) >= 65", {"x.d": date(1950, 1, 1)}, {"x.e"}),
        ('x.k in ["kokuho"] or x.a', {"x.a": False}, {"x.k"}),
        ("x.n >= param.age", {}, {"x.n"}),
        ("x.n is known", {}, set()),  # decided (False) while x.n is unknown
        ("x.n is known or x.a", {}, {"x.a"}),
        ("x.a and x.n is unknown", {}, {"x.a"}),
        ("x.n >= 65 and x.n < 75", {"x.n": 80}, set()),
        ("x.a", {"x.a": True}, set()),
    ],
)
def test_waiting_for_names_exactly_the_facts_that_could_still_decide(text, values, waiting):
    assert rule(text).waiting_for(values) == waiting


def test_waiting_for_expands_derived_facts():
    r = rule("x.n >= 65 and x.a")
    expand = {"x.n": frozenset({"x.d", "x.e"})}
    assert r.waiting_for({}, expand) == {"x.d", "x.e", "x.a"}
    assert r.waiting_for({"x.a": True}, expand) == {"x.d", "x.e"}
    assert r.waiting_for({"x.a": False}, expand) == set()


# --- explanations -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "truth", "phrases"),
    [
        # bool facts: true_text / false_text, else label: はい / いいえ
        ("x.a", {"x.a": True}, True, ["年金を受けていた"]),
        ("x.a", {"x.a": False}, False, ["年金を受けていなかった"]),
        ("x.b", {"x.b": True}, True, ["世帯主: はい"]),
        ("x.b", {"x.b": False}, False, ["世帯主: いいえ"]),
        ("not x.a", {"x.a": False}, True, ["年金を受けていなかった"]),
        ("x.a == true", {"x.a": True}, True, ["年金を受けていた"]),
        ("x.a == false", {"x.a": False}, True, ["年金を受けていなかった"]),
        ("x.a != true", {"x.a": False}, True, ["年金を受けていなかった"]),
        ("x.a == true", {"x.a": False}, False, ["年金を受けていなかった"]),
        # numbers: value with unit and 以上/未満/より多い/以下 against the bound
        ("x.n >= 65", {"x.n": 70}, True, ["年齢: 70歳（65歳以上）"]),
        ("x.n >= 65", {"x.n": 60}, False, ["年齢: 60歳（65歳未満）"]),
        ("x.n < 65", {"x.n": 60}, True, ["年齢: 60歳（65歳未満）"]),
        ("x.n < 65", {"x.n": 70}, False, ["年齢: 70歳（65歳以上）"]),
        ("x.n > 65", {"x.n": 66}, True, ["年齢: 66歳（65歳より多い）"]),
        ("x.n > 65", {"x.n": 65}, False, ["年齢: 65歳（65歳以下）"]),
        ("x.n <= 65", {"x.n": 65}, True, ["年齢: 65歳（65歳以下）"]),
        ("x.n <= 65", {"x.n": 66}, False, ["年齢: 66歳（65歳より多い）"]),
        ("x.n >= param.age", {"x.n": 65}, True, ["年齢: 65歳（65歳以上）"]),
        ("x.m >= 2", {"x.m": 3}, True, ["人数: 3人（2人以上）"]),
        ("x.n <= x.m", {"x.n": 3, "x.m": 2}, False, ["年齢: 3歳（人数より多い）"]),
        ("x.n == 3", {"x.n": 3}, True, ["年齢: 3歳"]),
        # choices: the label of the value, not the code
        ('x.k == "kokuho"', {"x.k": "kokuho"}, True, ["保険: 国民健康保険"]),
        ('x.k == "kokuho"', {"x.k": "kouki"}, False, ["保険: 後期高齢者医療"]),
        ('x.k in ["kokuho", "kouki"]', {"x.k": "kouki"}, True, ["保険: 後期高齢者医療"]),
        ('x.k not in ["kokuho", "kouki"]', {"x.k": "other"}, True, ["保険: その他"]),
        # dates in 和暦
        (
            "x.d >= param.start",
            {"x.d": date(2024, 3, 1)},
            False,
            ["生年月日: 令和6年3月1日（令和6年4月1日未満）"],
        ),
        # is known
        ("x.n is known", {"x.n": 1}, True, ["年齢: わかっている"]),
        ("x.n is known", {}, False, ["年齢: わかっていない"]),
        ("x.n is unknown", {}, True, ["年齢: わかっていない"]),
        # and/true: every operand; or/true: only the true ones
        (
            'x.a and x.k == "kokuho"',
            {"x.a": True, "x.k": "kokuho"},
            True,
            ["年金を受けていた", "保険: 国民健康保険"],
        ),
        ("x.a or x.n >= 65", {"x.a": False, "x.n": 70}, True, ["年齢: 70歳（65歳以上）"]),
        ("x.a or x.n >= 65", {"x.a": True}, True, ["年金を受けていた"]),
        # and/false: only the false ones; or/false: every operand
        ("x.a and x.n >= 65", {"x.a": True, "x.n": 10}, False, ["年齢: 10歳（65歳未満）"]),
        ("x.a and x.n >= 65", {"x.a": False}, False, ["年金を受けていなかった"]),
        ("x.a or x.b", {"x.a": False, "x.b": False}, False, ["年金を受けていなかった", "世帯主: いいえ"]),
        # a threshold written on the left reads the same as on the right
        ("65 <= x.n", {"x.n": 70}, True, ["年齢: 70歳（65歳以上）"]),
        ("65 > x.n", {"x.n": 70}, False, ["年齢: 70歳（65歳以上）"]),
        ("param.age <= x.n", {"x.n": 64}, False, ["年齢: 64歳（65歳未満）"]),
        ("true == x.a", {"x.a": True}, True, ["年金を受けていた"]),
        ('"kokuho" == x.k', {"x.k": "kokuho"}, True, ["保険: 国民健康保険"]),
        # phrases are not repeated
        ("x.a and (x.a or x.b)", {"x.a": True}, True, ["年金を受けていた"]),
        # a bound another bound on the same value implies is left out (#12 item 7): 65歳以上 says 40歳以上
        ("x.n >= 40 and x.n >= 65", {"x.n": 82}, True, ["年齢: 82歳（65歳以上）"]),
        ("x.n >= 40 and not (x.n < 65)", {"x.n": 82}, True, ["年齢: 82歳（65歳以上）"]),
        ("x.n < 75 and x.n <= 70", {"x.n": 30}, True, ["年齢: 30歳（70歳以下）"]),
        ("x.n >= 40 and x.n < 75", {"x.n": 70}, True, ["年齢: 70歳（40歳以上）", "年齢: 70歳（75歳未満）"]),
        ("x.n >= 65 or x.n >= 40", {"x.n": 10}, False, ["年齢: 10歳（40歳未満）"]),
        ("true", {}, True, []),
    ],
)
def test_explain(text, values, truth, phrases):
    r = rule(text)
    assert r.evaluate(values) is truth
    assert r.explain(values, truth) == phrases


def test_explain_shows_a_date_literal_bound_in_wareki_like_a_date_parameter():
    # The same threshold written as a literal and as a parameter should read the same to a family.
    literal = rule('x.d >= "2024-04-01"').explain({"x.d": date(2024, 3, 1)}, False)
    param = rule("x.d >= param.start").explain({"x.d": date(2024, 3, 1)}, False)
    assert literal == param == ["生年月日: 令和6年3月1日（令和6年4月1日未満）"]


# --- properties: monotonicity and waiting_for ---------------------------------------------------------------

DOMAINS = {
    "x.a": [True, False],
    "x.b": [True, False],
    "x.c": [True, False],
    "x.n": list(range(0, 7)),
    "x.m": list(range(0, 7)),
    "x.k": ["kokuho", "kouki", "other"],
    "x.d": [date(2000, 2, 29), date(2000, 3, 1), date(1950, 1, 1)],
    "x.e": [date(2001, 2, 28), date(2004, 2, 29), date(2026, 1, 1)],
}
COMPARE = ["==", "!=", "<", "<=", ">", ">="]


def _list(values):
    return "[" + ", ".join(values) + "]"


atom = st.one_of(
    st.sampled_from(["x.a", "x.b", "x.c", "not x.a", "x.a == true", "x.b != false", "param.flag"]),
    st.builds(lambda op, k: f"x.n {op} {k}", st.sampled_from(COMPARE), st.integers(0, 6)),
    st.builds(lambda op: f"x.n {op} x.m", st.sampled_from(COMPARE)),
    st.builds(lambda op, k: f"x.n + x.m {op} {k}", st.sampled_from(COMPARE), st.integers(0, 12)),
    st.builds(lambda op, k: f"x.m * 2 - x.n {op} {k}", st.sampled_from(COMPARE), st.integers(-6, 12)),
    st.builds(
        lambda op, v: f'x.k {op} "{v}"', st.sampled_from(["==", "!="]), st.sampled_from(DOMAINS["x.k"])
    ),
    st.builds(
        lambda op, vs: f"x.k {op} {_list(vs)}",
        st.sampled_from(["in", "not in"]),
        st.lists(st.sampled_from(['"kokuho"', '"kouki"', '"other"']), min_size=1, max_size=3),
    ),
    st.builds(
        lambda op, k: f"years_between(x.d, x.e) {op} {k}", st.sampled_from(COMPARE), st.integers(0, 77)
    ),
    st.builds(lambda op: f'x.d {op} "2000-03-01"', st.sampled_from(COMPARE)),
    st.builds(lambda op: f"x.e {op} param.start", st.sampled_from(COMPARE)),
)


def _extend(children):
    return st.one_of(
        children.map(lambda c: f"not ({c})"),
        st.lists(children, min_size=2, max_size=3).map(lambda cs: " and ".join(f"({c})" for c in cs)),
        st.lists(children, min_size=2, max_size=3).map(lambda cs: " or ".join(f"({c})" for c in cs)),
    )


rule_text = st.recursive(atom, _extend, max_leaves=6)


@st.composite
def partial_assignment(draw):
    values = {}
    for name, domain in DOMAINS.items():
        if draw(st.booleans()):
            values[name] = draw(st.sampled_from(domain))
    return values


@st.composite
def completion(draw, values):
    return {**values, **{n: draw(st.sampled_from(d)) for n, d in DOMAINS.items() if n not in values}}


@settings(max_examples=300, deadline=None)
@given(rule_text, partial_assignment(), st.data())
def test_decided_rules_stay_decided_whatever_the_unknown_facts_turn_out_to_be(text, values, data):
    r = rule(text)
    result = r.evaluate(values)
    assume(result is not UNKNOWN)
    assert r.waiting_for(values) == set()
    for _ in range(5):
        full = data.draw(completion(values))
        assert r.evaluate(full) is result, (text, values, full)


@settings(max_examples=300, deadline=None)
@given(rule_text, partial_assignment(), st.data())
def test_undetermined_rules_are_decided_by_their_waiting_for_facts(text, values, data):
    r = rule(text)
    assume(r.evaluate(values) is UNKNOWN)
    waiting = r.waiting_for(values)
    assert waiting, (text, values)
    assert waiting <= r.facts - set(values)
    # Filling in only the facts it waits for decides the rule.
    fill = data.draw(completion(values))
    only_waiting = {**values, **{n: fill[n] for n in waiting}}
    decided = r.evaluate(only_waiting)
    assert decided is not UNKNOWN, (text, values, only_waiting)
    # ... and every fact it waits for matters for some completion of the others: not checked exhaustively
    # (that needs a search), but the facts outside waiting_for never change a decided outcome.
    assert r.evaluate(fill) is decided


@settings(max_examples=200, deadline=None)
@given(rule_text, partial_assignment())
def test_explain_gives_a_reason_for_every_decided_bool_outcome(text, values):
    r = rule(text)
    result = r.evaluate(values)
    assume(result is not UNKNOWN)
    phrases = r.explain(values, result)
    assert all(isinstance(p, str) and p for p in phrases)
    assert len(phrases) == len(set(phrases))
    if "param.flag" not in text:
        assert phrases, (text, values)
