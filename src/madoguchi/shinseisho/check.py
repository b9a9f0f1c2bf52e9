"""``madoguchi forms check``: problems of a catalog's forms, each with file and line."""

from __future__ import annotations

from pypdf import PdfReader

from madoguchi.catalog.loader import Catalog, CatalogIssue
from madoguchi.pdf_fonts import form_fonts
from madoguchi.shinseisho.fit import FitError, fit_text
from madoguchi.shinseisho.loader import FormSet
from madoguchi.shinseisho.models import FieldSpec, FormTemplate
from madoguchi.shinseisho.render import marker_box

DATE_KINDS = ("date_wareki", "date_seireki")
PT_PER_MM = 72 / 25.4


def _boxes(form: FormTemplate, spec: FieldSpec) -> list[tuple[float, float, float, float]]:
    boxes = [(spec.x, spec.y, spec.w, spec.h)]
    if spec.label_w and not form.background:
        boxes.append((spec.x - spec.label_w, spec.y, spec.label_w, spec.h))
    return boxes


def _overlap(a, b, tolerance: float = 0.05) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return (
        ax + tolerance < bx + bw
        and bx + tolerance < ax + aw
        and ay + tolerance < by + bh
        and by + tolerance < ay + ah
    )


def _unembedded_fonts(reader: PdfReader) -> set[str]:
    """Fonts of a background PDF that are not embedded (they would print differently on each viewer)."""
    found: set[str] = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        if not fonts:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type3":
                continue
            target = font
            if "/DescendantFonts" in font:
                target = font["/DescendantFonts"][0].get_object()
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else None
            if not descriptor or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                found.add(str(font.get("/BaseFont", "?")).lstrip("/"))
    return found


def check_forms(catalog: Catalog, formset: FormSet) -> list[CatalogIssue]:
    issues = list(formset.issues)

    def add(form_id: str, field_name: str | None, message: str, severity: str = "error") -> None:
        file, line = formset.location(form_id, field_name)
        issues.append(CatalogIssue(file, line, message, severity))

    used: dict[str, list[str]] = {}
    for pid, proc in catalog.procedures.items():
        if not proc.form:
            continue
        used.setdefault(proc.form, []).append(pid)
        if proc.form not in formset.forms and not any(proc.form in i.file for i in formset.issues):
            file, line = catalog.locations.get(f"procedure:{pid}", ("?", 1))
            issues.append(
                CatalogIssue(
                    file,
                    line,
                    f"procedure {pid} names form {proc.form!r}, which has no "
                    f"field map (forms/{proc.form}.yaml)",
                )
            )

    for form_id, form in formset.forms.items():
        if form_id not in used:
            add(form_id, None, f"form {form_id} is used by no procedure (set form: {form_id} on a procedure)")
        if form.department and form.department not in catalog.departments:
            add(form_id, None, f"form {form_id}: unknown department {form.department!r}")
        width, height = form.page_mm
        bg = formset.background_path(form)
        if bg is not None:
            try:
                reader = PdfReader(bg)
                if len(reader.pages) < form.pages:
                    add(
                        form_id,
                        None,
                        f"form {form_id}: {form.pages} page(s) but {form.background} has {len(reader.pages)}",
                    )
                for name in sorted(_unembedded_fonts(reader)):
                    add(
                        form_id,
                        None,
                        f"form {form_id}: {form.background} uses font {name} without embedding "
                        "it; print the 様式 to PDF again with fonts embedded",
                    )
                box = reader.pages[0].mediabox
                bw, bh = float(box.width) / PT_PER_MM, float(box.height) / PT_PER_MM
                if abs(bw - width) > 2 or abs(bh - height) > 2:
                    add(
                        form_id,
                        None,
                        f"form {form_id}: {form.background} is {bw:.0f}×{bh:.0f} mm, "
                        f"not {form.paper} ({width:.0f}×{height:.0f} mm)",
                    )
            except Exception as exc:  # noqa: BLE001 - any unreadable PDF is reported, not raised
                add(form_id, None, f"form {form_id}: cannot read {form.background}: {exc}")
        marker = marker_box(form)
        for static in form.boxes if not form.background else []:
            if static.x + static.w > width + 1e-6 or static.y + static.h > height + 1e-6:
                add(
                    form_id,
                    None,
                    f"form {form_id}: the printed box 「{static.label or ''}」 reaches outside the page",
                )
            if _overlap((static.x, static.y, static.w, static.h), marker):
                add(
                    form_id,
                    None,
                    f"form {form_id}: the printed box 「{static.label or ''}」 overlaps the case "
                    "reference and QR code",
                )
        placed: list[tuple[FieldSpec, tuple]] = []
        for spec in form.layout_fields:
            if spec.x + spec.w > width + 1e-6 or spec.y + spec.h > height + 1e-6:
                add(
                    form_id,
                    spec.name,
                    f"form {form_id}, field {spec.name}: the box ({spec.x:g}+{spec.w:g}, "
                    f"{spec.y:g}+{spec.h:g} mm) reaches outside the {form.paper} page "
                    f"({width:g}×{height:g} mm)",
                )
            for box in _boxes(form, spec):
                for other, other_box in placed:
                    if other.page == spec.page and _overlap(box, other_box):
                        add(
                            form_id,
                            spec.name,
                            f"form {form_id}, field {spec.name} overlaps field {other.name} "
                            f"on page {spec.page}",
                        )
                if _overlap(box, marker):
                    add(
                        form_id,
                        spec.name,
                        f"form {form_id}, field {spec.name} overlaps the case reference "
                        f"and QR code (marker: at {form.marker.x:g},{form.marker.y:g})",
                    )
            if not form.background:
                for static in form.boxes:
                    if static.page == spec.page and any(
                        _overlap(b, (static.x, static.y, static.w, static.h)) for b in _boxes(form, spec)
                    ):
                        add(
                            form_id,
                            spec.name,
                            f"form {form_id}, field {spec.name} overlaps the printed box "
                            f"「{static.label or ''}」 at {static.x:g},{static.y:g}",
                        )
            for box in _boxes(form, spec):
                placed.append((spec, box))
            _check_value(catalog, form, spec, add)
        if not form.background:
            _check_generated_labels(form, add)
    return sorted(set(issues))


