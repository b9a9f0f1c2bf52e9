"""The one answer parser: form text and typed JSON values, one set of limits, one set of messages."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.catalog import load_catalog
from madoguchi.catalog.models import Fact
from madoguchi.guide import FactValueError, answer_text, parse_answer
from madoguchi.guide.answers import FIRST_DATE, LAST_DATE, MAX_TEXT_LENGTH
from madoguchi.wareki import format_wareki, parse_date

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"
SAMPLE_FACTS = load_catalog(SAMPLE).facts
NOTE = Fact(name="x.note", type="text", label="備考", question="備考は。")
COUNT = Fact(name="x.count", type="int", label="回数", question="何回ですか。", unit="回", min=1)
DEBT = Fact(name="x.debt", type="int", label="差額", question="差額は。", max=0)
ANY_INT = Fact(name="x.any", type="int", label="数", question="数は。")
# Every fact of the sample catalog, and one of each kind it lacks (text, a bound on one side, no bound).
FACTS = [*SAMPLE_FACTS.values(), NOTE, COUNT, DEBT, ANY_INT]


def refusal(fact: Fact, raw, *, typed: bool = False) -> str:
    with pytest.raises(FactValueError) as info:
        parse_answer(fact, raw, typed=typed)
    assert info.value.fact == fact.name
    message = str(info.value)
    assert message == info.value.message
    assert message.startswith(f"{fact.label}: ")
    assert fact.name not in message
    return message


GRADE = SAMPLE_FACTS["applicant.disability_grade"]  # int, 級, 1..6
DEATH = SAMPLE_FACTS["deceased.death_date"]
INSURANCE = SAMPLE_FACTS["deceased.health_insurance"]
HOUSEHOLDER = SAMPLE_FACTS["deceased.was_householder"]
MEMBERS = SAMPLE_FACTS["household.remaining_members"]  # int, 人, 0..30


# --- text typed in a form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "raw", "value"),
    [
        (GRADE, "3", 3),
        (GRADE, "３", 3),
        (GRADE, " ３級 ", 3),
        (GRADE, "3 級", 3),
        (MEMBERS, "0人", 0),
        (MEMBERS, "１２人", 12),
        (ANY_INT, "-5", -5),
        (ANY_INT, "－５", -5),  # full-width minus
        (HOUSEHOLDER, "true", True),
        (HOUSEHOLDER, "はい", True),
        (HOUSEHOLDER, " いいえ ", False),
        (HOUSEHOLDER, "ｆａｌｓｅ", False),
        (INSURANCE, "kokuho", "kokuho"),
        (INSURANCE, "国民健康保険", "kokuho"),  # the label, as the counter shows it
        (INSURANCE, "被用者保険（会社の健康保険・共済組合など）の本人", "employee"),
        (DEATH, "2026-11-20", date(2026, 11, 20)),
        (DEATH, "2026/11/20", date(2026, 11, 20)),
        (DEATH, "２０２６年１１月２０日", date(2026, 11, 20)),
        (DEATH, "令和8年11月20日", date(2026, 11, 20)),
        (DEATH, "R8.11.20", date(2026, 11, 20)),
        (DEATH, "令和元年5月1日", date(2019, 5, 1)),
        (DEATH, "昭和64年1月7日", date(1989, 1, 7)),
        (DEATH, "令和8年11月20日（2026年11月20日）", date(2026, 11, 20)),
        (DEATH, "1868-01-23", FIRST_DATE),
        (DEATH, "2117-12-31", LAST_DATE),
        (DEATH, "令和99年12月31日", LAST_DATE),
        (NOTE, "  メモ  ", "メモ"),
        (NOTE, "", ""),
        (NOTE, "ｱｲｳ", "ｱｲｳ"),  # free text is kept as typed (no NFKC)
        (NOTE, "x" * MAX_TEXT_LENGTH, "x" * MAX_TEXT_LENGTH),
    ],
)
def test_form_text_is_read(fact, raw, value):
    assert parse_answer(fact, raw) == value


@pytest.mark.parametrize(
    ("fact", "raw", "message"),
    [
        (GRADE, "7", "手帳の等級: 1〜6の範囲で入力してください"),
        (GRADE, "0級", "手帳の等級: 1〜6の範囲で入力してください"),
        (GRADE, "abc", "手帳の等級: 数字で入力してください"),
        (GRADE, "1.5", "手帳の等級: 数字で入力してください"),
        (GRADE, "--3", "手帳の等級: 数字で入力してください"),
        (GRADE, "", "手帳の等級: 数字で入力してください"),
        (GRADE, "9" * 5000, "手帳の等級: 数字で入力してください"),  # refused before int() is tried
        (COUNT, "0回", "回数: 1以上で入力してください"),
        (DEBT, "1", "差額: 0以下で入力してください"),
        (HOUSEHOLDER, "yes", "世帯主: 「はい」か「いいえ」を選んでください"),
        (HOUSEHOLDER, "", "世帯主: 「はい」か「いいえ」を選んでください"),
        (INSURANCE, "KOKUHO", None),
        (INSURANCE, "shaho", None),
        (DEATH, "2026-13-40", "亡くなった日: 存在しない日付です: 2026-13-40"),
        (DEATH, "平成40年1月1日", "亡くなった日: 平成40年1月1日 は平成の範囲外です"),
        (DEATH, "", "亡くなった日: 日付が空です"),
        (DEATH, "1700-01-01", "亡くなった日: 1868年1月23日から2117年12月31日までの日付を入力してください"),
        (DEATH, "1868-01-22", "亡くなった日: 1868年1月23日から2117年12月31日までの日付を入力してください"),
        (DEATH, "2118-01-01", "亡くなった日: 1868年1月23日から2117年12月31日までの日付を入力してください"),
        (DEATH, "令和8年11月20日（2026年11月21日）", "亡くなった日: 和暦と西暦の日付が一致しません"),
        (NOTE, "x" * (MAX_TEXT_LENGTH + 1), "備考: 2000文字以内で入力してください"),
    ],
)
def test_form_text_is_refused_with_one_message(fact, raw, message):
    got = refusal(fact, raw)
    if message is None:
        message = f"{fact.label}: 選択肢（{'、'.join(fact.choice_values.values())}）から選んでください"
    assert got == message


def test_an_unreadable_date_names_the_fact_and_shows_no_python_repr():
    message = refusal(DEATH, "tomorrow")
    assert message == "亡くなった日: 日付として読めません: tomorrow（例: 2026-11-27 または 令和8年11月27日）"


@pytest.mark.parametrize("raw", [None, 3, True, ["1"]])
def test_form_input_that_is_not_text_is_refused(raw):
    refusal(GRADE, raw)
    refusal(DEATH, raw)
    refusal(NOTE, raw)


def test_the_dates_typed_as_text_are_those_the_counter_writes_in_wareki_and_reads_back():
    assert format_wareki(FIRST_DATE) == "明治元年1月23日"
    assert not format_wareki(FIRST_DATE - timedelta(days=1)).startswith("明治")
    assert parse_date(format_wareki(LAST_DATE)) == LAST_DATE
    with pytest.raises(ValueError):
        parse_date(format_wareki(LAST_DATE + timedelta(days=1)))  # 令和100年1月1日


# --- typed JSON values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "raw", "value"),
    [
        (GRADE, 3, 3),
        (GRADE, 3.0, 3),
        (HOUSEHOLDER, False, False),
        (INSURANCE, "kouki", "kouki"),
        (DEATH, "2026-11-20", date(2026, 11, 20)),
        (DEATH, date(2026, 11, 20), date(2026, 11, 20)),
        (DEATH, "0001-01-01", date(1, 1, 1)),  # no range for typed dates (the CLI takes them)
        (DEATH, "9999-12-31", date(9999, 12, 31)),
        (NOTE, " as sent ", " as sent "),
        (NOTE, "x" * MAX_TEXT_LENGTH, "x" * MAX_TEXT_LENGTH),
    ],
)
def test_typed_values_are_read(fact, raw, value):
    assert parse_answer(fact, raw, typed=True) == value


@pytest.mark.parametrize(
    ("fact", "raw", "message"),
    [
        (GRADE, "3", "手帳の等級: 数字で入力してください"),
        (GRADE, 2.5, "手帳の等級: 数字で入力してください"),
        (GRADE, True, "手帳の等級: 数字で入力してください"),
        (GRADE, None, "手帳の等級: 数字で入力してください"),
        (GRADE, 7, "手帳の等級: 1〜6の範囲で入力してください"),
        (GRADE, 7.0, "手帳の等級: 1〜6の範囲で入力してください"),
        (HOUSEHOLDER, "true", "世帯主: 「はい」か「いいえ」を選んでください"),
        (HOUSEHOLDER, 1, "世帯主: 「はい」か「いいえ」を選んでください"),
        (DEATH, "令和8年11月20日", "亡くなった日: 日付を2026-11-27の形（西暦）で指定してください"),
        (DEATH, "2026-1-1", "亡くなった日: 日付を2026-11-27の形（西暦）で指定してください"),
        (DEATH, "2026-11-20 ", "亡くなった日: 日付を2026-11-27の形（西暦）で指定してください"),
        (DEATH, 20261120, "亡くなった日: 日付を2026-11-27の形（西暦）で指定してください"),
        (DEATH, "2026-02-30", "亡くなった日: 存在しない日付です: 2026-02-30"),
        (NOTE, 5, "備考: 2000文字以内で入力してください"),
        (NOTE, "x" * (MAX_TEXT_LENGTH + 1), "備考: 2000文字以内で入力してください"),
        (INSURANCE, "国民健康保険", None),  # a label is for people typing; JSON gives the value
        (INSURANCE, 1, None),
    ],
)
def test_typed_values_are_refused_with_the_same_messages(fact, raw, message):
    got = refusal(fact, raw, typed=True)
    if message is None:
        message = f"{fact.label}: 選択肢（{'、'.join(fact.choice_values.values())}）から選んでください"
    assert got == message


def test_a_limit_says_the_same_for_text_and_for_json():
    assert refusal(GRADE, "7") == refusal(GRADE, 7, typed=True)
    assert refusal(INSURANCE, "shaho") == refusal(INSURANCE, "shaho", typed=True)
    assert refusal(NOTE, "x" * 2001) == refusal(NOTE, "x" * 2001, typed=True)


# --- properties over the sample catalog ----------------------------------------------------------------


def valid_values(fact: Fact) -> st.SearchStrategy:
    if fact.type == "bool":
        return st.booleans()
    if fact.type == "int":
        low = fact.min if fact.min is not None else -(10**9)
        return st.integers(low, fact.max if fact.max is not None else 10**9)
    if fact.type == "date":
        return st.dates(FIRST_DATE, LAST_DATE)
    if fact.type == "choice":
        return st.sampled_from(list(fact.choice_values))
    return st.text(max_size=MAX_TEXT_LENGTH).map(str.strip)


@st.composite
def fact_and_value(draw):
    fact = draw(st.sampled_from(FACTS))
    return fact, draw(valid_values(fact))


def input_value(value) -> str:
    """What the counter's question form holds for an answer (presenters._input_value)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@settings(max_examples=600, deadline=None)
