"""Routing rules: first match wins, undetermined does not match, invalid rules are switched off."""

from pathlib import Path

import pytest

from madoguchi.catalog import load_catalog
from madoguchi.routing import RuleSpec, compile_rules, route, validate_rule

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(MINI)


def test_without_rules_the_catalog_department(catalog):
    assert [(a.procedure_id, a.department, a.rule_id) for a in route(catalog, ["always", "kokuho"], {})] == [
        ("always", "shimin", None),
        ("kokuho", "hoken", None),
    ]


def test_first_match_wins_and_procedure_filter(catalog):
    rules = compile_rules(
        [
            RuleSpec(2, 20, "p.pension", "hoken", frozenset({"always"})),
            RuleSpec(1, 10, 'p.insurance == "kokuho"', "shimin", frozenset({"kokuho"})),
            RuleSpec(3, 30, "true", "shimin"),
        ],
        catalog,
    )
    assert rules.disabled == []
    got = route(catalog, ["always", "kokuho"], {"p.pension": True, "p.insurance": "kokuho"}, rules)
    assert [(a.department, a.rule_id) for a in got] == [("hoken", 2), ("shimin", 1)]
    # rule 2 is false for always; rule 3 (true) catches it.
    got = route(catalog, ["always"], {"p.pension": False}, rules)
    assert (got[0].department, got[0].rule_id) == ("shimin", 3)


def test_undetermined_condition_does_not_match(catalog):
    rules = compile_rules([RuleSpec(1, 1, "p.pension", "hoken")], catalog)
    assert route(catalog, ["always"], {}, rules)[0].rule_id is None


def test_rule_that_no_longer_validates_is_switched_off_and_reported(catalog):
    specs = [
        RuleSpec(1, 1, "p.renamed_fact", "hoken", name="renamed"),
        RuleSpec(2, 2, "p.pension", "nowhere"),
        RuleSpec(3, 3, "p.pension", "nenkin"),
        RuleSpec(4, 4, "p.pension", "hoken", frozenset({"gone"})),
        RuleSpec(5, 5, "p.pension", "hoken", active=False),
        RuleSpec(6, 6, "p.pension", "hoken"),
    ]
    rules = compile_rules(specs, catalog)
    assert [spec.id for spec, _ in rules.rules] == [6]
    reasons = {d.rule.id: d.reason for d in rules.disabled}
    assert set(reasons) == {1, 2, 3, 4}
    assert "p.renamed_fact" in reasons[1] and "column" in reasons[1]
    assert "not in the catalog" in reasons[2]
    assert "external agency" in reasons[3]
    assert "gone" in reasons[4]
    assert "routing rule 1 (renamed)" in str(rules.disabled[0])
    assert validate_rule(specs[5], catalog) is None
