"""Registry dates (住民記録 standard A6): 和暦 as written, non-calendar dates and 不詳日.

A Python ``date`` cannot hold 「昭和20年頃」 or 「平成3年2月29日」, so the registry keeps a value object: the text
as written, the era and era-year when given, month and day when given, whether the value is 不詳, whether it
is a real calendar date, and a nominal sort date used for ordering and search. Only a real, fully known date
becomes a ``date`` (and so a fact of the guide); anything else stays for the clerk to ask.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from madoguchi.wareki import (
    Era,
    WarekiText,
    era_of,
    format_era_date,
    format_seireki,
    format_wareki,
    match_era_code,
    match_era_year,
    match_seireki,
    match_wareki,
)

_UNKNOWN_MARKERS = ("不詳", "頃", "ころ", "上旬", "中旬", "下旬", "までの間", "不明")
_SEIREKI_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"(\d{1,2})月")


class RegistryDateError(ValueError):
    """The text is not a date the registry can keep; the message says what was expected."""


@dataclass(frozen=True)
class RegistryDate:
    text: str
    sort_date: date
    era: str | None = None
    era_year: int | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    unknown: bool = False
    calendar_valid: bool = True

    @property
    def is_exact(self) -> bool:
        return not self.unknown and self.calendar_valid and self.day is not None

    def to_date(self) -> date | None:
        """The calendar date, or None when it is 不詳 or not a real calendar date."""
        return self.sort_date if self.is_exact else None

    def display(self) -> str:
        """How the counter shows it: exact dates in 和暦 (西暦), anything else as written."""
        if self.is_exact:
            d = self.sort_date
            if self.era and self.era_year:
                # the era as written (明治45年7月30日 stays 明治, not 大正元年)
                return f"{format_era_date(self.era, self.era_year, d.month, d.day)}（{format_seireki(d)}）"
            return format_seireki(d)
        return self.text

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "sort_date": self.sort_date.isoformat(),
            "era": self.era,
            "era_year": self.era_year,
            "year": self.year,
            "month": self.month,
            "day": self.day,
            "unknown": self.unknown,
            "calendar_valid": self.calendar_valid,
        }

    @classmethod
    def from_json(cls, data: dict) -> RegistryDate:
        data = dict(data)
        data["sort_date"] = date.fromisoformat(data["sort_date"])
        return cls(**data)

    @classmethod
    def from_date(cls, value: date) -> RegistryDate:
        """A calendar date in 和暦 as the counter writes it (no era before 明治)."""
        found = era_of(value)
        era, era_year = (found[0].name, found[1]) if found else (None, None)
        return cls(format_wareki(value), value, era, era_year, value.year, value.month, value.day)


def _era_year(era: Era, raw: str) -> tuple[int, int]:
    era_year = 1 if raw == "元" else int(raw)
    if era_year < 1:
        raise RegistryDateError(f"{era.name}{raw}年: 年は1以上です")
    year = era.seireki_year(era_year)
    if era.written_last is not None and year > era.written_last.year:
        raise RegistryDateError(f"{era.name}{raw}年は{era.name}の範囲外です")
    return era_year, year


def _nominal(year: int, month: int, day: int) -> tuple[date, bool]:
    """A sort date for possibly non-calendar values (2月29日 in a common year → 2月28日)."""
    try:
        return date(year, month, day), True
    except ValueError:
        pass
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise RegistryDateError(f"{month}月{day}日は日付になりません")
    for d in range(min(day, 31), 27, -1):
        try:
            return date(year, month, d), False
        except ValueError:
            continue
    raise RegistryDateError(f"{month}月{day}日は日付になりません")  # pragma: no cover


def parse_registry_date(text: str, *, allow_era_code: bool = True) -> RegistryDate:
    """Parse a registry date: 西暦 (1950-03-04, 1950/3/4, 19500304, 1950年3月4日), 和暦 (昭和25年3月4日, S25.3.4),
    an era code (3250304 = 昭和25年3月4日), non-calendar dates (平成3年2月29日) and 不詳 (年月日不詳, 昭和20年頃,
    昭和20年3月上旬, 昭和20年3月日不詳 …). Raises :class:`RegistryDateError`."""
    original = (text or "").strip()
    cleaned = unicodedata.normalize("NFKC", original).strip()
    if not cleaned:
        raise RegistryDateError("日付が空です")
    if len(cleaned) > 60:
        raise RegistryDateError("日付が長すぎます")
    if any(marker in cleaned for marker in _UNKNOWN_MARKERS):
        return _parse_unknown(original, cleaned)
    seireki = match_seireki(cleaned)
    if seireki is None and (compact := _SEIREKI_COMPACT.match(cleaned)):
        seireki = (int(compact[1]), int(compact[2]), int(compact[3]))
    if seireki:
        year, month, day = seireki
        if year < 1800:
            raise RegistryDateError(f"{year}年は古すぎます")
        sort, valid = _nominal(year, month, day)
        found = era_of(sort, as_written=True) if valid else None
        era, era_year = (found[0].name, found[1]) if found else (None, None)
        return RegistryDate(original, sort, era, era_year, year, month, day, False, valid)
    wareki = match_wareki(cleaned)
    if wareki:
        return _wareki_date(original, original, wareki)
    wareki = match_era_code(cleaned) if allow_era_code else None
    if wareki:
        shown = format_era_date(wareki.era.name, wareki.era_year, wareki.month, wareki.day)
        return _wareki_date(original, shown, wareki)
    raise RegistryDateError(
        f"日付として読めません: {original!r}（例: 昭和25年3月4日、1950-03-04、年月日不詳、昭和20年頃）"
    )


def _wareki_date(original: str, shown: str, wareki: WarekiText) -> RegistryDate:
    """A 和暦 date with month and day (possibly not on the calendar: 平成3年2月29日)."""
    era = wareki.era
    era_year, year = _era_year(era, wareki.year_text)
    month, day = wareki.month, wareki.day
    sort, valid = _nominal(year, month, day)
    if valid and not era.contains(sort, as_written=True):
        raise RegistryDateError(f"{original} は{era.name}の範囲外です")
    return RegistryDate(shown, sort, era.name, era_year, year, month, day, False, valid)


def _parse_unknown(original: str, cleaned: str) -> RegistryDate:
    prefix = match_era_year(cleaned)
    era = era_year = year = month = None
    if prefix:
        era = prefix.era.name
        era_year, year = _era_year(prefix.era, prefix.year_text)
        rest = cleaned[prefix.end :]
        mm = _MONTH.match(rest)
        if mm and 1 <= int(mm[1]) <= 12:
            month = int(mm[1])
    else:
        ms = re.match(r"^(\d{4})年", cleaned)
        if ms:
            year = int(ms[1])
            mm = _MONTH.match(cleaned[ms.end() :])
            if mm and 1 <= int(mm[1]) <= 12:
                month = int(mm[1])
    if year is None:
        # 年月日不詳: sorts first; nothing is known.
        return RegistryDate(original, date(1800, 1, 1), unknown=True, calendar_valid=False)
    day = 1
    if month is not None:
        if "中旬" in cleaned:
            day = 11
        elif "下旬" in cleaned:
            day = 21
    sort = date(year, month or 1, day)
    return RegistryDate(original, sort, era, era_year, year, month, None, True, False)
