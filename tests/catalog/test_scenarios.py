"""Scenario files: a family's facts → procedures that must and must not be listed.

Each file under catalogs/*/scenarios/<event>/ is one test, so a failing family is named in the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from madoguchi.catalog import load_catalog
from madoguchi.guide import Guide, coerce_facts

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
    result = guide.evaluate(known)
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
    asked = {q.fact.name for q in result.questions}
    assert not asked & set(known)


def test_minimum_scenario_counts():
    by_event: dict[str, int] = {}
    for path in SCENARIOS:
        event = yaml.safe_load(path.read_text(encoding="utf-8"))["event"]
        by_event[event] = by_event.get(event, 0) + 1
    assert by_event.get("okuyami", 0) >= 15
    assert by_event.get("shintai-techo", 0) >= 8
