"""Persons of repeated roles: quantifiers under three-valued logic, per-person procedures, no leaking."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.catalog import load_catalog
from madoguchi.catalog.loader import CatalogError
from madoguchi.guide import APPLICABLE, NOT_APPLICABLE, UNDETERMINED, Guide
from madoguchi.rules.evaluate import UNKNOWN, RuleTypeError, compile_expression, compile_rule
from madoguchi.rules.scope import PERSONS, PersonFacts

HOUSEHOLD = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "bench" / "household"


@dataclass
class Spec:
    name: str
    type: str
    label: str
    choices: dict = field(default_factory=dict)

    @property
    def choice_values(self):
        return self.choices


SPECS = {
    "member.kid": Spec("member.kid", "bool", "子ども"),
    "member.age": Spec("member.age", "int", "年齢"),
    "case.flag": Spec("case.flag", "bool", "旗"),
}
ROLES = {"member": "世帯員"}


def values_with(*kids):
    """Persons whose member.kid is True, False or None (unknown)."""
    persons = tuple(
        PersonFacts(f"p{i}", "member", {} if k is None else {"member.kid": k}) for i, k in enumerate(kids)
    )
    return {PERSONS: {"member": persons}}


def kleene_any(items):
    if any(v is True for v in items):
        return True
    return UNKNOWN if any(v is None for v in items) else False


def kleene_all(items):
    if any(v is False for v in items):
        return False
    return UNKNOWN if any(v is None for v in items) else True


TRI = st.sampled_from([True, False, None])


@given(st.lists(TRI, max_size=6))
def test_any_and_all_follow_kleene_over_members(kids):
    any_rule = compile_rule("any member: member.kid", SPECS, roles=ROLES)
    all_rule = compile_rule("all member: member.kid", SPECS, roles=ROLES)
    values = values_with(*kids)
    assert any_rule.evaluate(values) is kleene_any(kids) or any_rule.evaluate(values) == kleene_any(kids)
    assert all_rule.evaluate(values) is kleene_all(kids) or all_rule.evaluate(values) == kleene_all(kids)


def test_any_truth_table_with_an_unknown_member():
    rule = compile_rule("any member: member.kid", SPECS, roles=ROLES)
    assert rule.evaluate(values_with(None, False)) is UNKNOWN  # the unknown one may still be a child
    assert rule.evaluate(values_with(None, True)) is True  # one known child decides it
    assert rule.evaluate(values_with(False, False)) is False
    assert rule.evaluate(values_with()) is False  # nobody: no one satisfies it
    assert compile_rule("all member: member.kid", SPECS, roles=ROLES).evaluate(values_with()) is True
    # Only the unknown member is waited for, named as that person's fact.
    assert rule.waiting_for(values_with(None, False)) == {"member.kid@p0"}


@given(
    st.lists(TRI, max_size=6), st.integers(min_value=0, max_value=7), st.sampled_from([">=", "<", "==", "!="])
)
def test_count_comparison_is_decided_exactly_when_every_possible_count_agrees(kids, n, op):
    rule = compile_rule(f"(count member: member.kid) {op} {n}", SPECS, roles=ROLES)
    low = sum(1 for k in kids if k is True)
    high = low + sum(1 for k in kids if k is None)
    ops = {">=": lambda a: a >= n, "<": lambda a: a < n, "==": lambda a: a == n, "!=": lambda a: a != n}
    outcomes = {ops[op](c) for c in range(low, high + 1)}
    expected = outcomes.pop() if len(outcomes) == 1 else UNKNOWN
    got = rule.evaluate(values_with(*kids))
    assert got is expected or got == expected


def test_count_alone_is_a_number_known_only_when_every_member_is_known():
    expr = compile_expression("count member: member.kid", SPECS, "int", roles=ROLES)
    assert expr.evaluate(values_with(True, False, True)) == 2
    assert expr.evaluate(values_with(True, None)) is UNKNOWN


def test_a_persons_fact_needs_a_quantifier_or_per():
    with pytest.raises(RuleTypeError, match="about each member"):
        compile_rule("member.kid", SPECS, roles=ROLES)
    assert compile_rule("member.kid", SPECS, roles=ROLES, per="member").evaluate(
        {"member.kid": True}
    )  # per: the person is in scope
    with pytest.raises(RuleTypeError, match="several persons"):
        compile_rule("any case: case.flag", SPECS, roles=ROLES)
    with pytest.raises(RuleTypeError, match="yes/no"):
        compile_rule("any member: member.age", SPECS, roles=ROLES)


def test_quantifier_words_do_not_take_fact_names():
    specs = {**SPECS, "household.count": Spec("household.count", "int", "人数")}
    assert compile_rule("household.count >= 2", specs, roles=ROLES).evaluate({"household.count": 3})


# --- the guide, per person ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guide():
    return Guide(load_catalog(HOUSEHOLD), "moving")


def member(pid, label="", **facts):
    return PersonFacts(pid, "member", {f"member.{k}": v for k, v in facts.items()}, label)


def by_person(outcomes, proc):
    return {o.person: o for o in outcomes if o.id == proc}


def test_per_person_procedure_gives_one_outcome_per_person(guide):
    persons = [
        member("p1", "世帯主 一郎さん", birth_date=date(1980, 4, 1), health_insurance="kokuho"),
        member("p2", "長男 太郎さん", birth_date=date(2016, 5, 1), health_insurance="employee"),
        member("p3", "妻 花子さん"),
    ]
    result = guide.evaluate({"move.date": date(2026, 12, 1)}, persons=persons)
    kokuho = {o.person: o.status for o in [*result.applicable, *result.undetermined, *result.not_applicable]
              if o.id == "kokuho-kanyu"}  # fmt: skip
    assert kokuho == {"p1": APPLICABLE, "p2": NOT_APPLICABLE, "p3": UNDETERMINED}
    assert by_person(result.applicable, "tengaku").keys() == {"p2"}  # 10 years old
    # A case-level procedure decided by one member, with that member named in the reason.
    jidou = by_person(result.applicable, "jidou-teate")[None]
    assert jidou.reasons == ("長男 太郎さん: 年齢: 10歳（15歳未満）",)
    # Questions name the person and are asked only where they can decide something: the 10-year-old is
    # not asked about 妊娠 (the rule needs age >= 13), the 46-year-old is.
    keys = [q.key for q in result.questions]
    assert "member.pregnant@p1" in keys and "member.pregnant@p2" not in keys
    q = next(q for q in result.questions if q.key == "member.birth_date@p3")
    assert q.person == "p3" and q.text == "妻 花子さんの生年月日は。"
    # Derived facts are per person.
    ages = {p.id: p.values.get("member.age") for p in result.persons}
    assert ages == {"p1": 46, "p2": 10, "p3": None}


def test_count_decides_before_every_member_is_known(guide):
    persons = [member("a", health_insurance="kokuho"), member("b", health_insurance="kokuho"), member("c")]
    result = guide.evaluate({"move.date": date(2026, 12, 1)}, persons=persons)
    assert "kokuho-setai" in {o.id for o in result.applicable}
    result = guide.evaluate({"move.date": date(2026, 12, 1)}, persons=persons[:1] + persons[2:])
    assert "kokuho-setai" in {o.id for o in result.undetermined}


def test_a_skipped_persons_question_is_not_asked_again(guide):
    persons = [member("p1", birth_date=date(1980, 1, 1))]
    first = guide.evaluate({"move.date": date(2026, 12, 1)}, persons=persons)
    assert "member.health_insurance@p1" in [q.key for q in first.questions]
    again = guide.evaluate({"move.date": date(2026, 12, 1)}, {"member.health_insurance@p1"}, persons=persons)
    assert "member.health_insurance@p1" not in [q.key for q in again.questions]


FACT_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "birth_date": st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 11, 30)),
        "health_insurance": st.sampled_from(["kokuho", "employee", "kouki"]),
        "pregnant": st.booleans(),
    },
)


@settings(max_examples=60, deadline=None)
@given(st.lists(FACT_VALUES, min_size=1, max_size=6), st.booleans())
def test_a_persons_facts_never_reach_another_persons_outcome(guide, people, abroad):
    """Each person's per-person outcome is the one they get when evaluated alone."""
    persons = [member(f"p{i}", **facts) for i, facts in enumerate(people)]
    known = {"move.date": date(2026, 12, 1), "move.from_abroad": abroad}
    together = guide.evaluate(known, persons=persons)

    def per_person(result):
        return {
            (o.id, o.person): (o.status, o.reasons, o.waiting_for)
            for o in [*result.applicable, *result.undetermined, *result.not_applicable]
            if o.person is not None
        }

    combined = per_person(together)
    for p in persons:
        alone = per_person(guide.evaluate(known, persons=[p]))
        assert {k: v for k, v in combined.items() if k[1] == p.id} == alone


