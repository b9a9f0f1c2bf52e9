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

from madoguchi.wareki import format_wareki

ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
# Last day of each era (the next era's first day is the day after, except 明治→大正 and 大正→昭和, which
# share a day: 明治45年7月30日 = 大正元年7月30日, 大正15年12月25日 = 昭和元年12月25日).
ERA_END = {
    "明治": date(1912, 7, 30),
    "大正": date(1926, 12, 25),
    "昭和": date(1989, 1, 7),
    "平成": date(2019, 4, 30),
    "令和": date(9999, 12, 31),
}
ERA_START = {
    "明治": date(1868, 1, 25),
    "大正": date(1912, 7, 30),
    "昭和": date(1926, 12, 25),
    "平成": date(1989, 1, 8),
    "令和": date(2019, 5, 1),
}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
# Era codes as used by many vendors' CSV (1 明治 … 5 令和); confirm against the 基本データリスト.
ERA_CODES = {"1": "明治", "2": "大正", "3": "昭和", "4": "平成", "5": "令和"}

_UNKNOWN_MARKERS = ("不詳", "頃", "ころ", "上旬", "中旬", "下旬", "までの間", "不明")
_ERA_PREFIX = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})年")
_WAREKI_FULL = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})[年./\-]\s*(\d{1,2})[月./\-]\s*(\d{1,2})日?$"
)
_SEIREKI = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SEIREKI_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_CODE = re.compile(r"^([1-5])(\d{2})(\d{2})(\d{2})$")
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
                year = "元" if self.era_year == 1 else str(self.era_year)
                return f"{self.era}{year}年{d.month}月{d.day}日（{d.year}年{d.month}月{d.day}日）"
            return f"{d.year}年{d.month}月{d.day}日"
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
        text = format_wareki(value)
        era = text[:2]
        m = _ERA_PREFIX.match(text)
        era_year = 1 if m and m[2] == "元" else int(m[2]) if m else None
        return cls(text, value, era, era_year, value.year, value.month, value.day)


def _era_year(era: str, raw: str) -> tuple[int, int]:
    era_year = 1 if raw == "元" else int(raw)
    if era_year < 1:
        raise RegistryDateError(f"{era}{raw}年: 年は1以上です")
    year = ERAS[era] + era_year - 1
    if year > ERA_END[era].year:
        raise RegistryDateError(f"{era}{raw}年は{era}の範囲外です")
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
    m = _SEIREKI.match(cleaned) or _SEIREKI_COMPACT.match(cleaned)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        if year < 1800:
            raise RegistryDateError(f"{year}年は古すぎます")
        sort, valid = _nominal(year, month, day)
        era = era_year = None
        if valid and sort >= ERA_START["明治"]:
            rd = RegistryDate.from_date(sort)
            era, era_year = rd.era, rd.era_year
        return RegistryDate(original, sort, era, era_year, year, month, day, False, valid)
    m = _WAREKI_FULL.match(cleaned.upper() if cleaned[:1].isascii() else cleaned)
    if m:
        era = ERA_LETTERS.get(m[1], m[1])
        era_year, year = _era_year(era, m[2])
        month, day = int(m[3]), int(m[4])
        sort, valid = _nominal(year, month, day)
        if valid and not (ERA_START[era] <= sort <= ERA_END[era]):
            raise RegistryDateError(f"{original} は{era}の範囲外です")
        return RegistryDate(original, sort, era, era_year, year, month, day, False, valid)
    m = _ERA_CODE.match(cleaned) if allow_era_code else None
    if m:
        era = ERA_CODES[m[1]]
        era_year, year = _era_year(era, str(int(m[2])))
        month, day = int(m[3]), int(m[4])
        sort, valid = _nominal(year, month, day)
        if valid and not (ERA_START[era] <= sort <= ERA_END[era]):
            raise RegistryDateError(f"{original} は{era}の範囲外です")
        shown = f"{era}{'元' if era_year == 1 else era_year}年{month}月{day}日"
        return RegistryDate(shown, sort, era, era_year, year, month, day, False, valid)
    raise RegistryDateError(
        f"日付として読めません: {original!r}（例: 昭和25年3月4日、1950-03-04、年月日不詳、昭和20年頃）"
    )


def _parse_unknown(original: str, cleaned: str) -> RegistryDate:
    m = _ERA_PREFIX.match(cleaned.upper() if cleaned[:1].isascii() else cleaned)
    era = era_year = year = month = None
    if m:
        era = ERA_LETTERS.get(m[1], m[1])
        era_year, year = _era_year(era, m[2])
        rest = cleaned[m.end() :]
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
