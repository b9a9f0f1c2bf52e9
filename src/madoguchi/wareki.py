"""和暦 (Japanese era) formatting and parsing, wrapping japanera behind a small API of our own.

Era boundaries come from japanera; we only choose the output form. 元年 is written as 元年, as on forms.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from japanera import EraDate


@lru_cache(maxsize=4096)
def format_wareki(value: date) -> str:
    """``date(2026, 11, 27)`` → ``令和8年11月27日`` (``令和元年5月1日`` for the first year)."""
    era_date = EraDate.from_date(value)
    era = era_date.era
    year = era.absolute_year_to_relative_year(value.year)
    year_text = "元" if year == 1 else str(year)
    return f"{era.kanji}{year_text}年{value.month}月{value.day}日"


def format_both(value: date) -> str:
    """``令和8年11月27日（2026年11月27日）`` — how dates are shown at the counter."""
    return f"{format_wareki(value)}（{value.year}年{value.month}月{value.day}日）"


_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_WAREKI = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})[年./-]\s*(\d{1,2})[月./-]\s*(\d{1,2})日?$"
)


def parse_date(text: str) -> date:
    """Parse ``2026-11-27``, ``2026/11/27``, ``令和8年11月27日`` or ``R8.11.27`` (full-width digits too).

    Raises ValueError with a message saying what was expected. A 和暦 date outside its era is refused.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        raise ValueError("日付が空です")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", cleaned)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"存在しない日付です: {text}") from None
    m = _WAREKI.match(cleaned.upper() if cleaned[:1].isascii() else cleaned)
    if m:
        era = _ERA_LETTERS.get(m[1], m[1])
        year = 1 if m[2] == "元" else int(m[2])
        try:
            result = date(_ERAS[era] + year - 1, int(m[3]), int(m[4]))
        except ValueError:
            raise ValueError(f"存在しない日付です: {text}") from None
        if EraDate.from_date(result).era.kanji != era:
            raise ValueError(f"{text} は{era}の範囲外です")
        return result
    raise ValueError(f"日付として読めません: {text}（例: 2026-11-27 または 令和8年11月27日）")
