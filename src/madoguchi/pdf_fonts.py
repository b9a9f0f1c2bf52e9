"""Find and register embeddable TrueType Japanese fonts for ReportLab (never the non-embedded CID fonts)."""

from __future__ import annotations

import os
import struct
import threading
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

BUNDLED = Path(__file__).resolve().parent / "fonts" / "ipaexg.ttf"
# Looked for in order; MADOGUCHI_FONT (a path) wins. BIZ UD and IPAmj are preferred where installed.
CANDIDATES = [
    "/usr/share/fonts/truetype/fonts-morisawa-bizud-gothic/BIZUDGothic-Regular.ttf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "C:/Windows/Fonts/BIZ-UDGothicR.ttc",
    str(BUNDLED),
]


class FontError(RuntimeError):
    pass


@lru_cache(maxsize=8)
def register_font(name: str = "MadoguchiGothic") -> str:
    """Register the first usable font under ``name`` (once per process) and return the name."""
    paths = [os.environ["MADOGUCHI_FONT"]] if os.environ.get("MADOGUCHI_FONT") else CANDIDATES
    problems = []
    for path in paths:
        if not Path(path).is_file():
            continue
        try:
            font = TTFont(name, path, subfontIndex=0)
        except Exception as exc:  # noqa: BLE001 - ReportLab raises bare errors for CFF or restricted fonts
            problems.append(f"{path}: {exc}")
            continue
        pdfmetrics.registerFont(font)
        return name
    detail = "; ".join(problems) or "none of: " + ", ".join(paths)
    raise FontError(f"no embeddable TrueType Japanese font found ({detail}); set MADOGUCHI_FONT")


# --- a font list with per-glyph fallback and IVS (for application forms) ---------------------------
#
# Forms print legal names exactly as typed. The first font of the list that has a character draws it; a
# name with an IVS sequence (base + U+E0100..U+E01EF) is drawn with the variant glyph of a font whose
# cmap format 14 maps it (IPAmj明朝). ReportLab does no shaping, so we look the variant glyph up ourselves
# and give it a private code (plane 15) in ReportLab's subset; the ToUnicode map sends that code back to
# the base + selector sequence, so copied or extracted text keeps the IVS.

FORM_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/fonts-morisawa-bizud-mincho/BIZUDMincho-Regular.ttf",
    "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
    "C:/Windows/Fonts/BIZ-UDMinchoM.ttc",
    str(BUNDLED),
]
MJ_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/ipamj/ipamjm.ttf",
    "/usr/share/fonts/opentype/ipamj/ipamjm.ttf",
    "C:/Windows/Fonts/ipamjm.ttf",
]
_PRIVATE_BASE = 0xF0000  # Supplementary Private Use Area-A: never in a Japanese font's own cmap


def a4_document(buffer, font: str, **options):
    """A platypus A4 document whose canvas starts in ``font``: ReportLab's default start font is Helvetica,
    which is never embedded, so every flowing document (guidance sheet, pre-entry summary) is made here."""
    from reportlab.platypus import SimpleDocTemplate  # heavy (~85 ms): only the flowing documents need it

    return SimpleDocTemplate(buffer, pagesize=A4, initialFontName=font, **options)


def is_variation_selector(code: int) -> bool:
    return 0xE0100 <= code <= 0xE01EF or 0xFE00 <= code <= 0xFE0F


