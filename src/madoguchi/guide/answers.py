"""The one answer parser: what a person typed into a form, or a typed JSON value, as the fact's value.

Two shapes of input, one set of limits and one set of messages:

* text typed in a form (the counter, the resident's screens): 和暦 or 西暦 dates as ``parse_date`` reads them
  (and the counter's own 「令和8年11月27日（2026年11月27日）」), full-width digits, a number with its unit,
  はい/いいえ (or true/false), a choice's value or its label;
* a typed JSON value (the API, the CLI, stored answers): ``bool``, ``int`` (or a whole ``float``), a
  ``date`` or ``YYYY-MM-DD`` string, a choice value, a ``str``.

Every refusal is a ``FactValueError`` whose text is the message for the person who answered, naming the fact
by its catalog label: 「手帳の等級: 1〜6の範囲で入力してください」.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, NoReturn

from madoguchi.catalog.models import Fact
from madoguchi.rules.evaluate import format_value
from madoguchi.wareki import format_both, parse_date

MAX_TEXT_LENGTH = 2000
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Dates typed as text: the ones the counter can write in 和暦 and read back (japanera's first 明治 day, and
# the last of 令和99年: parse_date reads an era year of one or two digits).
FIRST_DATE = date(1868, 1, 23)
LAST_DATE = date(2117, 12, 31)

# The messages (after 「label: 」).
YES_NO = "「はい」か「いいえ」を選んでください"
NUMBER = "数字で入力してください"
DATE_TEXT = "日付を2026-11-27か令和8年11月27日の形で入力してください"
DATE_ISO = "日付を2026-11-27の形（西暦）で指定してください"
DATE_RANGE = "1868年1月23日から2117年12月31日までの日付を入力してください"  # FIRST_DATE, LAST_DATE
DATE_MISMATCH = "和暦と西暦の日付が一致しません"
TEXT = f"{MAX_TEXT_LENGTH}文字以内で入力してください"

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOTH_CALENDARS = re.compile(r"(.+?)\s*\((.+)\)")  # 令和8年11月27日(2026年11月27日), after NFKC


class FactValueError(ValueError):
    """An answer that does not fit its fact. ``str()`` is the message for the person who gave it;
    ``fact`` is the fact's name (for the caller, never for the message)."""

    def __init__(self, fact: str, message: str):
        self.fact = fact
        self.message = message
        super().__init__(message)


def parse_answer(fact: Fact, raw: Any, *, typed: bool = False) -> Any:
    """``raw`` as ``fact``'s value: form text, or with ``typed=True`` a JSON value. Raises FactValueError."""
    if isinstance(raw, str):
        if not typed:
            raw = raw.strip()
        if len(raw) > MAX_TEXT_LENGTH:  # the text limit, and a size limit before any other parsing
            _refuse(fact, TEXT if fact.type == "text" else _expected(fact, typed))
        if _LONE_SURROGATE.search(raw):  # half of a character (JSON "\ud800"): no database can store it
            _refuse(fact, "読み取れない文字が含まれています。入力し直してください")
    value = _from_json(fact, raw) if typed else _from_text(fact, raw)
    return _within_limits(fact, value)


def answer_text(fact: Fact, value: Any) -> str:
    """An answer as the counter shows it (「はい」, 「3人」, 「令和8年11月27日（2026年11月27日）」, a choice's
    label); ``parse_answer`` reads it back."""
    return format_both(value) if isinstance(value, date) else format_value(fact, value)


def _refuse(fact: Fact, problem: str) -> NoReturn:
    raise FactValueError(fact.name, f"{fact.label}: {problem}")


def _expected(fact: Fact, typed: bool) -> str:
    """What was expected, for an answer of the wrong shape."""
    if fact.type == "bool":
        return YES_NO
    if fact.type == "int":
        return NUMBER
    if fact.type == "date":
        return DATE_ISO if typed else DATE_TEXT
    if fact.type == "choice":
        return f"選択肢（{'、'.join(fact.choice_values.values())}）から選んでください"
    return TEXT


def _from_text(fact: Fact, raw: Any) -> Any:
    if not isinstance(raw, str):
        _refuse(fact, _expected(fact, False))
    if fact.type == "text":
        return raw
    text = unicodedata.normalize("NFKC", raw).strip()
    if fact.type == "bool":
        if text in ("true", "はい"):
            return True
        if text in ("false", "いいえ"):
            return False
        _refuse(fact, YES_NO)
    if fact.type == "int":
        if fact.unit:
            text = text.removesuffix(unicodedata.normalize("NFKC", fact.unit)).rstrip()
        if not text.removeprefix("-").isdecimal():
            _refuse(fact, NUMBER)
        return int(text)
    if fact.type == "date":
        value = _date_from_text(fact, text)
        if not FIRST_DATE <= value <= LAST_DATE:
            _refuse(fact, DATE_RANGE)
        return value
    # choice: its value, or its label as the counter shows it
    if text in fact.choice_values:
        return text
    labels = {unicodedata.normalize("NFKC", label).strip(): v for v, label in fact.choice_values.items()}
    return labels.get(text, text)


def _date_from_text(fact: Fact, text: str) -> date:
    both = _BOTH_CALENDARS.fullmatch(text)
    try:
        value = parse_date(both[1] if both else text)
        western = parse_date(both[2]) if both else value
    except ValueError as exc:
        _refuse(fact, str(exc))
    if western != value:
        _refuse(fact, DATE_MISMATCH)
    return value


def _from_json(fact: Fact, raw: Any) -> Any:
    if fact.type == "bool":
        if isinstance(raw, bool):
            return raw
    elif fact.type == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
    elif fact.type == "date":
        if isinstance(raw, date):
            return raw
        # Exactly YYYY-MM-DD: parse_date (like date.fromisoformat) also takes other forms.
        if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
            try:
                return parse_date(raw)
            except ValueError as exc:
                _refuse(fact, str(exc))
    elif isinstance(raw, str):  # choice, text
        return raw
    _refuse(fact, _expected(fact, True))


def _within_limits(fact: Fact, value: Any) -> Any:
    """The fact's limits, for both shapes: the range of a number, the choices of a choice."""
    if fact.type == "int":
        low, high = fact.min, fact.max
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                _refuse(fact, f"{low}〜{high}の範囲で入力してください")
            _refuse(
                fact, f"{low}以上で入力してください" if low is not None else f"{high}以下で入力してください"
            )
    elif fact.type == "choice" and value not in fact.choice_values:
        _refuse(fact, _expected(fact, False))
    return value