@given(fact_and_value())
def test_every_valid_value_shown_by_the_counter_reads_back(pair):
    fact, value = pair
    shown = answer_text(fact, value)
    assert parse_answer(fact, shown) == value
    assert parse_answer(fact, input_value(value)) == value
    if fact.type in ("int", "date"):
        assert parse_answer(fact, shown.translate(FULL_WIDTH)) == value
    json_value = value.isoformat() if isinstance(value, date) else value
    assert parse_answer(fact, json_value, typed=True) == value


TEXTISH = st.one_of(
    st.text(),
    st.text(
        alphabet="0123456789０１２３４５６７８９-－./年月日()（）元RHSTM令和平成昭和明治大正級人歳 ",
        max_size=30,
    ),
    st.from_regex(r"(令和|平成|昭和|R|H)?\d{1,4}[年./-]\d{1,2}[月./-]\d{1,2}日?(（.*）)?", fullmatch=True),
    st.from_regex(r"-?\d{1,40}(級|人|歳|か月)?", fullmatch=True),
)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(FACTS), TEXTISH)
def test_random_text_is_read_or_refused_with_a_fact_value_error(fact, raw):
    try:
        parse_answer(fact, raw)
    except FactValueError as exc:
        assert str(exc).startswith(f"{fact.label}: ")


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates().map(date.isoformat),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=5,
)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(FACTS), JSONISH)
def test_random_json_is_read_or_refused_with_a_fact_value_error(fact, raw):
    try:
        parse_answer(fact, raw, typed=True)
    except FactValueError as exc:
        assert str(exc).startswith(f"{fact.label}: ")


def test_half_a_character_is_refused_with_a_message():
    """A lone surrogate (JSON "\\ud800") cannot be stored by PostgreSQL: refused where answers are read."""
    from madoguchi.catalog import load_catalog
    from madoguchi.guide import FactValueError, parse_answer

    catalog = load_catalog(Path(__file__).resolve().parents[2] / "catalogs" / "sample")
    text = next(f for f in catalog.facts.values() if f.type == "text")
    with pytest.raises(FactValueError, match="読み取れない文字"):
        parse_answer(text, "緑川\ud800花子")
    with pytest.raises(FactValueError, match="読み取れない文字"):
        parse_answer(text, "緑川\udfff", typed=True)
    assert parse_answer(text, "緑川𠮷子") == "緑川𠮷子"  # a real character outside the BMP is fine