def _check_generated_labels(form: FormTemplate, add) -> None:
    """Generated layouts print the labels: a label that does not fit its cell, or a check box label running
    into another box, is worth a warning (values are checked when they are printed)."""
    fonts = form_fonts()
    width = fonts.width
    for spec in form.layout_fields:
        if spec.kind == "checkbox":
            right = spec.x + spec.w + 1.2 + width(spec.label, 9) / PT_PER_MM
            label_box = (spec.x + spec.w, spec.y, right - spec.x - spec.w, spec.h)
            for other in form.layout_fields:
                if (
                    other is not spec
                    and other.page == spec.page
                    and _overlap(label_box, _boxes(form, other)[0])
                ):
                    add(
                        form.id,
                        spec.name,
                        f"form {form.id}, field {spec.name}: the label 「{spec.label}」 runs "
                        f"into field {other.name}",
                        "warning",
                    )
            if right > form.page_mm[0]:
                add(
                    form.id,
                    spec.name,
                    f"form {form.id}, field {spec.name}: the label runs off the page",
                    "warning",
                )
        elif spec.label_w:
            try:
                fit_text(
                    spec.label,
                    lambda c: width(c, 1.0),
                    spec.label_w * PT_PER_MM - 2 * PT_PER_MM,
                    spec.h * PT_PER_MM,
                    9.0,
                    5.0,
                    3,
                )
            except FitError:
                add(
                    form.id,
                    spec.name,
                    f"form {form.id}, field {spec.name}: the label 「{spec.label}」 does not "
                    f"fit its {spec.label_w:g} mm cell",
                    "warning",
                )


def _check_value(catalog: Catalog, form: FormTemplate, spec: FieldSpec, add) -> None:
    ref = spec.value_ref
    if ref is None or ref.source != "fact":
        if ref is not None and spec.kind in DATE_KINDS and ref.source == "person":
            if ref.attr not in ("birth_date", "death_date"):
                add(form.id, spec.name, f"form {form.id}, field {spec.name}: {ref} is not a date")
        return
    fact = catalog.facts.get(ref.name)
    if fact is None:
        known = [n for n in catalog.facts if n.split(".")[-1] == ref.name.split(".")[-1]]
        hint = f" (did you mean {', '.join(known[:3])}?)" if known else ""
        add(form.id, spec.name, f"form {form.id}, field {spec.name}: unknown fact {ref.name!r}{hint}")
        return
    if ref.compare:
        literal = ref.compare[1]
        if fact.type == "choice" and literal not in fact.choice_values:
            add(
                form.id,
                spec.name,
                f"form {form.id}, field {spec.name}: {literal!r} is not a value of "
                f"{fact.name} ({', '.join(fact.choice_values)})",
            )
        if fact.type == "bool" and literal.lower() not in ("true", "false"):
            add(
                form.id,
                spec.name,
                f"form {form.id}, field {spec.name}: {fact.name} is yes/no; compare with true or false",
            )
    elif spec.kind == "checkbox" and fact.type != "bool":
        add(
            form.id,
            spec.name,
            f"form {form.id}, field {spec.name}: a check box on {fact.type} fact {fact.name} needs == VALUE",
        )
    if spec.kind in DATE_KINDS and fact.type != "date":
        add(form.id, spec.name, f"form {form.id}, field {spec.name}: {fact.name} is {fact.type}, not a date")
