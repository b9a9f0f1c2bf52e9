"""Rendering: every sample form with short, long and rare-character values; text layer, fonts, pixels, IVS."""

import os
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from madoguchi.guide import Guide, coerce_facts
from madoguchi.pdf_fonts import FontError, check_embeddable, form_fonts
from madoguchi.shinseisho.bundle import case_data, fill_planned, plan_forms
from madoguchi.shinseisho.render import FormRenderError, fill_form, render_bundle, render_form_pdf

from .conftest import need_poppler, pdffonts, pdftotext, persons

MJ = form_fonts().fonts[1] if len(form_fonts().fonts) > 1 and "ipamj" in form_fonts().fonts[1].path else None
LONG_ADDRESS = "架空県みどり市本町二丁目3番4号 みどりグランドハイツ北棟1203号室（緑川様方）"
FACTS = {
    "deceased.health_insurance": "kokuho",
    "funeral.held": True,
    "funeral.date": date(2026, 11, 21),
    "funeral.host_is_applicant": True,
    "deceased.care_certified": True,
    "deceased.real_estate_in_city": True,
    "applicant.disability_type": "limb",
    "applicant.disability_grade": 2,
}

VARIANTS = {
    "short": persons(name="林　一", deceased="林　二", address="みどり市本町1-1"),
    "long": persons(
        name="勅使河原　左衛門三郎之助", deceased="長谷部ノ宮　喜三郎右衛門太郎", address=LONG_ADDRESS
    ),
    "rare": persons(
        name="髙橋　𠮷子", deceased="邉\U000e0110見　齋\U000e0104藤", address="みどり市﨑町一丁目"
    ),
}


def _data(sample_catalog, people, event="okuyami", overrides=None):
    return case_data(
        sample_catalog,
        event,
        FACTS,
        people,
        number="2026-000777",
        today=date(2026, 11, 27),
        url="/cases/2026-000777/",
        overrides=overrides,
    )


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_sample_form_renders(sample_catalog, sample_forms, tmp_path, variant):
    need_poppler()
    people = VARIANTS[variant]
    data = _data(sample_catalog, people)
    filled = [fill_form(form, data) for form in sample_forms.forms.values()]
    bundle = render_bundle(
        sample_forms, filled, data, {k: d.name for k, d in sample_catalog.departments.items()}
    )
    path = tmp_path / "all.pdf"
    path.write_bytes(bundle.pdf)
    text = pdftotext(path, tmp_path)
    for form in sample_forms.forms.values():
        if not form.background:
            assert form.title in text.replace("\n", "") or form.title[:8] in text
    # Names, kana and addresses are in the text layer; a long one may be wrapped, so compare without breaks.
    flat = "".join(text.split())
    assert "".join(people["applicant"].name.split()) in flat
    assert "ミドリカワ" in flat
    assert "".join(people["applicant"].address.split())[:12] in flat
    fonts = pdffonts(path)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    if variant == "rare":
        assert "𠮷" in text
        if MJ is not None:
            assert "邉\U000e0110" in text  # the IVS survives in the text layer
            assert any("IPAmj" in f["name"] for f in fonts)
            assert not bundle.problems
    else:
        assert not bundle.problems


def test_a_value_that_cannot_fit_names_form_and_field(sample_catalog, sample_forms):
    data = _data(sample_catalog, persons(name="山" * 90))
    with pytest.raises(FormRenderError) as err:
        fill_form_and_render(sample_forms, sample_forms.forms["kokuho-soushitsu"], data)
    assert err.value.form_id == "kokuho-soushitsu" and err.value.field_name == "applicant_name"
    assert "kokuho-soushitsu" in str(err.value) and "applicant_name" in str(err.value)


def fill_form_and_render(formset, form, data):
    return render_form_pdf(formset, fill_form(form, data), data)


