"""和暦 (Japanese era dates): the one module that formats, parses and names eras.

The era table (names, first days, English names) and the date → era conversion come from japanera. This module
adds only what japanera does not have: the forms written at the counter (元年, 西暦 in brackets), typed input
(令和8年11月27日, R8.11.27, 2026-11-27), the numeric era codes of vendors' CSV, and the registry's reading of the
days on which the era changed.

Month and day are always those of the Gregorian calendar, also for 明治1〜5年 (before 1873, when Japan still
used the lunisolar calendar): japanera converts no calendar, and neither do we.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import japanera
from japanera import EraDate

_MODERN = ("明治", "大正", "昭和", "平成", "令和")
# 明治 began on 慶応4年1月1日 = 1868-01-25 (the 改元 was back-dated to New Year); japanera starts it on 1868-01-23.
_MEIJI_AS_WRITTEN = date(1868, 1, 25)
# The 改元 to 大正 and to 昭和 came during the day, so registers write that day in either era; japanera gives
# each day to one era (the new one).
_CHANGED_DURING_THE_DAY = frozenset({"明治", "大正"})


@dataclass(frozen=True)
class Era:
    """One modern era (明治 … 令和), from japanera's table."""

    name: str  # 令和
    letter: str  # R, as in R8.11.27 (japanera's english_head)
    code: str  # 5, the era code of vendors' CSV (3250304 = 昭和25年3月4日)
    first_day: date
    last_day: date | None  # None for the current era
    written_first: date  # the first and last day a register may write in this era (see above)
    written_last: date | None
    source: japanera.Era = field(repr=False, compare=False)

    def seireki_year(self, era_year: int) -> int:
        """令和8 → 2026 (no range check: 令和0 → 2018)."""
        return self.source.relative_year_to_absolute_year(era_year)

    def era_year(self, value: date) -> int:
        """The era year of a date in this era (2026-11-27 in 令和 → 8)."""
        return self.source.absolute_year_to_relative_year(value.year)

    def contains(self, value: date, *, as_written: bool = False) -> bool:
        """Whether ``value`` is in this era: one era per day as japanera has it, or (``as_written``) any day a
        register may write in it, so 明治45年7月30日 and 大正元年7月30日 are both the same day."""
        if as_written:
            return self.written_first <= value and (self.written_last is None or value <= self.written_last)
        return self.first_day <= value and (self.last_day is None or value <= self.last_day)


def _modern_eras() -> tuple[Era, ...]:
    by_name = {era.kanji: era for era in japanera.ERA_DATA_GENERAL}
    eras = []
    for number, name in enumerate(_MODERN, start=1):
        source = by_name[name]
        last = source.until - timedelta(days=1) if source.until else None
        era = Era(
            name=name,
            letter=source.english_head,
            code=str(number),  # vendors' CSV: 1 明治 … 5 令和; not in japanera (基本データリスト)
            first_day=source.since,
            last_day=last,
            written_first=_MEIJI_AS_WRITTEN if name == "明治" else source.since,
            written_last=source.until if name in _CHANGED_DURING_THE_DAY else last,
            source=source,
        )
        eras.append(era)
    return tuple(eras)


ERAS: tuple[Era, ...] = _modern_eras()
ERA_BY_NAME: dict[str, Era] = {era.name: era for era in ERAS}
ERA_BY_CODE: dict[str, Era] = {era.code: era for era in ERAS}
_ERA_BY_TOKEN = ERA_BY_NAME | {era.letter: era for era in ERAS}
_FIRST_DAYS = [era.first_day for era in ERAS]

_ERA = "(" + "|".join(ERA_BY_NAME) + "|[" + "".join(era.letter for era in ERAS) + "])"
_ERA_YEAR = re.compile(rf"^{_ERA}\s*(元|\d{{1,2}})年")
_WAREKI = re.compile(rf"^{_ERA}\s*(元|\d{{1,2}})[年./\-]\s*(\d{{1,2}})[月./\-]\s*(\d{{1,2}})日?$")
_ERA_CODE = re.compile("^([" + "".join(ERA_BY_CODE) + r"])(\d{2})(\d{2})(\d{2})$")
_SEIREKI = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


# --- formatting -----------------------------------------------------------------------------------------------


def era_of(value: date, *, as_written: bool = False) -> tuple[Era, int] | None:
    """The modern era of a date and its era year (2026-11-27 → 令和, 8), or None before 明治.

    The same era as japanera's ``EraDate.from_date`` (the change day belongs to the new era), looked up in the
    table taken from it: japanera's own look-up (≈13 µs a date) would double the time the population generator
    takes for a million residents.
    With ``as_written``, None also before the day registers take 明治 to begin (1868-01-25).
    """
    index = bisect_right(_FIRST_DAYS, value) - 1
    if index < 0:
        return None
    era = ERAS[index]
    if as_written and not era.contains(value, as_written=True):
        return None
    return era, era.era_year(value)


