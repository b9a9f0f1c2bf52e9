from datetime import date

import pytest

from madoguchi.registry.dates import RegistryDate, RegistryDateError, parse_registry_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昭和25年3月4日", date(1950, 3, 4)),
        ("S25.3.4", date(1950, 3, 4)),
        ("昭和２５年３月４日", date(1950, 3, 4)),
        ("1950-03-04", date(1950, 3, 4)),
        ("1950/3/4", date(1950, 3, 4)),
        ("19500304", date(1950, 3, 4)),
        ("3250304", date(1950, 3, 4)),  # era code 3 = 昭和
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("明治45年7月30日", date(1912, 7, 30)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("大正15年12月25日", date(1926, 12, 25)),
        ("昭和元年12月25日", date(1926, 12, 25)),
    ],
)
def test_exact_dates(text, expected):
    value = parse_registry_date(text)
    assert value.to_date() == expected
    assert value.is_exact


def test_the_era_is_kept_as_written():
    meiji = parse_registry_date("明治45年7月30日")
    taisho = parse_registry_date("大正元年7月30日")
    assert meiji.to_date() == taisho.to_date()
    assert (meiji.era, meiji.era_year) == ("明治", 45)
    assert (taisho.era, taisho.era_year) == ("大正", 1)
    assert meiji.display().startswith("明治45年7月30日")


@pytest.mark.parametrize(
    ("text", "year", "month"),
    [
        ("年月日不詳", None, None),
        ("昭和20年頃", 1945, None),
        ("昭和20年3月上旬", 1945, 3),
        ("平成2年5月日不詳", 1990, 5),
    ],
)
def test_unknown_dates_are_kept_not_guessed(text, year, month):
    value = parse_registry_date(text)
    assert value.unknown and value.to_date() is None
    assert (value.year, value.month) == (year, month)
    assert value.display() == text


def test_range_of_unknown_dates():
    value = parse_registry_date("令和2年3月1日から3月10日頃までの間")
    assert value.unknown and value.year == 2020 and value.month == 3


def test_non_calendar_dates_are_accepted_but_not_dates():
    value = parse_registry_date("平成3年2月29日")
    assert not value.calendar_valid and value.to_date() is None
    assert value.sort_date == date(1991, 2, 28)
    assert value.display() == "平成3年2月29日"


@pytest.mark.parametrize(
    "text",
    ["", "昭和99年1月1日", "平成31年5月1日", "令和元年4月30日", "2026-13-01", "あした", "昭和20年13月40日"],
)
def test_bad_dates(text):
    with pytest.raises(RegistryDateError):
        parse_registry_date(text)


def test_json_round_trip():
    for text in ("昭和25年3月4日", "昭和20年頃", "平成3年2月29日", "年月日不詳"):
        value = parse_registry_date(text)
        assert RegistryDate.from_json(value.to_json()) == value
