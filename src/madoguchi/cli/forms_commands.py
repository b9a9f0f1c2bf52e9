"""``madoguchi forms render | check | grid``: fill and print application forms (stable for acceptance checks)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from madoguchi.case.sources import from_json as person_from_json
from madoguchi.cli import CommandError
from madoguchi.shinseisho.values import PERSON_ROLES


def register(sub) -> None:
    parser = sub.add_parser("forms", help="application forms (申請書): render, check, grid")
    forms_sub = parser.add_subparsers(dest="forms_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    render = forms_sub.add_parser("render", help="render the forms of the applicable procedures as one PDF")
    render.add_argument("--catalog", required=True, help="catalog folder")
    render.add_argument("--event", required=True, help="life event id, e.g. okuyami")
    render.add_argument("--facts", required=True, help="JSON file: {fact name: value}; dates as YYYY-MM-DD")
    render.add_argument("--person", required=True, help='JSON file: {"applicant": {...}, "deceased": {...}}')
    render.add_argument("--out", required=True, help="PDF file to write")
    render.add_argument("--case-number", default="", help="case number printed on every page")
    render.add_argument("--url", default="", help="what the QR code holds (default: /cases/NUMBER/)")
    render.add_argument("--date", default="", help="printing date (default today), YYYY-MM-DD")
    render.add_argument("--no-cover", action="store_true", help="leave out the cover page")
    render.set_defaults(func=render_command)

    check = forms_sub.add_parser("check", help="check a catalog's form field maps")
    check.add_argument("catalog", metavar="CATALOG", help="catalog folder")
    check.set_defaults(func=check_command)

    grid = forms_sub.add_parser("grid", help="draw a form with a millimetre grid and its field boxes")
    grid.add_argument("form", metavar="FORM", help="form id, e.g. kokuho-soushitsu")
    grid.add_argument("--catalog", required=True, help="catalog folder")
    grid.add_argument("--out", required=True, help="PDF file to write")
    grid.set_defaults(func=grid_command)


def _load_forms(catalog_path: str):
    from madoguchi.shinseisho import FormsError, load_forms

    try:
        return load_forms(catalog_path)
    except FormsError as exc:
        raise CommandError(
            f"the forms have errors (run `madoguchi forms check {catalog_path}`):\n{exc}", 1
        ) from None


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None


def read_persons(raw: Any, event_subject: str) -> dict:
    """PERSON.json → {role: Person}. Raises CommandError (exit 2) naming the field."""

    if not isinstance(raw, dict):
        raise CommandError('person file: expected an object such as {"applicant": {...}, "deceased": {...}}')
    unknown = sorted(set(raw) - set(PERSON_ROLES))
    if unknown:
        raise CommandError(f"person file: unknown key {unknown[0]!r}; expected {', '.join(PERSON_ROLES)}")
    persons = {}
    for role in PERSON_ROLES:
        try:
            persons[role] = person_from_json(raw.get(role), role)
        except ValueError as exc:
            raise CommandError(f"person file: {exc}") from None
    if not persons[event_subject].name and event_subject in raw:
        raise CommandError(f"person file: {event_subject}.name: required")
    return persons


def render_command(args) -> int:
    from madoguchi.cli.guide_commands import load_guide, read_json_file
    from madoguchi.guide import FactValueError, coerce_facts
    from madoguchi.pdf_fonts import FontError
    from madoguchi.shinseisho import FormRenderError, renderers
    from madoguchi.shinseisho.bundle import case_data, fill_planned, plan_forms

    guide = load_guide(args.catalog, args.event)
    catalog = guide.catalog
    raw_facts = read_json_file(args.facts, "facts")
    try:
        known = coerce_facts(catalog.facts, raw_facts, args.event)
    except FactValueError as exc:
        raise CommandError(f"bad fact in {args.facts}: {exc.fact}: {exc}") from None
    persons = read_persons(read_json_file(args.person, "person"), guide.event.subject)
    # Person dates are facts too (deceased.birth_date → deceased.age); given facts win.
    for role, person in persons.items():
        for attr in ("birth_date", "death_date"):
            name = f"{role}.{attr}"
            value = getattr(person, attr)
            fact = catalog.facts.get(name)
            if value and fact and name not in known and fact.used_in(args.event):
                known[name] = value
    try:
        today = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise CommandError(f"--date: expected YYYY-MM-DD, got {args.date!r}") from None
    formset = _load_forms(args.catalog)
    result = guide.evaluate(known)
    planned = plan_forms(catalog, formset, [o.id for o in result.applicable])
    number = args.case_number
    # The QR code opens the case; without a case it still says what the bundle is (never personal data).
    url = args.url or (f"/cases/{number}/" if number else f"madoguchi:{args.event}:{today.isoformat()}")
    data = case_data(catalog, args.event, result.values, persons, number=number, today=today, url=url)
    try:
        filled = fill_planned(planned, data)
        bundle = renderers.configured().render_bundle(
            formset,
            filled,
            data,
            {k: d.name for k, d in catalog.departments.items()},
            cover=not args.no_cover,
        )
    except (FormRenderError, renderers.RendererError) as exc:
        raise CommandError(str(exc)) from None
    except FontError as exc:
        raise CommandError(str(exc), 1) from None
    _write(args.out, bundle.pdf)
    counts = bundle.counts
    print(
        f"{args.out}: {len(filled)} form(s), {bundle.pages} page(s); fields filled automatically "
        f"{counts['auto']}, typed {counts['typed']}, left empty {counts['empty']}"
    )
    for f in filled:
        print(
            f"  {catalog.departments[f.department].name if f.department in catalog.departments else f.department}"
            f"　{f.form.title} ({f.form.id})"
        )
    for problem in bundle.problems:
        print(f"  check: {problem}", file=sys.stderr)
    return 0


def check_command(args) -> int:
    from madoguchi.catalog import CatalogError, load_catalog
    from madoguchi.shinseisho.check import check_forms
    from madoguchi.shinseisho.loader import load_forms

    try:
        catalog = load_catalog(args.catalog)
    except CatalogError as exc:
        raise CommandError(
            f"the catalog has errors (run `madoguchi catalog check {args.catalog}`):\n{exc}", 1
        ) from None
    formset = load_forms(args.catalog, strict=False)
    issues = check_forms(catalog, formset)
    for issue in issues:
        print(issue)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        print(f"{len(errors)} problem(s) in the forms of {args.catalog}", file=sys.stderr)
        return 1
    print(f"OK: {len(formset.forms)} forms in {args.catalog}/forms")
    return 0


def grid_command(args) -> int:
    from madoguchi.shinseisho.render import render_grid_pdf

    formset = _load_forms(args.catalog)
    form = formset.forms.get(args.form)
    if form is None:
        raise CommandError(f"unknown form {args.form!r}; known: {', '.join(sorted(formset.forms))}")
    _write(args.out, render_grid_pdf(formset, form))
    print(f"{args.out}: {form.title}, {form.pages} page(s)")
    return 0