def format_era_date(era: str, era_year: int, month: int, day: int) -> str:
    """``("令和", 8, 11, 27)`` → ``令和8年11月27日``, ``元年`` for the first year; not checked against a calendar."""
    return f"{era}{'元' if era_year == 1 else era_year}年{month}月{day}日"


def format_wareki(value: date) -> str:
    """``date(2026, 11, 27)`` → ``令和8年11月27日`` (``令和元年5月1日`` for the first year); older dates in the
    era japanera gives them (慶応4年1月22日)."""
    found = era_of(value)
    if found is not None:
        era, year = found
        return format_era_date(era.name, year, value.month, value.day)
    era_date = EraDate.from_date(value)
    old = era_date.era
    return format_era_date(old.kanji, old.absolute_year_to_relative_year(value.year), value.month, value.day)


def format_seireki(value: date) -> str:
    """``date(2026, 11, 27)`` → ``2026年11月27日``."""
    return f"{value.year}年{value.month}月{value.day}日"


def format_both(value: date) -> str:
    """``令和8年11月27日（2026年11月27日）`` — how dates are shown at the counter."""
    return f"{format_wareki(value)}（{format_seireki(value)}）"


# --- reading typed text ---------------------------------------------------------------------------------------


class WarekiText(NamedTuple):
    """A 和暦 read from text, not yet checked: the era, the year as typed (元 or digits) and what followed."""

    era: Era
    year_text: str
    month: int | None = None
    day: int | None = None
    end: int = 0  # where the match ended in the text

    @property
    def era_year(self) -> int:
        return 1 if self.year_text == "元" else int(self.year_text)


def _letters_upper(cleaned: str) -> str:
    # r8.11.27 is R8.11.27; only text that starts with a letter is upper-cased (for the era letter).
    return cleaned.upper() if cleaned[:1].isascii() else cleaned


def match_wareki(cleaned: str) -> WarekiText | None:
    """``令和8年11月27日``, ``R8.11.27``, ``r 8/11/27``, ``H1-1-8`` (text already NFKC-normalised and stripped)."""
    m = _WAREKI.match(_letters_upper(cleaned))
    if not m:
        return None
    return WarekiText(_ERA_BY_TOKEN[m[1]], m[2], int(m[3]), int(m[4]), m.end())


def match_era_year(cleaned: str) -> WarekiText | None:
    """The 和暦 year at the start of ``cleaned`` (``昭和20年`` of ``昭和20年頃``); ``end`` is where it stops."""
    m = _ERA_YEAR.match(_letters_upper(cleaned))
    if not m:
        return None
    return WarekiText(_ERA_BY_TOKEN[m[1]], m[2], end=m.end())


def match_era_code(cleaned: str) -> WarekiText | None:
    """An era code with year, month and day, 7 digits: ``3250304`` = 昭和25年3月4日 (``year_text`` without the
    leading zero)."""
    m = _ERA_CODE.match(cleaned)
    if not m:
        return None
    return WarekiText(ERA_BY_CODE[m[1]], str(int(m[2])), int(m[3]), int(m[4]), m.end())


def match_seireki(cleaned: str) -> tuple[int, int, int] | None:
    """``2026-11-27``, ``2026/1/5``, ``2026.11.27``, ``2026年11月27日`` → (year, month, day), not checked."""
    m = _SEIREKI.match(cleaned)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def parse_date(text: str) -> date:
    """Parse ``2026-11-27``, ``2026/11/27``, ``令和8年11月27日`` or ``R8.11.27`` (full-width digits too).

    Raises ValueError with a message saying what was expected. A 和暦 date outside its era is refused.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        raise ValueError("日付が空です")
    seireki = match_seireki(cleaned)
    if seireki:
        try:
            return date(*seireki)
        except ValueError:
            raise ValueError(f"存在しない日付です: {text}") from None
    wareki = match_wareki(cleaned)
    if wareki:
        era = wareki.era
        try:
            result = date(era.seireki_year(wareki.era_year), wareki.month, wareki.day)
        except ValueError:
            raise ValueError(f"存在しない日付です: {text}") from None
        if not era.contains(result):
            raise ValueError(f"{text} は{era.name}の範囲外です")
        return result
    raise ValueError(f"日付として読めません: {text}（例: 2026-11-27 または 令和8年11月27日）")
