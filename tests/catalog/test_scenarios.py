"""Scenario files: a family's facts → procedures that must and must not be listed.

Each file under catalogs/*/scenarios/<event>/ is one test, so a failing family is named in the report.

A life event with a repeated role (引越し: member) lists its persons under ``persons:``, each with an ``id``, a
``role``, a ``label`` and their facts (``member.birth_date: …``), and checks outcomes per person:
``must_apply_for: {p1: [ids]}``, ``must_not_apply_for:`` and ``must_be_undetermined_for:``. ``must_apply`` and
its siblings keep meaning "for the case" — for a ``per:`` procedure, for at least one person.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from madoguchi.catalog import load_catalog
from madoguchi.guide import Guide, coerce_facts
from madoguchi.guide.persons import coerce_persons
from madoguchi.rules.scope import person_key

ROOT = Path(__file__).resolve().parents[2] / "catalogs"
SCENARIOS = sorted(ROOT.glob("*/scenarios/*/*.yaml"))


@pytest.fixture(scope="module")
def catalogs():
    return {}


def _guide(catalogs, catalog_dir: Path, event: str) -> Guide:
    key = (catalog_dir, event)
    if key not in catalogs:
        catalogs[key] = Guide(load_catalog(catalog_dir), event)
    return catalogs[key]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_scenario(path: Path, catalogs):
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalog_dir = path.parents[2]
    guide = _guide(catalogs, catalog_dir, spec["event"])
    known = coerce_facts(guide.catalog.facts, spec.get("facts") or {}, spec["event"])
    persons = coerce_persons(guide.catalog, spec["event"], spec.get("persons"))
    result = guide.evaluate(known, persons=persons)
    applicable = {o.id for o in result.applicable}
    undetermined = {o.id for o in result.undetermined}
    every = set(guide.catalog.procedures)
    named = (
        set(spec.get("must_apply") or [])
        | set(spec.get("must_not_apply") or [])
        | set(spec.get("must_be_undetermined") or [])
    )
    assert named <= every, f"{path.name} names unknown procedures: {sorted(named - every)}"
    missing = set(spec.get("must_apply") or []) - applicable
    assert not missing, f"{spec['name']}: should apply but does not: {sorted(missing)}"
    wrong = set(spec.get("must_not_apply") or []) & (applicable | undetermined)
    assert not wrong, f"{spec['name']}: must not apply (or stay open) but does: {sorted(wrong)}"
    open_missing = set(spec.get("must_be_undetermined") or []) - undetermined
    assert not open_missing, f"{spec['name']}: should be undetermined: {sorted(open_missing)}"
    # Facts the family gave are never asked again.
    asked = {q.fact.name for q in result.questions if q.person is None}
    assert not asked & set(known)
    _check_persons(spec, path, guide, result, persons, every)


def _check_persons(spec, path: Path, guide: Guide, result, persons, every: set[str]) -> None:
    """Outcomes per person: must_apply_for / must_not_apply_for / must_be_undetermined_for {person id: [ids]}."""
    ids = {p.id for p in persons}
    by_person: dict[str, dict[str, set[str]]] = {
        pid: {"applicable": set(), "undetermined": set()} for pid in ids
    }
    for status, outcomes in (("applicable", result.applicable), ("undetermined", result.undetermined)):
        for o in outcomes:
            if o.person is not None:
                by_person[o.person][status].add(o.id)
    per_procedures = {pid for pid, proc in guide.catalog.procedures.items() if proc.per}
    for key in ("must_apply_for", "must_not_apply_for", "must_be_undetermined_for"):
        table = spec.get(key) or {}
        assert set(table) <= ids, f"{path.name}: {key} names unknown persons: {sorted(set(table) - ids)}"
        for pid, named in table.items():
            named = set(named or [])
            assert named <= every, (
                f"{path.name}: {key}.{pid} names unknown procedures: {sorted(named - every)}"
            )
            not_per = named - per_procedures
            assert not not_per, (
                f"{path.name}: {key}.{pid} names procedures that are not per person: {sorted(not_per)}"
            )
            got = by_person[pid]
            label = f"{spec['name']} / {pid}"
            if key == "must_apply_for":
                missing = named - got["applicable"]
                assert not missing, f"{label}: should apply but does not: {sorted(missing)}"
            elif key == "must_not_apply_for":
                wrong = named & (got["applicable"] | got["undetermined"])
                assert not wrong, f"{label}: must not apply (or stay open) but does: {sorted(wrong)}"
            else:
                open_missing = named - got["undetermined"]
                assert not open_missing, f"{label}: should be undetermined: {sorted(open_missing)}"
    # A person's facts that were given are never asked again.
    given = {person_key(name, p.id) for p in persons for name in p.values}
    asked = {q.key for q in result.questions if q.person is not None}
    assert not asked & given, f"{path.name}: asked again: {sorted(asked & given)}"


def test_minimum_scenario_counts():
    by_event: dict[str, int] = {}
    for path in SCENARIOS:
        event = yaml.safe_load(path.read_text(encoding="utf-8"))["event"]
        by_event[event] = by_event.get(event, 0) + 1
    assert by_event.get("okuyami", 0) >= 15
    assert by_event.get("shintai-techo", 0) >= 8
    assert by_event.get("tennyu", 0) >= 5
    assert by_event.get("tenkyo", 0) >= 3
    assert by_event.get("tenshutsu", 0) >= 4