def _raster(pdf: bytes, tmp_path: Path, dpi: int = 50, name: str = "page") -> Image.Image:
    need_poppler()
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            "1",
            str(src),
            str(tmp_path / name),
        ],
        check=True,
    )
    return Image.open(tmp_path / f"{name}.png").convert("L")


def _ink_boxes(before: Image.Image, after: Image.Image, dpi: int) -> tuple[set, tuple]:
    diff = ImageChops.difference(before, after).point(lambda p: 255 if p > 80 else 0)
    bbox = diff.getbbox()
    px_per_mm = dpi / 25.4
    return diff, tuple(round(v / px_per_mm, 1) for v in bbox) if bbox else ()


# Pinned positions (mm, top-left origin) of a few fields on the municipality's scanned 国保 form:
# moving a box in the YAML without moving it on the 様式 fails here.
PINNED = {
    "deceased_name": (50, 54, 192, 65),
    "loss_date": (134, 65, 192, 74),
    "applicant_address": (50, 137, 192, 150),
}


@pytest.mark.parametrize("field_name", list(PINNED))
def test_pixels_land_in_the_pinned_box(sample_catalog, sample_forms, tmp_path, field_name):
    form = sample_forms.forms["kokuho-soushitsu"]
    data = _data(sample_catalog, persons())
    empty = fill_form(form, data)
    for f in empty.fields:
        if f.spec.name != field_name:
            f.value = None
    full = render_form_pdf(sample_forms, empty, data, markers=False)
    for f in empty.fields:
        f.value = None
    blank = render_form_pdf(sample_forms, empty, data, markers=False)
    dpi = 50
    _, bbox = _ink_boxes(_raster(blank, tmp_path, dpi, "b"), _raster(full, tmp_path, dpi, "f"), dpi)
    assert bbox, "nothing was drawn"
    left, top, right, bottom = PINNED[field_name]
    x0, y0, x1, y1 = bbox
    assert left - 1 <= x0 and x1 <= right + 1 and top - 1 <= y0 and y1 <= bottom + 1, (
        bbox,
        PINNED[field_name],
    )


def test_check_box_is_ticked_only_when_the_fact_says_so(sample_catalog, sample_forms, tmp_path):
    form = sample_forms.forms["kokuho-soushitsu"]
    spec = next(f for f in form.fields if f.name == "reason_death")
    ticked = fill_form(form, _data(sample_catalog, persons()))
    assert ticked.field("reason_death").value is True
    data = _data(sample_catalog, persons())
    data.facts["deceased.health_insurance"] = "kouki"
    assert fill_form(form, data).field("reason_death").value is False
    # The tick is drawn inside the box.
    only = fill_form(form, _data(sample_catalog, persons()))
    for f in only.fields:
        if f.spec.name != "reason_death":
            f.value = None
    full = render_form_pdf(sample_forms, only, data, markers=False)
    only.field("reason_death").value = False
    blank = render_form_pdf(sample_forms, only, data, markers=False)
    dpi = 100
    _, bbox = _ink_boxes(_raster(blank, tmp_path, dpi, "b"), _raster(full, tmp_path, dpi, "f"), dpi)
    assert bbox and spec.x - 0.5 <= bbox[0] and bbox[2] <= spec.x + spec.w + 0.5
    assert spec.y - 0.5 <= bbox[1] and bbox[3] <= spec.y + spec.h + 0.5


def test_digits_go_one_per_box_and_typed_values_are_counted(sample_catalog, sample_forms, tmp_path):
    form = sample_forms.forms["kokuho-sousaihi"]
    data = _data(
        sample_catalog,
        persons(),
        overrides={("kokuho-sousaihi", "bank_number"): "1234567", ("kokuho-sousaihi", "bank_code"): "0009"},
    )
    filled = fill_form(form, data)
    assert filled.field("bank_number").value == "1234567" and filled.field("bank_number").origin == "typed"
    assert filled.counts["typed"] == 2 and filled.counts["auto"] > 10
    text = pdftotext(render_form_pdf(sample_forms, filled, data), tmp_path, page=2)
    assert "1 2 3 4 5 6 7" in " ".join(text.split()) or "1234567" in "".join(text.split())
    bad = _data(sample_catalog, persons(), overrides={("kokuho-sousaihi", "bank_number"): "12345678"})
    with pytest.raises(FormRenderError, match="bank_number"):
        fill_form(form, bad)


