"""``madoguchi catalog check PATH``: validate a catalog folder, listing every problem as file:line."""

from __future__ import annotations

import sys

from madoguchi.catalog import CatalogError, load_catalog


def register(sub) -> None:
    parser = sub.add_parser("catalog", help="work with a municipality's catalog")
    catalog_sub = parser.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    check = catalog_sub.add_parser(
        "check", help="validate a catalog folder (YAML, schema, rules, references)"
    )
    check.add_argument("path", help="the catalog folder, e.g. catalogs/sample")
    check.set_defaults(func=check_command)


def check_command(args) -> int:
    try:
        catalog = load_catalog(args.path)
    except CatalogError as exc:
        for issue in exc.issues:
            print(f"{args.path.rstrip('/')}/{issue}", file=sys.stderr)
        errors = sum(1 for i in exc.issues if i.severity == "error")
        print(f"{errors} error(s) in {args.path}", file=sys.stderr)
        return 1
    for issue in catalog.warnings:
        print(f"{args.path.rstrip('/')}/{issue}", file=sys.stderr)
    counts = ", ".join(
        f"{ev.id}: {len(catalog.procedures_for(ev.id))} procedures" for ev in catalog.events.values()
    )
    print(
        f"{catalog.municipality.prefecture}{catalog.municipality.name}: OK — {len(catalog.departments)} departments, "
        f"{len(catalog.facts)} facts, {len(catalog.procedures)} procedures ({counts})"
    )
    return 0
