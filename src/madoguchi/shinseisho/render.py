"""Fill forms from case data and draw them: ReportLab overlay (embedded TrueType subsets) merged with pypdf onto
the municipality's PDF, or onto a layout generated from the field map when there is no PDF.

Fonts are registered once per process (:func:`madoguchi.pdf_fonts.form_fonts`), backgrounds read once per
process; a bundle is one ReportLab document (one font subset for every page) plus one pypdf pass for the
pages that have a background.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import jaconv
import segno
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from madoguchi.case.vocab import SEX_LABELS
from madoguchi.pdf_fonts import FontList, form_fonts
from madoguchi.shinseisho.fit import LEADING, FitError, fit_text
from madoguchi.shinseisho.loader import FormSet
from madoguchi.shinseisho.models import FieldSpec, FormTemplate
from madoguchi.shinseisho.values import CaseData, ValueRef
from madoguchi.wareki import format_seireki, format_wareki, parse_date


class FormRenderError(Exception):
    """A value cannot be printed (it does not fit, or is not what the field takes). Names form and field."""

    def __init__(self, form_id: str, field_name: str, message: str):
        self.form_id = form_id
        self.field_name = field_name
        super().__init__(f"form {form_id}, field {field_name}: {message}")


# --- filling: case data → the text (or tick) of each field ---------------------------------------------


@dataclass
class FilledField:
    spec: FieldSpec
    value: Any  # str for text kinds, bool for check boxes, None when empty
    origin: str  # auto | typed | empty | signature
    raw: Any = None  # the case value before formatting (for the correction form)
    problems: list[str] = field(default_factory=list)
    sheet: int | None = None  # a row's sheet (0 = the form, 1… = 続紙); None: on every sheet

    @property
    def text(self) -> str:
        if self.spec.kind == "checkbox":
            return "✔" if self.value else ""
        return "" if self.value is None else str(self.value)


@dataclass
class FilledForm:
    form: FormTemplate
    fields: list[FilledField]
    procedures: list[str] = field(default_factory=list)  # procedure ids that need it
    department: str = ""  # department id (bundle order)
    sheets: int = 1  # the form and its continuation sheets (rows: beyond the first sheet's)

    @property
    def page_count(self) -> int:
        return self.form.pages * self.sheets

    @property
    def counts(self) -> dict[str, int]:
        out = {"auto": 0, "typed": 0, "empty": 0}
        for f in self.fields:
            if f.origin in out:
                out[f.origin] += 1
        return out

    @property
    def problems(self) -> list[str]:
        return [f"{self.form.title}・{p}" for p in self.field_problems]

    @property
    def field_problems(self) -> list[str]:
        """What the clerk should look at, per field: 申請者・氏名: 未記入です（必須）."""
        return [f"{f.spec.title}: {p}" for f in self.fields for p in f.problems]

    def field(self, name: str) -> FilledField:
        return next(f for f in self.fields if f.spec.name == name)


def _fact_text(case: CaseData, name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, date):
        return format_wareki(value)
    labels = case.fact_labels.get(name)
    if labels and isinstance(value, str):
        return labels.get(value, value)
    return str(value)


def _truth(ref: ValueRef, raw: Any) -> bool | None:
    if raw is None:
        return None
    if ref.compare is None:
        return bool(raw)
    op, literal = ref.compare
    if isinstance(raw, bool):
        equal = raw == (literal.lower() in ("true", "yes", "1"))
    else:
        equal = str(raw) == literal
    return equal if op == "==" else not equal


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return parse_date(str(value))


def format_value(spec: FieldSpec, ref: ValueRef, raw: Any, case: CaseData, typed: bool) -> Any:
    """The printed form of ``raw`` for the field's kind. Raises ValueError for a value the kind cannot take."""
    kind = spec.kind
    if kind == "checkbox":
        if typed:
            return str(raw).strip().lower() in ("true", "1", "yes", "on", "はい", "✔", "レ")
        return _truth(ref, raw)
    if raw is None or raw == "":
        return None
    if kind in ("date_wareki", "date_seireki"):
        d = _as_date(raw)
        return format_wareki(d) if kind == "date_wareki" else format_seireki(d)
    if kind == "digits":
        text = unicodedata.normalize("NFKC", str(raw))
        digits = re.sub(r"[\s\-]", "", text)
        if not digits.isdigit():
            raise ValueError(f"{text!r} is not digits")
        if len(digits) > (spec.digits or 0):
            raise ValueError(f"{len(digits)} digits for {spec.digits} boxes")
        return digits
    if kind == "postal_code":
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(raw)))
        if len(digits) != 7:
            raise ValueError(f"{raw!r} is not a 7-digit postal code")
        return f"〒{digits[:3]}-{digits[3:]}"
    if kind == "kana":
        # As typed (the counter stores カタカナ); half-width kana become full-width.
        return jaconv.h2z(str(raw))
    if kind == "phone":
        return unicodedata.normalize("NFKC", str(raw))
    # text
    if ref.source == "fact" and not typed:
        return _fact_text(case, ref.name, raw)
    if ref.source == "person" and ref.attr == "sex" and not typed:
        return SEX_LABELS.get(str(raw), str(raw))
    if isinstance(raw, date):
        return format_wareki(raw)
    return str(raw)


