"""Type checking of rules against the fact dictionary: RuleTypeError with a column and a clear message."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.catalog.models import Fact
from madoguchi.rules.evaluate import UNKNOWN, RuleTypeError, compile_expression, compile_rule
from madoguchi.rules.parser import RuleSyntaxError


def _fact(name: str, type_: str, label: str, **extra) -> Fact:
    return Fact(name=name, type=type_, label=label, question=f"{label}は？", **extra)


SPECS = {
    f.name: f
    for f in [
        _fact("deceased.age", "int", "年齢", unit="歳"),
        _fact("deceased.birth_date", "date", "生年月日"),
        _fact("deceased.death_date", "date", "死亡日"),
        _fact("deceased.pension_recipient", "bool", "年金"),
        _fact("deceased.note", "text", "備考"),
        _fact(
            "deceased.health_insurance",
            "choice",
            "健康保険",
            choices={"kokuho": "国民健康保険", "kouki": "後期高齢者医療", "none": "なし"},
        ),
    ]
}
PARAMS = {"senior_age": 65, "ratio": 1.5, "enabled": True, "label": "x", "start": "2024-04-01"}


def _type_error(text: str, params=PARAMS) -> RuleTypeError:
    with pytest.raises(RuleTypeError) as info:
        compile_rule(text, SPECS, params)
    return info.value


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        # unknown facts, with a suggestion when one is close
        (
            'deceased.health_insurence == "kokuho"',
            1,
            "unknown fact 'deceased.health_insurence' (did you mean 'deceased.health_insurance'?)",
        ),
        (
            "deceased.pension_recipint",
            1,
            "unknown fact 'deceased.pension_recipint' (did you mean 'deceased.pension_recipient'?)",
        ),
        ("deceased.age >= 65 and household.members >= 2", 24, "unknown fact 'household.members'"),
        # choice values
        (
            'deceased.health_insurance == "kokuhoo"',
            30,
            "'kokuhoo' is not a value of 'deceased.health_insurance'; allowed: 'kokuho', 'kouki', 'none'",
        ),
        (
            '"welfare" == deceased.health_insurance',
            1,
            "'welfare' is not a value of 'deceased.health_insurance'; allowed: 'kokuho', 'kouki', 'none'",
        ),
        (
            'deceased.health_insurance in ["kokuho", "employee"]',
            41,
            "'employee' is not a value of 'deceased.health_insurance'; allowed: 'kokuho', 'kouki', 'none'",
        ),
        # number vs string and other mismatches
        ('deceased.age == "65"', 1, "cannot compare a number with a string"),
        ("deceased.age >= param.label", 1, "cannot compare a number with a string"),
        ("deceased.pension_recipient == 1", 1, "cannot compare a bool with a number"),
        ("deceased.birth_date > 3", 1, "cannot compare a date with a number"),
        ('deceased.birth_date > "2024-13-01"', 1, "cannot compare a date with a string"),  # not a real date
        ('deceased.age in ["a"]', 18, "list item is a string but the left side is a number"),
        ('deceased.age in [1, "a"]', 21, "list item is a string but the left side is a number"),
        ("deceased.age in []", 1, '\'in\' needs a non-empty list like ["a", "b"]'),
        # and / or / not on non-booleans
        (
            "deceased.age and deceased.pension_recipient",
            1,
            "'and' needs a yes/no condition; fact 'deceased.age' is a number (compare it, e.g. == or >=)",
        ),
        (
            "deceased.pension_recipient or deceased.health_insurance",
            31,
            "'or' needs a yes/no condition; fact 'deceased.health_insurance' is a string (compare it, e.g. == or >=)",
        ),
        (
            "not deceased.age",
            5,
            "'not' needs a yes/no condition; fact 'deceased.age' is a number (compare it, e.g. == or >=)",
        ),
        (
            "deceased.pension_recipient and deceased.age + 1",
            32,
            "'and' needs a yes/no condition; this is a number (compare it, e.g. == or >=)",
        ),
        # ordering on choices, text and booleans
        ('deceased.health_insurance < "kokuho"', 1, "'<' compares numbers or dates, not a string"),
        ('deceased.note >= "a"', 1, "'>=' compares numbers or dates, not a string"),
        ("deceased.pension_recipient > false", 1, "'>' compares numbers or dates, not a bool"),
        # arithmetic on non-numbers
        ("deceased.pension_recipient + 1 > 2", 1, "'+' works on numbers only"),
        ("deceased.age * deceased.birth_date > 2", 16, "'*' works on numbers only"),
        # functions: unknown, arity, argument types
        (
            "age_at(deceased.birth_date, deceased.death_date) >= 65",
            1,
            "unknown function 'age_at'; known: days_between, years_between",
        ),
        ("years_between(deceased.birth_date) >= 65", 1, "years_between() takes 2 arguments, got 1"),
        ("years_between() >= 65", 1, "years_between() takes 2 arguments, got 0"),
        (
            "years_between(deceased.birth_date, deceased.death_date, deceased.death_date) >= 65",
            1,
            "years_between() takes 2 arguments, got 3",
        ),
        (
            "years_between(deceased.birth_date, deceased.age) >= 65",
            36,
            "years_between() needs a date here, got a number",
        ),
        (
            'years_between("2024-02-30", deceased.death_date) >= 1',
            15,
            "years_between() needs a date here, got a string",
        ),
        # parameters
        ("deceased.age >= param.senior_agee", 17, "unknown parameter 'senior_agee'"),
        # a rule must be yes/no
        ("deceased.age", 1, "a condition must be yes/no (for example: deceased.age >= 65)"),
        ("deceased.age + 1", 1, "a condition must be yes/no (for example: deceased.age >= 65)"),
        ('"kokuho"', 1, "a condition must be yes/no (for example: deceased.age >= 65)"),
        (
            "years_between(deceased.birth_date, deceased.death_date)",
            1,
            "a condition must be yes/no (for example: deceased.age >= 65)",
        ),
    ],
)
def test_type_errors(text, column, message):
    error = _type_error(text)
    assert error.message == message
    assert error.column == column
    assert error.text == text
    assert isinstance(error, RuleSyntaxError)  # callers catch one exception type


@pytest.mark.parametrize(
    "text",
    [
        'deceased.health_insurance == "kokuho"',
        'deceased.health_insurance in ["kokuho", "kouki"] and not deceased.pension_recipient',
        "deceased.age >= param.senior_age",
        "deceased.age * param.ratio >= 90",
        "deceased.pension_recipient == param.enabled",
        "param.enabled",
        'deceased.note == "x"',
        "years_between(deceased.birth_date, deceased.death_date) >= 65",
        'deceased.death_date >= "2024-04-01"',
        'deceased.birth_date in ["2000-01-01"]',
        "deceased.age is known or deceased.birth_date is unknown",
        '"a" == "a"',
        "true",
    ],
)
def test_well_typed_rules_compile(text):
    assert compile_rule(text, SPECS, PARAMS).source == text


def test_syntax_errors_come_through_compile_rule():
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule("deceased.age = 65", SPECS, PARAMS)
    assert not isinstance(info.value, RuleTypeError)
    assert info.value.column == 14


def test_unknown_fact_without_a_close_name_has_no_suggestion():
    assert _type_error("zzz.qqq").message == "unknown fact 'zzz.qqq'"


def test_compile_expression_checks_the_result_type():
    assert compile_expression(
        "years_between(deceased.birth_date, deceased.death_date)", SPECS, "int"
    ).facts == {
        "deceased.birth_date",
        "deceased.death_date",
    }
    assert compile_expression("deceased.age >= 65", SPECS, "bool").evaluate({"deceased.age": 70}) is True
    with pytest.raises(RuleTypeError) as info:
        compile_expression("deceased.age >= 65", SPECS, "int")
    assert info.value.message == "this expression gives a bool, but the fact is a int"
    with pytest.raises(RuleTypeError) as info:
        compile_expression("years_between(deceased.birth_date, deceased.death_date)", SPECS, "date")
    assert info.value.message == "this expression gives a number, but the fact is a date"


def test_a_date_parameter_from_yaml_compares_with_a_date_fact():
    # The catalog loader keeps YAML dates as strings (so `value: 2024-04-01` arrives as "2024-04-01"); a date
    # threshold the municipality edits must still be usable against a date fact, like a date literal.
    r = compile_rule("deceased.death_date >= param.start", SPECS, PARAMS)
    assert r.evaluate({"deceased.death_date": date(2024, 4, 1)}) is True
    assert r.evaluate({"deceased.death_date": date(2024, 3, 31)}) is False
    assert r.evaluate({}) is UNKNOWN
    assert r.explain({"deceased.death_date": date(2024, 3, 31)}, False) == [
        "死亡日: 令和6年3月31日（令和6年4月1日未満）"
    ]
    assert (
        compile_expression("days_between(param.start, deceased.death_date)", SPECS, "int", PARAMS).evaluate(
            {"deceased.death_date": date(2024, 4, 11)}
        )
        == 10
    )


@pytest.mark.parametrize(
    ("text", "column"),
    # A list node is located at its first item (or the rule start when empty).
    [
        ("[1] == [1]", 2),
        ("[] == []", 1),
        ('["a"] != ["b"]', 2),
        ("[1] is known", 2),
        ("[1, 2] is unknown", 2),
    ],
)
def test_a_list_outside_in_is_a_type_error(text, column):
    # These passed the type check and then crashed the compiler with TypeError (a traceback in catalog check).
    error = _type_error(text)
    assert error.message == 'a list [...] can only follow in / not in (e.g. x in ["a", "b"])'
    assert error.column == column


# --- property: any token sequence either compiles or raises RuleSyntaxError (never a crash) ---------------------

_TOKENS = [
    "deceased.age",
    "deceased.birth_date",
    "deceased.death_date",
    "deceased.pension_recipient",
    "deceased.health_insurance",
    "deceased.note",
    "param.senior_age",
    "param.start",
    "param.enabled",
    "years_between(",
    "days_between(",
    "and",
    "or",
    "not",
    "in",
    "not in",
    "is known",
    "is unknown",
    "true",
    "false",
    "==",
    "!=",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    '"kokuho"',
    '"2024-04-01"',
    '"x"',
    "0",
    "65",
    "1.5",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=9).map(" ".join))
def test_token_soup_compiles_or_raises_rule_syntax_error(text):
    try:
        rule = compile_rule(text, SPECS, PARAMS)
    except RuleSyntaxError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    full = {
        "deceased.age": 70,
        "deceased.birth_date": date(1950, 1, 1),
        "deceased.death_date": date(2026, 1, 1),
        "deceased.pension_recipient": True,
        "deceased.health_insurance": "kokuho",
        "deceased.note": "x",
    }
    for values in ({}, full, {"deceased.age": 0}):
        result = rule.evaluate(values)
        assert result is UNKNOWN or type(result) is bool
        rule.waiting_for(values)
        if result is not UNKNOWN:
            rule.explain(values, result)
