"""Furigana for resident texts: a list of (text, reading) pieces that templates render as ``<ruby>``.

Readings written in the text win: ``世帯主《せたいぬし》`` (青空文庫 style; ``｜`` marks where the base starts
when it is not just the kanji before 《). Then the catalog's own reading list (``readings:`` in a catalog file,
which staff edit for words the dictionary gets wrong). Every other kanji word is read by SudachiPy with its
core dictionary (a real morphological analyser: 被扶養者 ひふようしゃ, 受給権者 じゅきゅうけんしゃ). ``plain()``
strips the markup for every other use.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MARKUP = re.compile(r"(?:｜([^《｜]+)|([\u3005\u4e00-\u9fff\u3400-\u4dbf]+))《([^》]+)》")
_KANJI = re.compile(r"[\u3005\u4e00-\u9fff\u3400-\u4dbf]")
_DIGIT = re.compile(r"[0-9０-９]")

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
def _tokenizer():
    from sudachipy import Dictionary, SplitMode  # loaded on first use: its dictionary takes a moment

    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def _kana_edges(orig: str, hira: str) -> list[Piece]:
    """Keep kana the word and its reading share outside the ruby: 重い → 重《おも》い, お金 → お金《かね》."""
    head = tail = ""
    while orig and hira and not _KANJI.match(orig[0]) and orig[0] == hira[0]:
        head, orig, hira = head + orig[0], orig[1:], hira[1:]
    while orig and hira and not _KANJI.match(orig[-1]) and orig[-1] == hira[-1]:
        tail, orig, hira = orig[-1] + tail, orig[:-1], hira[:-1]
    out: list[Piece] = [(head, None)] if head else []
    out.append((orig, OVERRIDES.get(orig, hira) or None))
    if tail:
        out.append((tail, None))
    return out


def _guess(text: str) -> list[Piece]:
    if not _KANJI.search(text):
        return [(text, None)]
    import jaconv

    out: list[Piece] = []
    for morpheme in _tokenizer().tokenize(text):
        orig = morpheme.surface()
        hira = jaconv.kata2hira(morpheme.reading_form())
        if not _KANJI.search(orig) or orig == hira or _DIGIT.search(orig):
            out.append(
                (orig, None)
            )  # a number (135万, 1級) is read from its digits; the analyser guesses them
        else:
            out.extend(_kana_edges(orig, hira))
    return out


def _with_readings(text: str, readings: tuple[tuple[str, str], ...]) -> list[Piece]:
    """The catalog's readings (longest word first), then the analyser for what is between them."""
    if not readings:
        return _guess(text)
    words = sorted((w for w, _ in readings), key=len, reverse=True)
    known = dict(readings)
    out: list[Piece] = []
    pos = 0
    for m in re.finditer("|".join(map(re.escape, words)), text):
        if m.start() > pos:
            out.extend(_guess(text[pos : m.start()]))
        out.extend(_kana_edges(m.group(), known[m.group()]))
        pos = m.end()
    if pos < len(text):
        out.extend(_guess(text[pos:]))
    return out


@lru_cache(maxsize=4096)
def pieces(text: str | None, readings: tuple[tuple[str, str], ...] = ()) -> tuple[Piece, ...]:
    """``text`` as ruby pieces; ``readings`` are the catalog's (word, reading) pairs (``Catalog.readings``)."""
    if not text:
        return ()
    out: list[Piece] = []
    pos = 0
    for m in _MARKUP.finditer(text):
        if m.start() > pos:
            out.extend(_with_readings(text[pos : m.start()], readings))
        out.append((m.group(1) or m.group(2), m.group(3)))
        pos = m.end()
    if pos < len(text):
        out.extend(_with_readings(text[pos:], readings))
    # Merge neighbouring plain pieces.
    merged: list[Piece] = []
    for piece in out:
        if merged and piece[1] is None and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + piece[0], None)
        else:
            merged.append(piece)
    return tuple(merged)


def resident_texts(catalog) -> list[str]:
    """Every catalog text a resident page shows with furigana: questions, labels and choices of the facts,
    the procedures' names, and the やさしい日本語 questions."""
    texts: list[str] = []
    for fact in catalog.facts.values():
        texts += [t for t in (fact.question, fact.resident_question, fact.label) if t]
        texts += list(getattr(fact, "choice_values", {}).values())
        for lang in ("ja", "easy"):
            entry = (getattr(fact, "i18n", None) or {}).get(lang)
            question = entry.get("question") if isinstance(entry, dict) else getattr(entry, "question", None)
            if question:
                texts.append(question)
    texts += [proc.name for proc in catalog.procedures.values()]
    return texts


def catalog_readings(catalog) -> list[tuple[str, str]]:
    """Each word with furigana on the resident pages and the reading it gets, once, sorted: the list staff
    review (``madoguchi catalog readings``) and correct through the catalog's ``readings:``."""
    found = {
        (base, reading)
        for text in resident_texts(catalog)
        for base, reading in pieces(text, catalog.readings)
        if reading
    }
    return sorted(found)
