"""外字 flagging: characters a municipality's fonts or core system may not represent.

Nothing is replaced: each finding becomes a warning for the clerk to confirm against the card face.
The repertoire is pluggable; the default is the glyph coverage of the IPAex Gothic font when installed,
else JIS X 0213 (what the euc_jis_2004 codec can encode).
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterable
from typing import Protocol

from reportlab.pdfbase.ttfonts import TTFontFile

DEFAULT_FONT = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
FONT_ENV = "MADOGUCHI_GAIJI_FONT"


class Repertoire(Protocol):
    name: str

    def covers(self, ch: str) -> bool: ...


class CodepointRepertoire:
    def __init__(self, codepoints: Iterable[int], name: str = "custom"):
        self._cps = frozenset(codepoints)
        self.name = name

    def covers(self, ch: str) -> bool:
        return ord(ch) in self._cps


class CodecRepertoire:
    def __init__(self, codec: str = "euc_jis_2004", name: str = "JIS X 0213"):
        self.codec = codec
        self.name = name

    def covers(self, ch: str) -> bool:
        try:
            ch.encode(self.codec)
        except UnicodeEncodeError:
            return False
        return True


class AnyRepertoire:
    name = "any"

    def covers(self, ch: str) -> bool:
        return True


@functools.lru_cache(maxsize=8)
def font_repertoire(path: str) -> CodepointRepertoire:
    """Code points mapped by a TrueType/OpenType font's cmap (via reportlab, a project dependency)."""
    font = TTFontFile(path)
    return CodepointRepertoire(font.charToGlyph.keys(), name=os.path.basename(path))


def default_repertoire() -> Repertoire:
    path = os.environ.get(FONT_ENV) or DEFAULT_FONT
    if os.path.exists(path):
        try:
            return font_repertoire(path)
        except Exception:  # noqa: BLE001 - an unreadable font falls back, it must not stop a counter
            return CodecRepertoire()
    return CodecRepertoire()


def _is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _always_flag(cp: int) -> str | None:
    if cp == 0x3013:
        return "〓 (下駄記号: a character the issuer could not encode)"
    if cp == 0xFFFD:
        return "replacement character"
    if 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000:
        return "private-use code point (外字)"
    if unicodedata.category(chr(cp)) == "Cn":
        return "unassigned code point"
    return None


def _label(field: str, seq: str, why: str) -> str:
    cps = " ".join(f"U+{ord(c):04X}" for c in seq)
    return f"{field}: 「{seq}」 ({cps}) — {why}。券面と照合してください / confirm against the card face"


def find(text: str, field: str, repertoire: Repertoire | None = None) -> list[str]:
    """Warnings for characters in ``text`` outside ``repertoire`` (one per distinct character/sequence)."""
    repertoire = repertoire or default_repertoire()
    warnings: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(text):
        ch = text[i]
        seq = ch
        # A base character followed by a variation selector (IVS) is one unit for the clerk.
        if i + 1 < len(text) and _is_variation_selector(ord(text[i + 1])):
            seq = text[i : i + 2]
        i += len(seq)
        if seq in seen:
            continue
        why = _always_flag(ord(ch))
        if why is None and len(seq) == 2:
            why = "異体字セレクタ付きの文字 (variation sequence)"
        if why is None and _is_variation_selector(ord(ch)):
            why = "variation selector without a base character"
        if why is None and not repertoire.covers(ch):
            why = f"外字の可能性 (not in {repertoire.name})"
        if why:
            seen.add(seq)
            warnings.append(_label(field, seq, why))
    return warnings