def check_embeddable(path: str | Path) -> None:
    """Refuse fonts that are not TrueType outlines or whose licence bits forbid embedding (OS/2 fsType)."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        tag = head[:4]
        if tag == b"ttcf":
            fh.seek(12)
            (offset,) = struct.unpack(">I", fh.read(4))
            fh.seek(offset)
            head = fh.read(12)
            tag = head[:4]
        if tag == b"OTTO":
            raise FontError(f"{path}: CFF (PostScript) outlines; forms need a TrueType-outline font")
        if tag not in (b"\x00\x01\x00\x00", b"true"):
            raise FontError(f"{path}: not a TrueType font")
        (num_tables,) = struct.unpack(">H", head[4:6])
        table_dir = fh.read(16 * num_tables)
        for i in range(num_tables):
            entry = table_dir[16 * i : 16 * i + 16]
            if entry[:4] == b"OS/2":
                (offset,) = struct.unpack(">I", entry[8:12])
                fh.seek(offset + 8)
                (fs_type,) = struct.unpack(">H", fh.read(2))
                if fs_type & 0x000F == 0x0002:
                    raise FontError(f"{path}: the licence forbids embedding (OS/2 fsType restricted)")
                if fs_type & 0x0100:
                    raise FontError(f"{path}: the licence forbids subsetting (OS/2 fsType 0x0100)")
                return


def _read_uvs(data: bytes) -> dict[tuple[int, int], int | None]:
    """(base, selector) → glyph id from cmap format 14; None means 'the default glyph of the base'."""
    (num_tables,) = struct.unpack(">H", data[4:6])
    cmap = None
    for i in range(num_tables):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        return {}
    (count,) = struct.unpack(">H", data[cmap + 2 : cmap + 4])
    out: dict[tuple[int, int], int | None] = {}
    for i in range(count):
        platform, encoding, sub = struct.unpack(">HHI", data[cmap + 4 + 8 * i : cmap + 12 + 8 * i])
        start = cmap + sub
        if not (platform == 0 and encoding == 5) or struct.unpack(">H", data[start : start + 2])[0] != 14:
            continue
        (records,) = struct.unpack(">I", data[start + 6 : start + 10])
        for r in range(records):
            rec = data[start + 10 + 11 * r : start + 21 + 11 * r]
            selector = int.from_bytes(rec[:3], "big")
            default_off, non_default_off = struct.unpack(">II", rec[3:11])
            if default_off:
                pos = start + default_off
                (ranges,) = struct.unpack(">I", data[pos : pos + 4])
                for k in range(ranges):
                    first = int.from_bytes(data[pos + 4 + 4 * k : pos + 7 + 4 * k], "big")
                    extra = data[pos + 7 + 4 * k]
                    for base in range(first, first + extra + 1):
                        out[(base, selector)] = None
            if non_default_off:
                pos = start + non_default_off
                (mappings,) = struct.unpack(">I", data[pos : pos + 4])
                for k in range(mappings):
                    item = data[pos + 4 + 5 * k : pos + 9 + 5 * k]
                    out[(int.from_bytes(item[:3], "big"), selector)] = struct.unpack(">H", item[3:5])[0]
    return out


_private_text: dict[int, str] = {}  # private code → the text it stands for (ToUnicode)
_private_lock = threading.Lock()


def _install_tounicode() -> None:
    """ReportLab writes ToUnicode entries as 4 hex digits, which is wrong for characters beyond the BMP
    (𠮷, IVS). Write every entry as UTF-16BE, and private codes as the sequence they stand for."""
    if getattr(ttfonts.makeToUnicodeCMap, "_madoguchi", False):
        return

    def utf16(text: str) -> str:
        return text.encode("utf-16-be").hex().upper()

    def make_cmap(fontname, subset):
        entries = [f"<{i:02X}> <{utf16(_private_text.get(v) or chr(v))}>" for i, v in enumerate(subset)]
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
        ]
        for i in range(0, len(entries), 100):  # at most 100 entries per bfchar block
            chunk = entries[i : i + 100]
            lines += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines)

    make_cmap._madoguchi = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_cmap


class FormFont:
    """One registered TrueType font of a :class:`FontList`."""

    def __init__(self, name: str, path: str):
        check_embeddable(path)
        self.name = name
        self.path = path
        self.ttf = TTFont(name, path, subfontIndex=0)
        pdfmetrics.registerFont(self.ttf)
        self.chars = self.ttf.face.charToGlyph
        self._uvs: dict[tuple[int, int], int | None] | None = None

    @property
    def uvs(self) -> dict[tuple[int, int], int | None]:
        if self._uvs is None:
            self._uvs = _read_uvs(self.ttf.face._ttf_data)
        return self._uvs

    def variant_code(self, base: int, selector: int) -> int | None:
        """A code ReportLab can draw for base+selector with this font, or None if the font lacks it."""
        key = (base, selector)
        if key not in self.uvs:
            return None
        glyph = self.uvs[key]
        if glyph is None:  # the default glyph of the base is the variant
            return base if base in self.chars else None
        return self.private_code(chr(base) + chr(selector), glyph, self.ttf.face.charWidths.get(base, 1000))

    def private_code(self, text: str, glyph: int, width: float = 1000) -> int:
        """A private code drawing ``glyph`` whose ToUnicode entry is ``text`` (so extracted text stays exact)."""
        face = self.ttf.face
        with _private_lock:
            for code, meaning in _private_text.items():
                if meaning == text and face.charToGlyph.get(code) == glyph:
                    return code
            code = _PRIVATE_BASE + len(_private_text)
            _private_text[code] = text
            face.charToGlyph[code] = glyph
            face.glyphToChar.setdefault(glyph, []).append(code)
            face.charWidths[code] = width
            return code


class FontList:
    """Fonts tried in order for each character; IVS sequences go to a font with a matching cmap 14 entry."""

    def __init__(self, fonts: list[FormFont]):
        if not fonts:
            raise FontError("no form font")
        self.fonts = fonts
        self.primary = fonts[0]

    @property
    def has_ivs_font(self) -> bool:
        return any(f.uvs for f in self.fonts)

    def runs(self, text: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Split text into (font name, text) runs; problems name the characters no font can draw."""
        runs: list[tuple[str, str]] = []
        problems: list[str] = []

        def add(font: str, chunk: str) -> None:
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + chunk)
            else:
                runs.append((font, chunk))

        i = 0
        while i < len(text):
            code = ord(text[i])
            selector = ord(text[i + 1]) if i + 1 < len(text) else 0
            if is_variation_selector(selector):
                for font in self.fonts:
                    variant = font.variant_code(code, selector)
                    if variant is not None:
                        add(font.name, chr(variant))
                        break
                else:
                    problems.append(
                        f"{text[i]}（U+{code:04X} + U+{selector:04X}）の異体字を持つフォントがありません"
                        "（通常の字形で印刷されます）"
                    )
                    # The base glyph is printed (flagged above); the text layer keeps the whole sequence.
                    font = next((f for f in self.fonts if code in f.chars), self.primary)
                    glyph = font.chars.get(code, 0)
                    add(
                        font.name,
                        chr(
                            font.private_code(
                                text[i : i + 2], glyph, font.ttf.face.charWidths.get(code, 1000)
                            )
                        ),
                    )
                i += 2
                continue
            if is_variation_selector(code):
                problems.append(f"異体字セレクタ U+{code:04X} の前に文字がありません")
                i += 1
                continue
            for font in self.fonts:
                # A typed private-use character that happens to equal one of our private codes is not ours.
                if (code in font.chars and code not in _private_text) or code in (0x20, 0x3000):
                    add(font.name, text[i])
                    break
            else:
                problems.append(f"{text[i]}（U+{code:04X}）を持つフォントがありません（☒の形で印刷されます）")
                # Printed as the empty .notdef glyph (flagged above); the text layer keeps the character.
                add(self.primary.name, chr(self.primary.private_code(text[i], 0)))
            i += 1
        return runs, problems

    def width(self, text: str, size: float) -> float:
        runs, _ = self.runs(text)
        return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs)