def test_multi_page_form_has_a_marker_on_every_page(sample_catalog, sample_forms, tmp_path):
    form = sample_forms.forms["kokuho-sousaihi"]
    assert form.pages == 2
    data = _data(sample_catalog, persons())
    pdf = render_form_pdf(sample_forms, fill_form(form, data), data)
    for page in (1, 2):
        assert "2026-000777" in pdftotext(pdf, tmp_path, page=page)


def test_ivs_name_draws_the_variant_glyph(tmp_path):
    """葛󠄀 (U+845B U+E0100) is drawn with its own glyph, not the base 葛 of the same font; the text layer keeps
    the selector; a default UVS entry (葛 + U+E0101) is exactly the base glyph."""
    from reportlab.pdfgen.canvas import Canvas

    from madoguchi.shinseisho.render import _draw_runs

    fonts = form_fonts()

    def raster(key: str, text: str, font: str | None = None):
        path = tmp_path / f"{key}.pdf"
        c = Canvas(str(path), pagesize=(100, 100), initialFontName=fonts.primary.name)
        if font:  # the plain base character in one given font
            c.setFont(font, 72)
            c.drawString(10, 20, text)
        else:
            _draw_runs(c, fonts, text, 10, 20, 72)
        c.save()
        return path, _raster(path.read_bytes(), tmp_path, 72, key)

    ivs_font = fonts.runs("葛\U000e0100")[0][0][0]
    default_font = fonts.runs("葛\U000e0101")[0][0][0]
    path, ivs = raster("ivs", "葛\U000e0100")
    assert "葛\U000e0100" in pdftotext(path, tmp_path)
    _, base = raster("base", "葛", ivs_font)
    changed = sum(1 for p in ImageChops.difference(base, ivs).tobytes() if p > 64)
    ink = sum(1 for p in base.tobytes() if p < 128)
    assert changed > ink * 0.2, "the IVS sequence was drawn with the base glyph"
    _, default = raster("default", "葛\U000e0101")
    _, default_base = raster("default_base", "葛", default_font)
    assert default.tobytes() == default_base.tobytes()


def test_ipamj_is_installed_in_ci():
    if MJ is None:
        message = "IPAmj明朝 is not installed: apt-get install fonts-ipamj-mincho (or set MADOGUCHI_MJ_FONT)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.skipif(MJ is None, reason="IPAmj明朝 (Debian fonts-ipamj-mincho) is not installed")
def test_mj_only_ivs_comes_from_ipamj():
    runs, problems = form_fonts().runs("邉\U000e0110")
    assert not problems and runs[0][0] == MJ.name


def test_a_sequence_no_font_has_is_flagged_for_the_clerk(sample_catalog, sample_forms):
    form = sample_forms.forms["setainushi-henkou"]
    filled = fill_form(form, _data(sample_catalog, persons(name="山\U000e01ef田　花子")))
    problems = filled.problems
    assert problems and "U+E01EF" in problems[0] and "氏名" in problems[0]


def test_non_embeddable_and_cff_fonts_are_refused(tmp_path):
    import struct

    source = Path(form_fonts().primary.path).read_bytes()
    num = struct.unpack(">H", source[4:6])[0]
    for i in range(num):
        entry = source[12 + 16 * i : 28 + 16 * i]
        if entry[:4] == b"OS/2":
            offset = struct.unpack(">I", entry[8:12])[0]
    restricted = bytearray(source)
    restricted[offset + 8 : offset + 10] = struct.pack(">H", 0x0002)
    (tmp_path / "restricted.ttf").write_bytes(bytes(restricted))
    with pytest.raises(FontError, match="forbids embedding"):
        check_embeddable(tmp_path / "restricted.ttf")
    (tmp_path / "cff.otf").write_bytes(b"OTTO" + source[4:200])
    with pytest.raises(FontError, match="CFF"):
        check_embeddable(tmp_path / "cff.otf")


