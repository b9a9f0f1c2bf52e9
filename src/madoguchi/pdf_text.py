"""Japanese line breaking (禁則処理) for the PDFs madoguchi draws (the 手続き案内票, the resident's summary).

ReportLab's CJK wrapping hangs at most one character that may not start a line, so 「）、」 at the end of a line
still puts 「、」 at the start of the next. Here a line break moves back (追い出し) until the next line does not
start with a character of ReportLab's own ``ALL_CANNOT_START`` table, the line does not end with one of
``ALL_CANNOT_END`` (「（」), and no run of Latin letters or digits (a phone number, 0000-11-1101) is cut.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.textsplit import ALL_CANNOT_END, ALL_CANNOT_START
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

_MAX_PUSH_BACK = (
    24  # characters a break may move back (a long number or word); beyond that it is cut where full
)


def _latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-.,:/@+_")


def _good_break(text: str, at: int) -> bool:
    nxt, prev = text[at], text[at - 1]
    if nxt in ALL_CANNOT_START or prev in ALL_CANNOT_END:
        return False
    return not (_latin(prev) and _latin(nxt))


def break_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` points (a single character wider than that gets its own line);
    a newline in ``text`` always breaks."""
    lines: list[str] = []
    for para in text.split("\n"):
        start = 0
        while start < len(para):
            used, end = 0.0, start
            while end < len(para):
                w = stringWidth(para[end], font, size)
                if used + w > width and end > start:
                    break
                used += w
                end += 1
            if end < len(para):
                at = end
                while at > start + 1 and end - at < _MAX_PUSH_BACK and not _good_break(para, at):
                    at -= 1
                if _good_break(para, at):
                    end = at
            lines.append(para[start:end])
            start = end
    return lines


class JapaneseParagraph(Paragraph):
    """A paragraph of plain text laid out with :func:`break_lines` for the width it is given."""

    def __init__(self, text: object, style: ParagraphStyle):
        self.plain = str(text or "")
        super().__init__(escape(self.plain).replace("\n", "<br/>"), style)

    def wrap(self, availWidth, availHeight):
        style = self.style
        width = availWidth - style.leftIndent - style.rightIndent
        lines = break_lines(self.plain, style.fontName, style.fontSize, width)
        Paragraph.__init__(self, "<br/>".join(escape(line) for line in lines), style)
        return super().wrap(availWidth, availHeight)
