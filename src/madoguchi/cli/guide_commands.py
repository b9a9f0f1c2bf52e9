"""``madoguchi guide``: run the guide for a set of facts and print what applies (stable JSON for checks)."""

from __future__ import annotations

import json
from pathlib import Path

from madoguchi.catalog import CatalogError, load_catalog
from madoguchi.cli import CommandError
from madoguchi.guide import FactValueError, Guide, GuideResult, coerce_facts
from madoguchi.guide.persons import coerce_persons
from madoguchi.wareki import format_both


def register(sub) -> None:
    parser = sub.add_parser("guide", help="list the procedures that apply to a set of facts")
    parser.add_argument("--catalog", required=True, help="catalog folder")
    parser.add_argument("--event", required=True, help="life event id, e.g. okuyami")
    parser.add_argument(
        "--facts",
        required=True,
        help='JSON file: {fact name: value, …, "persons": [{"id": …, "role": …, "ROLE.FACT": value}]}; dates as YYYY-MM-DD',
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=guide_command)


def result_to_json(guide: Guide, result: GuideResult) -> dict:
    departments = guide.catalog.departments

    def dept(outcome) -> str:
        return departments[outcome.procedure.department].name

    return {
        "event": result.event_id,
        "applicable": [
            {
                "id": o.id,
                "name": o.procedure.name,
                "department": dept(o),
                "department_id": o.procedure.department,
                "handling": o.procedure.handling,
                "reasons": list(o.reasons),
                "deadline": o.deadline.isoformat() if o.deadline else None,
                "deadline_text": o.procedure.deadline.text if o.procedure.deadline else None,
                "deadline_basis": o.procedure.deadline.basis if o.procedure.deadline else None,
                "person": o.person,
            }
            for o in result.applicable
        ],
        "undetermined": [
            {
                "id": o.id,
                "name": o.procedure.name,
                "department": dept(o),
                "waiting_for": list(o.waiting_for),
                "person": o.person,
            }
            for o in result.undetermined
        ],
        "questions": [
            {"fact": q.fact.name, "text": q.text, "settles": round(q.settles, 2), "person": q.person}
            for q in result.questions
        ],
    }


def load_guide(catalog_path: str, event: str) -> Guide:
    try:
        catalog = load_catalog(catalog_path)
    except CatalogError as exc:
        raise CommandError(
            f"the catalog has errors (run `madoguchi catalog check {catalog_path}`):\n{exc}", 1
        ) from None
    if event not in catalog.events:
        raise CommandError(f"unknown life event {event!r}; known: {', '.join(catalog.events)}")
    return Guide(catalog, event)


def read_json_file(path: str, what: str):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {what} file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:  # the bad byte's line, like the JSON errors below
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise CommandError(f"{what} file {path} is not UTF-8 text at line {line}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{what} file {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def guide_command(args) -> int:
    guide = load_guide(args.catalog, args.event)
    raw = read_json_file(args.facts, "facts")
    # Persons of repeated roles ride along under "persons"; everything else is a case fact, as before.
    raw_persons = raw.pop("persons", None) if isinstance(raw, dict) else None
    try:
        known = coerce_facts(guide.catalog.facts, raw, args.event)
        persons = coerce_persons(guide.catalog, args.event, raw_persons)
    except FactValueError as exc:
        raise CommandError(f"bad fact in {args.facts}: {exc.fact}: {exc}") from None
    result = guide.evaluate(known, persons=persons)
    labels = {p.id: p.display for p in result.persons}
    if args.json:
        print(json.dumps(result_to_json(guide, result), ensure_ascii=False, indent=2))
        return 0
    print(f"== {guide.event.name}")
    print(f"-- 対象の手続き ({len(result.applicable)})")
    for o in result.applicable:
        due = f" 期限 {format_both(o.deadline)}" if o.deadline else ""
        whom = f"（{labels.get(o.person, o.person)}）" if o.person else ""
        print(
            f"  ✔ {o.procedure.name}{whom}［{guide.catalog.departments[o.procedure.department].name}］{due}"
        )
        for r in o.reasons:
            print(f"      ・{r}")
    print(f"-- 未確定 ({len(result.undetermined)})")
    for o in result.undetermined:
        whom = f"（{labels.get(o.person, o.person)}）" if o.person else ""
        print(f"  ? {o.procedure.name}{whom} — 確認待ち: {', '.join(o.waiting_for)}")
    print("-- 次の質問")
    for q in result.questions[:5]:
        print(f"  {q.key}: {q.text}")
    return 0
