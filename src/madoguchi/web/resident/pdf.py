"""The pre-entry summary as a PDF (ReportLab, embedded Japanese font): what to bring, saved on a phone."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from madoguchi.pdf_fonts import a4_document, register_font


def summary_pdf(ctx: dict[str, Any]) -> bytes:
    font = register_font()
    base = ParagraphStyle("b", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=base, fontSize=17, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=14, leading=20, spaceBefore=10, spaceAfter=4)
    h3 = ParagraphStyle("h3", parent=base, fontSize=12, leading=17, spaceBefore=6)
    small = ParagraphStyle("s", parent=base, fontSize=9.5, leading=13)
    s = ctx["s"]

    def p(text, style=base):
        return Paragraph(escape(str(text or "")), style)

    muni = ctx["municipality"]
    story: list = [p(f"{muni.prefecture}{muni.name} — {ctx['event'].name}", small), p(s.summary, h1)]

    def items(rows):
        for row in rows:
            story.append(p(row["name"], h3))
            where = " ".join(str(x) for x in (row["department"], row["counter"]) if str(x))
            story.append(p(f"{s.where}: {where}", small))
            if row["deadline"].plain:
                story.append(p(f"{s.deadline}: {row['deadline']}", small))
            if row["documents"]:
                story.append(p(f"{s.documents}: " + "、".join(str(d) for d in row["documents"]), small))

    items(ctx["summary"]["applicable"])
    if ctx["summary"]["undetermined"]:
        story.append(p(s.to_check, h2))
        items(ctx["summary"]["undetermined"])
    if ctx.get("answers"):
        story.append(p(s.your_answers, h2))
        for a in ctx["answers"]:
            story.append(p(f"{a['label']}: {a['shown']}", small))
    story.append(Spacer(1, 6 * mm))
    buf = BytesIO()
    doc = a4_document(
        buf,
        font,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=str(s.summary),
    )
    doc.build(story)
    return buf.getvalue()
