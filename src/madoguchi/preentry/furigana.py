"""Furigana for resident texts: a list of (text, reading) pieces that templates render as ``<ruby>``.

Readings written in the text win: ``世帯主《せたいぬし》`` (青空文庫 style; ``｜`` marks where the base starts
when it is not just the kanji before 《). Kanji without a written reading get one from pykakasi when it is
installed (a dictionary guess; catalogs should write readings for words it gets wrong); otherwise they are
shown without furigana. ``plain()`` strips the markup for every other use.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MARKUP = re.compile(r"(?:｜([^《｜]+)|([\u3005\u4e00-\u9fff\u3400-\u4dbf]+))《([^》]+)》")
_KANJI = re.compile(r"[\u3005\u4e00-\u9fff\u3400-\u4dbf]")

Piece = tuple[str, str | None]

# Words the dictionary reads wrongly when they stand alone in resident texts (日 is ひ, not にち; 方 is かた).
OVERRIDES = {
    "日": "ひ",
    "方": "かた",
    "人": "ひと",
    "何": "なん",
    "何人": "なんにん",
    "何級": "なんきゅう",
    "今日": "きょう",
}


def plain(text: str | None) -> str:
    if not text:
        return ""
    return _MARKUP.sub(lambda m: m.group(1) or m.group(2), text)


@lru_cache(maxsize=1)
def _kakasi():
    try:
        import pykakasi  # optional at run time (no guess without it): imported on first use
    except ImportError:
        return None
    return pykakasi.kakasi()


def _guess(text: str) -> list[Piece]:
    if not _KANJI.search(text):
        return [(text, None)]
    k = _kakasi()
    if k is None:
        return [(text, None)]
    out: list[Piece] = []
    for item in k.convert(text):
        orig, hira = item["orig"], item["hira"]
        if not _KANJI.search(orig) or orig == hira:
            out.append((orig, None))
            continue
        # Keep trailing kana (okurigana) outside the ruby: 重い → 重《おも》い.
        tail = ""
        while orig and hira and not _KANJI.match(orig[-1]) and orig[-1] == hira[-1]:
            tail = orig[-1] + tail
            orig, hira = orig[:-1], hira[:-1]
        out.append((orig, OVERRIDES.get(orig, hira)))
        if tail:
            out.append((tail, None))
    return out


@lru_cache(maxsize=2048)
def pieces(text: str | None) -> tuple[Piece, ...]:
    if not text:
        return ()
    out: list[Piece] = []
    pos = 0
    for m in _MARKUP.finditer(text):
        if m.start() > pos:
            out.extend(_guess(text[pos : m.start()]))
        out.append((m.group(1) or m.group(2), m.group(3)))
        pos = m.end()
    if pos < len(text):
        out.extend(_guess(text[pos:]))
    # Merge neighbouring plain pieces.
    merged: list[Piece] = []
    for piece in out:
        if merged and piece[1] is None and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + piece[0], None)
        else:
            merged.append(piece)
    return tuple(merged)