def test_bundle_for_a_family_orders_forms_by_department(sample_catalog, sample_forms, family_facts, tmp_path):
    guide = Guide(sample_catalog, "okuyami")
    result = guide.evaluate(coerce_facts(sample_catalog.facts, family_facts, "okuyami"))
    planned = plan_forms(sample_catalog, sample_forms, [o.id for o in result.applicable])
    assert len(planned) >= 15
    order = list(sample_catalog.departments)
    positions = [order.index(p.department) for p in planned]
    assert positions == sorted(positions)
    ids = [p.form.id for p in planned]
    assert ids.count("souzokunin-daihyousha") == 1  # named by two procedures, printed once
    data = _data(sample_catalog, persons())
    bundle = render_bundle(sample_forms, fill_planned(planned, data), data, {})
    cover = pdftotext(bundle.pdf, tmp_path, page=1)
    for p in planned:
        assert "".join(p.form.title.split())[:10] in "".join(cover.split())


def test_acroform_fields_of_a_template_are_dropped(sample_catalog, tmp_path):
    """A municipality's PDF with fillable fields: our overlay prints, their widgets (and stale values) do not."""
    import shutil

    from pypdf import PdfReader
    from reportlab.pdfgen.canvas import Canvas

    from madoguchi.shinseisho.loader import load_forms

    root = tmp_path / "catalog"
    shutil.copytree(sample_catalog.path, root, ignore=shutil.ignore_patterns("scenarios"))
    c = Canvas(str(root / "forms" / "kokuho-soushitsu.pdf"), pagesize=(595.28, 841.89))
    c.acroForm.textfield(name="shimei", x=140, y=650, width=300, height=24, value="STALE VALUE")
    c.showPage()
    c.save()
    formset = load_forms(root)
    data = _data(sample_catalog, persons())
    pdf = render_form_pdf(formset, fill_form(formset.forms["kokuho-soushitsu"], data), data)
    reader = PdfReader(__import__("io").BytesIO(pdf))
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert not any(a.get_object().get("/Subtype") == "/Widget" for a in reader.pages[0].get("/Annots", []))
    text = pdftotext(pdf, tmp_path)
    assert "緑川" in text and "STALE VALUE" not in text


def test_the_scanned_background_is_an_empty_form(sample_forms, tmp_path):
    """The sample 様式 scan carries no values of its own: every value box of the form is blank on it."""
    form = sample_forms.forms["kokuho-soushitsu"]
    image = _raster(sample_forms.background_path(form).read_bytes(), tmp_path, 50, "scan")
    px = 50 / 25.4
    for spec in form.fields:
        if spec.kind in ("checkbox", "digits", "signature"):
            continue
        # Inside the box, away from its lines.
        box = (
            round((spec.x + 1.5) * px),
            round((spec.y + 1.5) * px),
            round((spec.x + spec.w - 1.5) * px),
            round((spec.y + spec.h - 1.5) * px),
        )
        dark = sum(1 for p in image.crop(box).tobytes() if p < 128)
        assert dark == 0, f"{spec.name}: the background has ink inside the box"


def test_a_character_no_font_has_keeps_its_text_and_is_flagged(tmp_path):
    """A character outside every font (a private-use 外字 here) prints as the .notdef box, is flagged, and the
    text layer still holds it, so nothing is lost silently."""
    from reportlab.pdfgen.canvas import Canvas

    from madoguchi.shinseisho.render import _draw_runs

    fonts = form_fonts()
    name = "山\U000f8888田"  # plane-15 private use: no installed font has it
    runs, problems = fonts.runs(name)
    assert problems and "U+F8888" in problems[0]
    path = tmp_path / "gaiji.pdf"
    c = Canvas(str(path), pagesize=(200, 100), initialFontName=fonts.primary.name)
    _draw_runs(c, fonts, name, 10, 30, 24)
    c.save()
    assert name in pdftotext(path, tmp_path)
    # A typed private-use character equal to one of our own private glyph codes is not drawn as that glyph.
    fonts.runs("葛\U000e0100")
    _, problems = fonts.runs(chr(0xF0000))
    assert problems


