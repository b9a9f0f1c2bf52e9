from datetime import date

from madoguchi.catalog import get_catalog
from madoguchi.juki.csv_import import parse_csv
from madoguchi.juki.facts import facts_for_catalog, proposed_facts
from madoguchi.juki.generator import HEADER, demo_rows
from madoguchi.juki.kana import lookup_postal_code, suggest_kana
from madoguchi.juki.mapping import STANDARD
from madoguchi.juki.records import search_key

from .conftest import SAMPLE


def _demo_records():
    text = ",".join(HEADER) + "\n" + "\n".join(",".join(r) for r in demo_rows()) + "\n"
    records, _ = parse_csv(text.encode(), STANDARD)
    return {r.name: r for r in records}


def test_deceased_facts_from_the_registry():
    people = _demo_records()
    taro = people["窓口\u3000太郎"]
    family = [p for p in people.values() if p.setai_no == taro.setai_no]
    facts = proposed_facts(taro, family, "deceased")
    assert facts["deceased.birth_date"] == date(1944, 3, 15)
    assert facts["deceased.death_date"] == date(2026, 11, 20)
    assert facts["deceased.health_insurance"] == "kouki"
    assert facts["deceased.was_householder"] is True
    assert facts["deceased.care_certified"] is True
    assert facts["deceased.disability_handbook"] is True
    assert facts["household.remaining_members"] == 2
    assert facts["household.remaining_members_15_or_older"] == 2
    catalog = get_catalog(str(SAMPLE))
    kept = facts_for_catalog(facts, catalog, "okuyami")
    # Only facts the catalog takes from the registry for this event.
    assert "deceased.pension_recipient" not in kept  # the catalog asks it (sources: interview)
    assert "deceased.handbook_status" not in kept
    for name in kept:
        assert "registry" in catalog.facts[name].sources


def test_applicant_facts_for_a_handbook():
    people = _demo_records()
    jiro = people["手帳\u3000次郎"]
    catalog = get_catalog(str(SAMPLE))
    kept = facts_for_catalog(
        proposed_facts(jiro, [jiro], "applicant", on=date(2026, 11, 27)), catalog, "shintai-techo"
    )
    assert kept["applicant.disability_grade"] == 2
    assert kept["applicant.disability_type"] == "limb"
    assert kept["applicant.handbook_status"] == "granted"
    assert kept["applicant.birth_date"] == date(1958, 7, 7)


def test_kana_suggestions_are_katakana_suggestions():
    assert "マドグチ\u3000ハナコ" in suggest_kana("窓口\u3000花子")
    assert suggest_kana("") == []


def test_postal_codes():
    assert lookup_postal_code("１００－０００１")["address"] == "東京都千代田区千代田"
    assert lookup_postal_code("999-0001")["address"] == "架空県みどり市中央町"
    assert lookup_postal_code("12") is None


def test_search_keys_fold_width_and_kana_only():
    assert search_key("ﾏﾄﾞｸﾞﾁ　はなこ") == "マドグチハナコ"
    assert search_key("中央町１丁目") == "中央町1丁目"
