"""禁則処理 in the PDFs (#12 item 7): no line starts with 「、」「）」「。」, none ends with 「（」, numbers stay whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.textsplit import ALL_CANNOT_END, ALL_CANNOT_START

from madoguchi.pdf_fonts import register_font
from madoguchi.pdf_text import JapaneseParagraph, break_lines

TEXT = "本日手続き、住民票の写し、印鑑登録証明書、戸籍謄本（全部事項証明書）、運転免許証など本人確認書類。☎ 0000-11-1101"


def test_reportlab_alone_starts_a_line_with_a_comma_and_ours_does_not():
    from reportlab.platypus import Paragraph

    font = register_font()
    style = ParagraphStyle("b", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    plain = Paragraph(TEXT, style)
    plain.wrap(109, 1000)
    starts = [line[1][0][:1] for line in plain.blPara.lines]
    assert "、" in starts  # the problem the issue saw: 「）」 hangs, 「、」 starts the next line
    ours = break_lines(TEXT, font, 9.5, 109)
    assert "".join(ours) == TEXT
    assert not [x for x in ours[1:] if x[0] in ALL_CANNOT_START]


@settings(max_examples=200, deadline=None)
@given(width=st.floats(min_value=30, max_value=400), cut=st.integers(min_value=0, max_value=len(TEXT)))
def test_no_line_breaks_a_rule_at_any_width(width, cut):
    font = register_font()
    text = TEXT[cut:] + TEXT[:cut]
    lines = break_lines(text, font, 9.5, width)
    assert "".join(lines) == text
    for before, after in zip(lines, lines[1:], strict=False):
        assert after[0] not in ALL_CANNOT_START or len(before) <= 1, (before, after)
        assert before[-1] not in ALL_CANNOT_END, (before, after)
    if width >= 120:
        assert any("0000-11-1101" in line for line in lines) or "0000-11-1101" not in text


def test_the_paragraph_lays_out_for_its_width():
    font = register_font()
    p = JapaneseParagraph(TEXT + "\n二行目", ParagraphStyle("b", fontName=font, fontSize=9.5, leading=13))
    _, height = p.wrap(109, 1000)
    assert height == 13 * len(p.blPara.lines) and len(p.blPara.lines) >= 6