def test_the_qr_code_holds_the_case_url_and_nothing_else(sample_catalog, sample_forms, tmp_path):
    """Read the printed QR modules back from the raster and compare them with the code for the case URL."""
    import segno

    form = sample_forms.forms["setainushi-henkou"]
    data = _data(sample_catalog, persons())
    pdf = render_form_pdf(sample_forms, fill_form(form, data), data)
    dpi = 300
    image = _raster(pdf, tmp_path, dpi, "qr")
    px = dpi / 25.4
    expected = [list(row) for row in segno.make("/cases/2026-000777/", error="m", micro=False).matrix]
    n = len(expected)
    cell = form.marker.size / (n + 2)
    left, top = form.marker.x + cell, form.marker.y + cell
    read = [
        [
            1
            if image.getpixel((round((left + (c + 0.5) * cell) * px), round((top + (r + 0.5) * cell) * px)))
            < 128
            else 0
            for c in range(n)
        ]
        for r in range(n)
    ]
    assert read == expected


def test_the_idou_form_has_a_row_per_member_and_a_continuation_sheet(sample_catalog, sample_forms, tmp_path):
    """住民異動届: each 世帯員 on their own row (4 to a sheet); the fifth and sixth on a 続紙 with the same
    header, so the sheets are read together."""
    from madoguchi.case.sources import from_staff

    names = ["緑川　一郎", "緑川　花子", "緑川　太郎", "緑川　次郎", "緑川　三子", "緑川　四郎"]
    family = [
        from_staff(dict(name=n, kana="ミドリカワ", birth_date=date(1980 + i * 5, 4, 1), sex="1" if i % 2 == 0 else "2",
                        zokugara="世帯主" if i == 0 else ("妻" if i == 1 else "子")))
        for i, n in enumerate(names)
    ]  # fmt: skip
    form = sample_forms.forms["juumin-idou"]
    data = case_data(
        sample_catalog,
        "tennyu",
        {"move.date": date(2026, 12, 5), "move.new_address": "架空県みどり市本町2-3-4", "move.from_address": "架空県ほか市1-1"},
        {"applicant": family[1]},
        number="2026-000778",
        today=date(2026, 12, 7),
        members={"member": family},
    )  # fmt: skip
    filled = fill_form(form, data)
    assert filled.sheets == 2 and filled.page_count == 2
    assert filled.field("name_5").sheet == 1 and filled.field("name_1").sheet == 0
    assert filled.field("zokugara_2").text == "妻" and filled.field("sex_2").text == "女"
    assert filled.field("name_6").spec.group == "世帯員6"
    pdf = render_form_pdf(sample_forms, filled, data)
    first, second = (pdftotext(pdf, tmp_path, page=p) for p in (1, 2))
    flat1, flat2 = "".join(first.split()), "".join(second.split())
    for name in names[:4]:
        assert "".join(name.split()) in flat1
    for name in (names[0], names[2], names[3]):  # 花子 is also the 届出人, on every sheet
        assert "".join(name.split()) not in flat2
    for name in names[4:]:
        assert "".join(name.split()) in flat2
    assert "続紙1/1" in flat2 and "転入" in flat1 and "転入" in flat2 and "令和8年12月5日" in flat2
    assert "架空県ほか市1-1" in flat1
    # Fewer members: one sheet, the empty rows printed blank.
    one = fill_form(form, replace(data, members={"member": family[:2]}))
    assert one.sheets == 1 and not [f for f in one.fields if f.spec.name.endswith("_3")]