def test_without_persons_per_person_procedures_have_no_outcome(guide):
    result = guide.evaluate({"move.date": date(2026, 12, 1)})
    outcomes = [*result.applicable, *result.undetermined, *result.not_applicable]
    assert {o.id for o in outcomes} == {"tennyu", "kokuho-setai", "jidou-teate", "kouki-all"}
    assert all(o.person is None for o in outcomes) and result.persons == ()
    assert "PERSONS" not in result.values and PERSONS not in result.values


# --- the catalog ------------------------------------------------------------------------------------


def test_per_must_name_a_repeated_role(tmp_path):
    text = (HOUSEHOLD / "catalog.yaml").read_text(encoding="utf-8")
    (tmp_path / "catalog.yaml").write_text(
        text.replace("per: member\n", "per: applicant\n", 1), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="per 'applicant' is not a role with several persons"):
        load_catalog(tmp_path)


def test_delivery_each_must_name_a_repeated_role(tmp_path):
    import shutil

    shutil.copytree(SAMPLE, tmp_path / "c")
    path = tmp_path / "c" / "procedures" / "moving-shimin.yaml"
    text = path.read_text(encoding="utf-8")
    assert "each: member" in text
    path.write_text(text.replace("each: member", "each: applicant", 1), encoding="utf-8")
    with pytest.raises(
        CatalogError, match="moving-shimin.yaml:\\d+.*each 'applicant' is not a role with several"
    ):
        load_catalog(tmp_path / "c")


