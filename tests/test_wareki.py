"""和暦: formatting at era boundaries and parsing of 西暦, 和暦 and abbreviated forms."""

from __future__ import annotations

from datetime import date

import pytest

from madoguchi.wareki import format_both, format_wareki, parse_date


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
