from datetime import date

import pytest

from madoguchi.juki.dates import RegistryDate, RegistryDateError, parse_registry_date


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


@pytest.mark.parametrize(
    ("code", "shown"),
    [("1450730", "明治45年7月30日"), ("2010730", "大正元年7月30日"), ("4010108", "平成元年1月8日")],
)
def test_era_codes_are_shown_in_wareki(code, shown):
    value = parse_registry_date(code)
    assert value.text == shown and value.is_exact
    with pytest.raises(RegistryDateError):
        parse_registry_date(code, allow_era_code=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4310501", "4310501 は平成の範囲外です"),
        ("3000101", "昭和0年: 年は1以上です"),
        ("昭和65年1月1日", "昭和65年は昭和の範囲外です"),
        ("明治元年1月24日", "明治元年1月24日 は明治の範囲外です"),  # 明治 begins on 1868-01-25 on registers
    ],
)
def test_era_range_messages(text, message):
    with pytest.raises(RegistryDateError) as info:
        parse_registry_date(text)
    assert str(info.value) == message


def test_seireki_dates_get_the_era_from_the_first_day_of_meiji():
    assert parse_registry_date("1868-01-24").era is None
    value = parse_registry_date("1868-01-25")
    assert (value.era, value.era_year) == ("明治", 1)
    assert value.display() == "明治元年1月25日（1868年1月25日）"
    assert RegistryDate.from_date(date(1912, 7, 30)).era == "大正"