def test_reserved_words_are_not_roles(tmp_path):
    text = (HOUSEHOLD / "catalog.yaml").read_text(encoding="utf-8")
    (tmp_path / "catalog.yaml").write_text(text.replace("{id: member,", "{id: count,"), encoding="utf-8")
    with pytest.raises(CatalogError, match="word of the rule language"):
        load_catalog(tmp_path)


# --- the CLI contract ---------------------------------------------------------------------------------


def run_guide(tmp_path, facts, *extra):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "madoguchi", "guide", "--catalog", str(HOUSEHOLD), "--event", "moving",
         "--facts", str(path), *extra],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_cli_takes_persons_and_marks_per_person_entries(tmp_path):
    proc = run_guide(
        tmp_path,
        {
            "move.date": "2026-12-01",
            "persons": [
                {"id": "p1", "role": "member", "member.health_insurance": "kokuho"},
                {"id": "p2", "role": "member", "member.birth_date": "2016-05-01"},
            ],
        },
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    applicable = {(e["id"], e["person"]) for e in out["applicable"]}
    assert ("kokuho-kanyu", "p1") in applicable and ("tennyu", None) in applicable
    assert ("kokuho-kanyu", "p2") in {(e["id"], e["person"]) for e in out["undetermined"]}
    assert {q["person"] for q in out["questions"]} >= {"p1", "p2"}


def test_cli_names_a_bad_person_entry(tmp_path):
    proc = run_guide(tmp_path, {"move.date": "2026-12-01", "persons": [{"id": "p1", "role": "nobody"}]})
    assert proc.returncode != 0
    assert "persons[1]" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_guide(
        tmp_path, {"persons": [{"id": "p1", "role": "member", "member.health_insurance": "gold"}]}
    )
    assert proc.returncode != 0 and "member.health_insurance" in proc.stderr


SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"


def _snapshot(result):
    def outs(items):
        return [(o.procedure.id, o.person, o.reasons, o.waiting_for, o.deadline) for o in items]

    return (
        outs(result.applicable),
        outs(result.undetermined),
        outs(result.not_applicable),
        [(q.fact.name, q.person, q.settles) for q in result.questions],
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), members=st.integers(1, 6))
def test_memoised_outcomes_equal_a_fresh_evaluation(seed, members):
    """The guide memoises outcomes on the facts each rule reads: after any answers, a warm guide (shared by
    a server's requests) gives exactly what a guide built afresh gives."""
    import random

    from madoguchi.bench.guide import _random_value
    from madoguchi.rules.scope import role_of

    catalog = load_catalog(SAMPLE)
    warm = Guide(catalog, "tennyu")
    rng = random.Random(seed)
    askable = [f for f in catalog.facts_for("tennyu") if f.askable]
    keys = [(f, None) for f in askable if role_of(f.name) != "member"]
    keys += [(f, f"p{i}") for i in range(members) for f in askable if role_of(f.name) == "member"]
    rng.shuffle(keys)
    known: dict = {}
    people = {f"p{i}": PersonFacts(f"p{i}", "member", {}) for i in range(members)}
    for fact, pid in keys[: rng.randint(1, len(keys))]:
        value = _random_value(fact, rng)
        if fact.type == "date" and pid is not None:
            value = date(1940, 1, 1) + (date(2020, 1, 1) - date(1940, 1, 1)) * rng.random()
        (known if pid is None else people[pid].values)[fact.name] = value
        got = _snapshot(warm.evaluate(known, persons=people.values()))
        assert got == _snapshot(Guide(catalog, "tennyu").evaluate(known, persons=people.values()))
