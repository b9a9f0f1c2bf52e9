"""The 手続き案内票 as a PDF, drawn with ReportLab and an embedded Japanese TrueType font."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from madoguchi.guide.sheet import GuidanceSheet
from madoguchi.pdf_fonts import a4_document, register_font
from madoguchi.pdf_text import JapaneseParagraph


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base, fontSize=11, leading=15, spaceBefore=6, spaceAfter=2),
        "alert": ParagraphStyle(
            "alert", parent=base, textColor=colors.HexColor("#b00020"), spaceBefore=4, borderPadding=2
        ),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#444444")
        ),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return JapaneseParagraph(text, style)


def _line_deadline(line) -> str:
    return (line.deadline_text or "—") + ("\n【期限を過ぎています】" if line.overdue else "")


def render_sheet_pdf(sheet: GuidanceSheet) -> bytes:
    font = register_font()
    st = _styles(font)
    muni, event = sheet.municipality, sheet.event
    story: list = [
        _p("手続き案内票", st["title"]),
        _p(f"{muni.prefecture}{muni.name}　{event.name}", st["base"]),
        _p(
            f"案件番号: {sheet.number}　発行日: {sheet.issued}"
            + (f"　基準日: {sheet.event_date}" if sheet.event_date else ""),
            st["base"],
        ),
    ]
    if sheet.overdue:
        story.append(
            _p(
                f"期限を過ぎた手続きが {len(sheet.overdue)} 件あります（【期限を過ぎています】の行）。"
                "できるだけ早く、担当の窓口にご相談ください。",
                st["alert"],
            )
        )
    if not sheet.settled:
        story.append(
            _p(
                f"対象かどうかまだ決まっていない手続きが {len(sheet.undetermined)} 件あります"
                "。この票の最後の一覧をご確認ください。",
                st["alert"],
            )
        )
    story += [Spacer(1, 4 * mm), _p("市役所での手続き", st["h2"])]
    widths = [52 * mm, 70 * mm, 40 * mm, 18 * mm]
    table_style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    for group in sheet.city_hall:
        d = group.department
        story.append(
            _p(
                f"{d.name}　{d.counter or ''} {d.location or ''}　{('☎ ' + d.phone) if d.phone else ''}",
                st["h3"],
            )
        )
        rows = [[_p(h, st["small"]) for h in ("手続き", "お持ちいただくもの", "期限", "予定")]]
        for v in group.lines:
            rows.append(
                [
                    _p(f"□ {v.title}", st["base"]),
                    _p("、".join(v.documents), st["small"]),
                    _p(_line_deadline(v), st["small"]),
                    _p(v.plan_label + (f"（{v.note}）" if v.note else ""), st["small"]),
                ]
            )
        story.append(Table(rows, colWidths=widths, style=table_style, repeatRows=1))
    if not sheet.city_hall:
        story.append(_p("市役所での手続きはありません。", st["base"]))
    if sheet.elsewhere:
        story.append(_p("市役所以外での手続き", st["h2"]))
        for group in sheet.elsewhere:
            d = group.department
            story.append(_p(f"{d.name}　{d.location or ''}　{('☎ ' + d.phone) if d.phone else ''}", st["h3"]))
            rows = [
                [
                    _p(f"□ {v.title}", st["base"]),
                    _p("、".join(v.documents), st["small"]),
                    _p(_line_deadline(v), st["small"]),
                ]
                for v in group.lines
            ]
            story.append(Table(rows, colWidths=[62 * mm, 78 * mm, 40 * mm], style=table_style))
    if sheet.automatic:
        story.append(_p("手続きが不要なもの（自動で処理されます）", st["h2"]))
        for v in sheet.automatic:
            story.append(_p(f"・{v.title}: {v.procedure.why}", st["base"]))
    if sheet.undetermined:
        story.append(_p("確認が必要なもの", st["h2"]))
        for v in sheet.undetermined:
            story.append(_p(f"・{v.title}（{v.department.name}）: {'、'.join(v.waiting_labels)}", st["base"]))

    footer = f"{muni.name} {muni.address or ''} {('☎ ' + muni.phone) if muni.phone else ''}　案件番号 {sheet.number}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.drawString(15 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    buffer = BytesIO()
    doc = a4_document(
        buffer,
        font,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"手続き案内票 {sheet.number}",
        author=f"{muni.prefecture}{muni.name}",
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
