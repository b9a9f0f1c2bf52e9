"""Find and register embeddable TrueType Japanese fonts for ReportLab (never the non-embedded CID fonts)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
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