def _first_font(name: str, paths: list[str], problems: list[str]) -> FormFont | None:
    for path in paths:
        if not path or not Path(path).is_file():
            continue
        try:
            return FormFont(name, path)
        except (FontError, Exception) as exc:  # noqa: BLE001 - ReportLab raises bare errors
            problems.append(f"{path}: {exc}")
    return None


@lru_cache(maxsize=1)
def form_fonts() -> FontList:
    """The form fonts, registered once per process: a 明朝 (MADOGUCHI_FORM_FONT, BIZ UD明朝, IPAex明朝, the
    bundled IPAexゴシック) then IPAmj明朝 (MADOGUCHI_MJ_FONT) for rare characters and IVS."""
    _install_tounicode()
    problems: list[str] = []
    env = os.environ.get("MADOGUCHI_FORM_FONT")
    primary = _first_font("MadoguchiForm", [env] if env else FORM_FONT_CANDIDATES, problems)
    if primary is None:
        raise FontError("no embeddable TrueType font for forms: " + ("; ".join(problems) or "none found"))
    fonts = [primary]
    env_mj = os.environ.get("MADOGUCHI_MJ_FONT")
    mj = _first_font("MadoguchiFormMJ", [env_mj] if env_mj else MJ_FONT_CANDIDATES, problems)
    if mj is not None:
        fonts.append(mj)
    if primary.path != str(BUNDLED) and Path(BUNDLED).is_file():
        fonts.append(FormFont("MadoguchiFormBundled", str(BUNDLED)))
    return FontList(fonts)
