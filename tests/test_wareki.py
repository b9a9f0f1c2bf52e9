"""和暦: formatting at era boundaries and parsing of 西暦, 和暦 and abbreviated forms; the era table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from japanera import EraDate

from madoguchi.wareki import (
    ERA_BY_CODE,
    ERA_BY_NAME,
    ERAS,
    era_of,
    format_both,
    format_era_date,
    format_seireki,
    format_wareki,
    match_era_code,
    match_era_year,
    match_seireki,
    match_wareki,
    parse_date,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(1868, 10, 23), "明治元年10月23日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1990, 1, 1), "平成2年1月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2026, 11, 27), "令和8年11月27日"),
    ],
)
def test_format_wareki_at_era_boundaries(value, text):
    assert format_wareki(value) == text


def test_format_both():
    assert format_both(date(2026, 11, 27)) == "令和8年11月27日（2026年11月27日）"
    assert format_both(date(2019, 5, 1)) == "令和元年5月1日（2019年5月1日）"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # 西暦
        ("2026-11-27", date(2026, 11, 27)),
        ("2026/11/27", date(2026, 11, 27)),
        ("2026.11.27", date(2026, 11, 27)),
        ("2026/1/5", date(2026, 1, 5)),
        ("2026年11月27日", date(2026, 11, 27)),
        (" 2026-11-27 ", date(2026, 11, 27)),
        # 和暦
        ("令和8年11月27日", date(2026, 11, 27)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("明治45年7月29日", date(1912, 7, 29)),
        # abbreviated eras
        ("R8.11.27", date(2026, 11, 27)),
        ("r8.11.27", date(2026, 11, 27)),
        ("R8/11/27", date(2026, 11, 27)),
        ("R8-11-27", date(2026, 11, 27)),
        ("R 8.11.27", date(2026, 11, 27)),
        ("H1.1.8", date(1989, 1, 8)),
        ("S64.1.7", date(1989, 1, 7)),
        ("T1.7.30", date(1912, 7, 30)),
        ("M45.7.29", date(1912, 7, 29)),
        # full-width digits and letters
        ("Ｒ８．１１．２７", date(2026, 11, 27)),
        ("令和８年１１月２７日", date(2026, 11, 27)),
        ("２０２６－１１－２７", date(2026, 11, 27)),
        ("２０２６年１１月２７日", date(2026, 11, 27)),
    ],
)
def test_parse_date(text, value):
    assert parse_date(text) == value


@pytest.mark.parametrize(
    ("text", "era"),
    [
        ("昭和64年1月8日", "昭和"),  # 平成 began on 1989-01-08
        ("平成元年1月7日", "平成"),  # still 昭和
        ("平成31年5月1日", "平成"),  # 令和 began on 2019-05-01
        ("H31.5.1", "平成"),
        ("令和元年4月30日", "令和"),
        ("令和0年5月1日", "令和"),
        ("大正15年12月25日", "大正"),
    ],
)
def test_parse_refuses_dates_outside_their_era(text, era):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value) == f"{text} は{era}の範囲外です"


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_empty(text):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value) == "日付が空です"


@pytest.mark.parametrize(
    "text", ["明日", "2026-11", "11/27", "X8.11.27", "令和八年十一月二十七日", "2026-11-27T10:00"]
)
def test_parse_unreadable(text):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value).startswith("日付として読めません")
    assert "例: 2026-11-27 または 令和8年11月27日" in str(info.value)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "令和8年2月30日", "R8.13.1", "2026/04/31"])
def test_parse_impossible_dates_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    "value",
    [
        date(1989, 1, 7),
        date(1989, 1, 8),
        date(2019, 4, 30),
        date(2019, 5, 1),
        date(2026, 11, 27),
        date(1950, 2, 28),
    ],
)
def test_format_then_parse_round_trips(value):
    assert parse_date(format_wareki(value)) == value


# (last day of an era, first day of the next) with both written as format_wareki writes them.
BOUNDARIES = [
    (date(1912, 7, 29), "明治45年7月29日", date(1912, 7, 30), "大正元年7月30日"),
    (date(1926, 12, 24), "大正15年12月24日", date(1926, 12, 25), "昭和元年12月25日"),
    (date(1989, 1, 7), "昭和64年1月7日", date(1989, 1, 8), "平成元年1月8日"),
    (date(2019, 4, 30), "平成31年4月30日", date(2019, 5, 1), "令和元年5月1日"),
]


@pytest.mark.parametrize(("last", "last_text", "first", "first_text"), BOUNDARIES)
def test_era_boundaries_format_and_parse_both_ways(last, last_text, first, first_text):
    assert (format_wareki(last), format_wareki(first)) == (last_text, first_text)
    assert (parse_date(last_text), parse_date(first_text)) == (last, first)
    old, new = era_of(last)[0], era_of(first)[0]
    assert (old.last_day, new.first_day) == (last, first)
    # the day before an era began is refused in it, and so is its first day in the era before
    before = f"{new.name}元年{last.month}月{last.day}日"
    with pytest.raises(ValueError, match=f"{before} は{new.name}の範囲外です"):
        parse_date(before)
    after = f"{old.name}{old.era_year(first)}年{first.month}月{first.day}日"
    with pytest.raises(ValueError, match=f"{after} は{old.name}の範囲外です"):
        parse_date(after)


@settings(max_examples=500, deadline=None)
@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31)))
def test_format_then_parse_round_trips_every_date(day):
    assert parse_date(format_wareki(day)) == day
    assert parse_date(format_seireki(day)) == day
    era, year = era_of(day)
    assert parse_date(f"{era.letter}{year}.{day.month}.{day.day}") == day
    assert format_both(day) == f"{format_wareki(day)}（{format_seireki(day)}）"


def test_format_then_parse_round_trips_each_day_from_1873_to_2100():
    day, last = date(1873, 1, 1), date(2100, 12, 31)
    while day <= last:
        assert parse_date(format_wareki(day)) == day, day
        day += timedelta(days=1)


@settings(max_examples=500, deadline=None)
@given(st.dates(min_value=date(1868, 1, 23), max_value=date(2100, 12, 31)))
def test_the_era_table_gives_the_era_japanera_gives(day):
    japanera_era = EraDate.from_date(day).era
    era, year = era_of(day)
    assert era.name == japanera_era.kanji
    assert year == japanera_era.absolute_year_to_relative_year(day.year)
    assert format_wareki(day) == format_era_date(japanera_era.kanji, year, day.month, day.day)


def test_the_era_table():
    assert [(e.name, e.letter, e.code) for e in ERAS] == [
        ("明治", "M", "1"),
        ("大正", "T", "2"),
        ("昭和", "S", "3"),
        ("平成", "H", "4"),
        ("令和", "R", "5"),
    ]
    assert ERA_BY_CODE["3"] is ERA_BY_NAME["昭和"]
    assert ERA_BY_NAME["令和"].seireki_year(8) == 2026
    assert ERA_BY_NAME["令和"].last_day is None and ERA_BY_NAME["令和"].contains(date(2100, 1, 1))


def test_days_as_registers_write_them():
    meiji, taisho, showa = ERA_BY_NAME["明治"], ERA_BY_NAME["大正"], ERA_BY_NAME["昭和"]
    # the change days to 大正 and 昭和 may be written in either era, the others only in the new one
    assert meiji.contains(date(1912, 7, 30), as_written=True) and not meiji.contains(date(1912, 7, 30))
    assert taisho.contains(date(1926, 12, 25), as_written=True) and not taisho.contains(date(1926, 12, 25))
    assert not showa.contains(date(1989, 1, 8), as_written=True)
    assert not ERA_BY_NAME["平成"].contains(date(2019, 5, 1), as_written=True)
    # 明治 from 慶応4年1月1日 (1868-01-25) on registers; japanera starts it two days earlier
    assert era_of(date(1868, 1, 24)) == (meiji, 1)
    assert era_of(date(1868, 1, 24), as_written=True) is None
    assert era_of(date(1868, 1, 25), as_written=True) == (meiji, 1)
    assert era_of(date(1868, 1, 22)) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(1868, 1, 22), "慶応4年1月22日"),  # before 明治: the era japanera gives
        (date(1800, 1, 1), "寛政12年1月1日"),
        (date.min, "西暦元年1月1日"),
        (date.max, "令和7981年12月31日"),
    ],
)
def test_format_wareki_outside_the_modern_eras(value, text):
    assert format_wareki(value) == text


def test_format_from_parts_and_seireki():
    assert format_era_date("昭和", 1, 12, 25) == "昭和元年12月25日"
    assert format_era_date("平成", 3, 2, 29) == "平成3年2月29日"  # not checked against the calendar
    assert format_seireki(date(2026, 1, 5)) == "2026年1月5日"


def test_readers():
    assert match_seireki("2026/1/5") == (2026, 1, 5)
    assert match_seireki("20260105") is None
    w = match_wareki("r 8/11/27")
    assert (w.era.name, w.year_text, w.era_year, w.month, w.day) == ("令和", "8", 8, 11, 27)
    assert match_wareki("X8.11.27") is None
    w = match_era_year("昭和元年3月上旬")
    assert (w.era.name, w.era_year, w.month, "昭和元年3月上旬"[w.end :]) == ("昭和", 1, None, "3月上旬")
    w = match_era_code("3250304")
    assert (w.era.name, w.year_text, w.month, w.day) == ("昭和", "25", 3, 4)
    assert match_era_code("3000304").year_text == "0"
    assert match_era_code("6250304") is None and match_era_code("325030") is None