def fill_form(form: FormTemplate, case: CaseData, fonts: FontList | None = None) -> FilledForm:
    """Resolve every field of ``form`` from ``case`` (typed corrections win), and one row of ``rows:`` per
    person of its role, continuation sheets as needed. Raises FormRenderError."""
    fonts = fonts or form_fonts()
    out = [_fill_field(form, spec, case, fonts) for spec in form.fields]
    sheets = 1
    if form.rows is not None:
        people = case.members.get(form.rows.role, [])
        sheets = max(1, -(-len(people) // form.rows.per_page))
        for index, person in enumerate(people):
            row_case = replace(case, persons={**case.persons, form.rows.role: person})
            for spec in form.rows.expanded(index):
                filled = _fill_field(form, spec, row_case, fonts)
                filled.sheet = index // form.rows.per_page
                out.append(filled)
    return FilledForm(form, out, sheets=sheets)


def _fill_field(form: FormTemplate, spec: FieldSpec, case: CaseData, fonts: FontList) -> FilledField:
    if spec.kind == "signature":
        return FilledField(spec, None, "signature")
    ref = spec.value_ref
    assert ref is not None
    key = (form.id, spec.name)
    typed = key in case.overrides
    raw = case.overrides[key] if typed else case.lookup(ref)
    try:
        value = format_value(spec, ref, raw, case, typed)
    except ValueError as exc:
        raise FormRenderError(form.id, spec.name, f"{spec.title}: {exc}") from None
    origin = "typed" if typed else ("empty" if value is None or (raw is None) else "auto")
    if spec.kind == "checkbox" and not typed and raw is None:
        origin = "empty"
    filled = FilledField(spec, value, origin, raw)
    if isinstance(value, str):
        _, problems = fonts.runs(value)
        filled.problems.extend(problems)
    if spec.required and (value is None or value == ""):
        filled.problems.append("未記入です（必須）")
    return filled


# --- drawing -------------------------------------------------------------------------------------------

_width_cache: dict[str, float] = {}


def _cluster_width(fonts: FontList, cluster: str) -> float:
    w = _width_cache.get(cluster)
    if w is None:
        w = fonts.width(cluster, 1.0)
        if cluster in (" ",):
            w = max(w, 0.25)
        _width_cache[cluster] = w
    return w


class _Page:
    """Top-left millimetre coordinates on a ReportLab canvas."""

    def __init__(self, canvas: Canvas, height_mm: float):
        self.c = canvas
        self.h = height_mm

    def y(self, y_mm: float) -> float:
        return (self.h - y_mm) * mm

    def rect(self, x, y, w, h, stroke=1, fill=0, width=0.6, gray=None) -> None:
        c = self.c
        c.setLineWidth(width)
        if gray is not None:
            c.setFillGray(gray)
        c.rect(x * mm, self.y(y + h), w * mm, h * mm, stroke=stroke, fill=fill)
        if gray is not None:
            c.setFillGray(0)


def _draw_runs(c: Canvas, fonts: FontList, text: str, x: float, y: float, size: float) -> float:
    runs, _ = fonts.runs(text)
    for font, chunk in runs:
        c.setFont(font, size)
        c.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)
    return x


def _draw_text(
    c: Canvas, fonts: FontList, lines: Iterable[str], size: float, x0, y0, w, h, align: str
) -> None:
    """Draw lines inside a box (points; y0 = bottom), vertically centred."""
    lines = list(lines)
    block = size + (len(lines) - 1) * size * LEADING
    top = y0 + (h + block) / 2
    for i, line in enumerate(lines):
        baseline = top - size * 0.88 - i * size * LEADING
        width = fonts.width(line, size)
        pad = min(1.2 * mm, max(0.0, (w - width) / 2))
        if align == "center":
            x = x0 + (w - width) / 2
        elif align == "right":
            x = x0 + w - width - pad
        else:
            x = x0 + pad
        _draw_runs(c, fonts, line, x, baseline, size)


def _fit(form: FormTemplate, spec: FieldSpec, fonts: FontList, text: str, w_pt: float, h_pt: float):
    try:
        return fit_text(
            text,
            lambda cl: _cluster_width(fonts, cl),
            w_pt,
            h_pt,
            spec.size,
            spec.min_size,
            spec.max_lines,
        )
    except FitError as exc:
        raise FormRenderError(form.id, spec.name, f"{spec.title}: {exc}") from None


def _inner(spec: FieldSpec) -> tuple[float, float]:
    """The writable width and height of a text box (points), leaving a small margin inside the lines."""
    return max(1.0, spec.w * mm - 2.4 * mm), max(1.0, spec.h * mm - 0.8 * mm)


def _draw_value(page: _Page, form: FormTemplate, filled: FilledField, fonts: FontList) -> None:
    spec = filled.spec
    c = page.c
    x0, y0, w, h = spec.x * mm, page.y(spec.y + spec.h), spec.w * mm, spec.h * mm
    if spec.kind == "checkbox":
        if filled.value:
            c.setLineWidth(max(0.8, min(w, h) / 9))
            p = c.beginPath()
            p.moveTo(x0 + w * 0.18, y0 + h * 0.52)
            p.lineTo(x0 + w * 0.42, y0 + h * 0.2)
            p.lineTo(x0 + w * 0.85, y0 + h * 0.85)
            c.drawPath(p, stroke=1, fill=0)
        return
    if filled.value in (None, ""):
        return
    text = str(filled.value)
    if spec.kind == "digits":
        n = spec.digits or 1
        cell = w / n
        size = min(spec.size, cell * 0.9 / max(_cluster_width(fonts, "0"), 0.3), h * 0.85)
        pad = n - len(text) if spec.align == "right" else 0
        for i, digit in enumerate(text):
            cx = x0 + (i + pad) * cell
            _draw_text(c, fonts, [digit], size, cx, y0, cell, h, "center")
        return
    inner_w, inner_h = _inner(spec)
    fit = _fit(form, spec, fonts, text, inner_w, inner_h)
    _draw_text(c, fonts, fit.lines, fit.size, x0 + 0.0, y0, w, h, spec.align)


def _label_text(page: _Page, fonts: FontList, text: str, x, y, w, h, size=9.0, align="left") -> None:
    """Generated-layout labels: shrink and wrap like values; a label that cannot fit is drawn small."""
    try:
        fit = fit_text(text, lambda cl: _cluster_width(fonts, cl), w * mm - 2 * mm, h * mm, size, 5.0, 3)
        lines, s = fit.lines, fit.size
    except FitError:
        lines, s = (text,), 5.0
    _draw_text(page.c, fonts, lines, s, x * mm, page.y(y + h), w * mm, h * mm, align)


def draw_generated(page: _Page, form: FormTemplate, page_no: int, fonts: FontList, municipality: str) -> None:
    """The layout printed where the municipality has no PDF: title, addressee, labels, boxes, notes."""
    c = page.c
    width_mm, _ = form.page_mm
    title = form.title if page_no == 1 else f"{form.title}（{page_no}枚目）"
    size = 16 if page_no == 1 else 12
    c.setFont(fonts.primary.name, size)
    tw = fonts.width(title, size)
    _draw_runs(c, fonts, title, (width_mm * mm - tw) / 2, page.y(18), size)
    if page_no == 1 and form.addressee:
        _draw_runs(c, fonts, form.addressee.replace("{municipality}", municipality), 18 * mm, page.y(30), 11)
    for t in form.texts:
        if t.page != page_no:
            continue
        if t.w:
            _label_text(page, fonts, t.text, t.x, t.y, t.w, t.size * 0.3528 * 1.3 * 3, t.size, t.align)
        else:
            _draw_runs(c, fonts, t.text, t.x * mm, page.y(t.y) - t.size * 0.88, t.size)
    for box in form.boxes:
        if box.page != page_no:
            continue
        page.rect(box.x, box.y, box.w, box.h, width=0.6)
        top = box.y
        if box.label:
            _draw_runs(c, fonts, box.label, (box.x + 1.5) * mm, page.y(box.y) - box.size * 1.2, box.size)
            top = box.y + box.size * 0.3528 * 1.8
            if box.columns:
                c.setLineWidth(0.4)
                c.line(box.x * mm, page.y(top), (box.x + box.w) * mm, page.y(top))
        if box.columns:
            cell = box.w / len(box.columns)
            for i, name in enumerate(box.columns):
                if i:
                    c.line(
                        (box.x + i * cell) * mm, page.y(top), (box.x + i * cell) * mm, page.y(box.y + box.h)
                    )
                _draw_runs(
                    c, fonts, name, (box.x + i * cell + 1.2) * mm, page.y(top) - box.size * 1.2, box.size
                )
    for spec in form.layout_fields:
        if spec.page != page_no:
            continue
        if spec.kind == "checkbox":
            page.rect(spec.x, spec.y, spec.w, spec.h, width=0.7)
            _draw_runs(c, fonts, spec.label, (spec.x + spec.w + 1.2) * mm, page.y(spec.y + spec.h * 0.82), 9)
            continue
        if spec.label_w:
            page.rect(spec.x - spec.label_w, spec.y, spec.label_w, spec.h, width=0.6, fill=1, gray=0.92)
            page.rect(spec.x - spec.label_w, spec.y, spec.label_w, spec.h, width=0.6)
            _label_text(page, fonts, spec.label, spec.x - spec.label_w, spec.y, spec.label_w, spec.h)
        page.rect(spec.x, spec.y, spec.w, spec.h, width=0.6)
        if spec.kind == "digits":
            n = spec.digits or 1
            c.setLineWidth(0.3)
            for i in range(1, n):
                xx = (spec.x + spec.w * i / n) * mm
                c.line(xx, page.y(spec.y), xx, page.y(spec.y + spec.h))
        if spec.kind == "signature":
            c.setFillGray(0.55)
            _draw_runs(c, fonts, "（ご本人が署名してください）", (spec.x + 1.5) * mm, page.y(spec.y) - 9, 7)
            c.setFillGray(0)
    c.setFillGray(0.4)
    _draw_runs(c, fonts, f"{municipality} 様式 {form.id}", 12 * mm, 8 * mm, 6.5)
    c.setFillGray(0)


_qr_cache: dict[str, Any] = {}


def draw_marker(page: _Page, form: FormTemplate | None, fonts: FontList, reference: str, url: str) -> None:
    """The small case reference and the QR code (the case page's address — no personal data)."""
    c = page.c
    marker = form.marker if form else None
    x, y, side = (marker.x, marker.y, marker.size) if marker else (180.0, 12.0, 16.0)
    if url:
        qr = _qr_cache.get(url)
        if qr is None:
            qr = _qr_cache[url] = segno.make(url, error="m", micro=False)
        rows = [list(r) for r in qr.matrix]
        n = len(rows)
        cell = side * mm / (n + 2)
        left, top = x * mm + cell, page.y(y) - cell
        c.setFillGray(0)
        path = c.beginPath()
        for r, row in enumerate(rows):
            for col, dark in enumerate(row):
                if dark:
                    path.rect(left + col * cell, top - (r + 1) * cell, cell, cell)
        c.drawPath(path, stroke=0, fill=1)
    size = 6.5
    lines = reference.split("\n")
    for i, line in enumerate(lines):
        width = fonts.width(line, size)
        _draw_runs(
            c, fonts, line, x * mm - width - 1 * mm, page.y(y + side) + 1 + (len(lines) - 1 - i) * 8, size
        )


def marker_box(form: FormTemplate) -> tuple[float, float, float, float]:
    """The area (mm) the reference and QR code take, for overlap checks."""
    m = form.marker
    return (m.x - 60, m.y, 60 + m.size, m.size)


# --- documents -----------------------------------------------------------------------------------------

_backgrounds: dict[Path, tuple[float, PdfReader]] = {}
_bg_lock = threading.Lock()


def _background(path: Path) -> PdfReader:
    stamp = path.stat().st_mtime
    with _bg_lock:
        hit = _backgrounds.get(path)
        if hit and hit[0] == stamp:
            return hit[1]
        reader = PdfReader(path)
        _backgrounds[path] = (stamp, reader)
        return reader


@dataclass
class Bundle:
    pdf: bytes
    forms: list[FilledForm]
    pages: int

    @property
    def counts(self) -> dict[str, int]:
        out = {"auto": 0, "typed": 0, "empty": 0}
        for f in self.forms:
            for k, v in f.counts.items():
                out[k] += v
        return out

    @property
    def problems(self) -> list[str]:
        return [p for f in self.forms for p in f.problems]


def _reference(
    case: CaseData, form: FormTemplate | None, page_no: int, pages: int, sheet: int = 0, sheets: int = 1
) -> str:
    number = case.number or "（案件番号なし）"
    what = f"{form.id} {page_no}/{pages}" if form else "表紙"
    if sheets > 1:
        what += f" 続紙{sheet}/{sheets - 1}" if sheet else f" （続紙{sheets - 1}枚）"
    return f"案件 {number}\n{what}"


class _Document:
    def __init__(self, formset: FormSet, case: CaseData, fonts: FontList, markers: bool = True):
        self.formset = formset
        self.case = case
        self.fonts = fonts
        self.markers = markers
        self.buffer = BytesIO()
        self.canvas = Canvas(
            self.buffer,
            pagesize=(210 * mm, 297 * mm),
            pageCompression=1,
            initialFontName=fonts.primary.name,  # never the built-in, non-embedded Helvetica
            initialFontSize=10,
        )
        # Metadata names the case only (never a person): PDFs are often forwarded and indexed.
        self.canvas.setTitle(f"申請書 {case.number}".strip())
        self.canvas.setCreator("madoguchi")
        self.backgrounds: list[tuple[Path, int] | None] = []  # per page

    def municipality(self) -> str:
        return self.case.municipality.get("full_name") or self.case.municipality.get("name", "")

    def add_form(self, filled: FilledForm) -> None:
        form = filled.form
        w, h = form.page_mm
        bg = self.formset.background_path(form)
        for sheet in range(filled.sheets):
            for page_no in range(1, form.pages + 1):
                self.canvas.setPageSize((w * mm, h * mm))
                page = _Page(self.canvas, h)
                if bg is None:
                    draw_generated(page, form, page_no, self.fonts, self.municipality())
                if sheet:
                    self._continuation(page, form, sheet, filled.sheets)
                for f in filled.fields:
                    if f.spec.page == page_no and f.sheet in (None, sheet):
                        _draw_value(page, form, f, self.fonts)
                if self.markers:
                    ref = _reference(self.case, form, page_no, form.pages, sheet, filled.sheets)
                    draw_marker(page, form, self.fonts, ref, self.case.url)
                self.canvas.showPage()
                self.backgrounds.append((bg, page_no - 1) if bg else None)

    def _continuation(self, page: _Page, form: FormTemplate, sheet: int, sheets: int) -> None:
        """「続紙」 in the top-right corner of a continuation sheet, so it is never taken for a second 届."""
        text = f"続紙 {sheet}/{sheets - 1}"
        width_mm, _ = form.page_mm
        size = 11
        x = width_mm * mm - 14 * mm - self.fonts.width(text, size)
        page.rect((x / mm) - 2, 9, self.fonts.width(text, size) / mm + 4, 7, width=0.8)
        _draw_runs(self.canvas, self.fonts, text, x, page.y(14.2), size)

    def add_cover(self, forms: list[FilledForm], departments: dict[str, str], event_name: str) -> None:
        c = self.canvas
        c.setPageSize((210 * mm, 297 * mm))
        page = _Page(c, 297)
        fonts = self.fonts
        _draw_runs(c, fonts, "申請書・届出書 一式（表紙）", 18 * mm, page.y(22), 16)
        lines = [
            f"{self.municipality()}　{event_name}",
            f"案件番号 {self.case.number or '—'}　作成日 {format_wareki(self.case.today)}",
            "内容をご確認のうえ、署名欄にご署名ください。担当課の窓口へこの順にお持ちください。",
        ]
        for i, line in enumerate(lines):
            _draw_runs(c, fonts, line, 18 * mm, page.y(32 + i * 7), 10)
        top = 58.0
        cols = [(18, "No."), (28, "担当課"), (70, "書類"), (150, "枚数"), (160, "署名")]
        for x, label in cols:
            _draw_runs(c, fonts, label, x * mm, page.y(top), 9)
        c.setLineWidth(0.5)
        c.line(18 * mm, page.y(top + 2), 192 * mm, page.y(top + 2))
        y = top + 8
        for i, filled in enumerate(forms, start=1):
            form = filled.form
            sign = f"要署名 {len(form.signatures)}か所" if form.signatures else "—"
            row = [
                str(i),
                departments.get(filled.department, filled.department),
                form.title,
                str(filled.page_count),
                sign,
            ]
            for (x, _), text in zip(cols, row, strict=True):
                size = 9.0
                limit = {28: 41, 70: 78, 160: 22}.get(x)
                while limit and fonts.width(text, size) > limit * mm and size > 5:
                    size -= 0.5
                _draw_runs(c, fonts, text, x * mm, page.y(y), size)
            page.rect(184, y - 3.5, 4, 4, width=0.5)
            y += 7.5
            if y > 262 and i < len(forms):
                if self.markers:
                    draw_marker(page, None, fonts, _reference(self.case, None, 1, 1), self.case.url)
                c.showPage()
                self.backgrounds.append(None)
                page = _Page(c, 297)
                y = 24.0
        if self.markers:
            draw_marker(page, None, fonts, _reference(self.case, None, 1, 1), self.case.url)
        c.showPage()
        self.backgrounds.append(None)

    def finish(self) -> bytes:
        self.canvas.save()
        data = self.buffer.getvalue()
        if not any(self.backgrounds):
            return data
        overlay = PdfReader(BytesIO(data))
        writer = PdfWriter()
        for index, page in enumerate(overlay.pages):
            bg = self.backgrounds[index]
            if bg is None:
                writer.add_page(page)
                continue
            path, page_index = bg
            reader = _background(path)
            if page_index >= len(reader.pages):
                writer.add_page(page)
                continue
            target = writer.add_page(reader.pages[page_index])
            _drop_form_fields(target)
            target.merge_page(page)
        if "/AcroForm" in writer._root_object:
            del writer._root_object["/AcroForm"]  # the template's own fields would cover ours
        out = BytesIO()
        writer.write(out)
        return out.getvalue()


def _drop_form_fields(page) -> None:
    """A 様式 with AcroForm fields: their widgets (and any stale values in them) would print over our text."""
    annots = page.get("/Annots")
    if not annots:
        return
    kept = ArrayObject(a for a in annots.get_object() if a.get_object().get("/Subtype") != "/Widget")
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page[NameObject("/Annots")]


def render_form_pdf(formset: FormSet, filled: FilledForm, case: CaseData, markers: bool = True) -> bytes:
    """One filled form (preview)."""
    doc = _Document(formset, case, form_fonts(), markers)
    doc.add_form(filled)
    return doc.finish()


def render_bundle(
    formset: FormSet,
    forms: list[FilledForm],
    case: CaseData,
    departments: dict[str, str] | None = None,
    cover: bool = True,
    markers: bool = True,
) -> Bundle:
    """The bundle: a cover page listing the forms to sign, then every form (``forms`` already in order)."""
    doc = _Document(formset, case, form_fonts(), markers)
    if cover:
        doc.add_cover(forms, departments or {}, case.event_name)
    for filled in forms:
        doc.add_form(filled)
    pdf = doc.finish()
    return Bundle(pdf, forms, len(doc.backgrounds))


def render_grid_pdf(formset: FormSet, form: FormTemplate, step_mm: float = 5.0) -> bytes:
    """The form's background (or generated layout) with a millimetre grid and every field box named."""
    fonts = form_fonts()
    case = CaseData(municipality={"name": "（市区町村）"})
    doc = _Document(formset, case, fonts, markers=False)
    w, h = form.page_mm
    bg = formset.background_path(form)
    c = doc.canvas
    for page_no in range(1, form.pages + 1):
        c.setPageSize((w * mm, h * mm))
        page = _Page(c, h)
        if bg is None:
            draw_generated(page, form, page_no, fonts, "（市区町村）")
        steps = int(max(w, h) / step_mm) + 1
        for i in range(steps):
            v = i * step_mm
            major = i % 2 == 0 and int(v) % 10 == 0
            c.setStrokeColorRGB(0.2, 0.5, 0.9, alpha=0.55 if major else 0.22)
            c.setLineWidth(0.35 if major else 0.15)
            if v <= w:
                c.line(v * mm, 0, v * mm, h * mm)
            if v <= h:
                c.line(0, page.y(v), w * mm, page.y(v))
            if major and v:
                c.setFillColorRGB(0.2, 0.4, 0.8)
                if v <= w:
                    c.setFont(fonts.primary.name, 5)
                    c.drawString(v * mm + 0.5, h * mm - 6, f"{v:.0f}")
                if v <= h:
                    c.setFont(fonts.primary.name, 5)
                    c.drawString(1, page.y(v) - 6, f"{v:.0f}")
        c.setStrokeColorRGB(0.85, 0.1, 0.1)
        c.setFillColorRGB(0.85, 0.1, 0.1)
        for spec in form.layout_fields:
            if spec.page != page_no:
                continue
            c.setLineWidth(0.8)
            c.rect(spec.x * mm, page.y(spec.y + spec.h), spec.w * mm, spec.h * mm, stroke=1, fill=0)
            tag = f"{spec.name} ({spec.x:g},{spec.y:g} {spec.w:g}×{spec.h:g}) {spec.kind}"
            _draw_runs(c, fonts, tag, spec.x * mm + 1, page.y(spec.y) - 5.5, 5)
        mx, my, mw, mh = marker_box(form)
        c.setStrokeColorRGB(0.1, 0.6, 0.2)
        c.rect(mx * mm, page.y(my + mh), mw * mm, mh * mm, stroke=1, fill=0)
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0, 0, 0)
        c.showPage()
        doc.backgrounds.append((bg, page_no - 1) if bg else None)
    return doc.finish()


def concatenate(*pdfs: bytes) -> bytes:
    """One PDF from several (the bundle plus, at the counter, the take-home guidance sheet)."""
    writer = PdfWriter()
    for data in pdfs:
        writer.append(PdfReader(BytesIO(data)))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
