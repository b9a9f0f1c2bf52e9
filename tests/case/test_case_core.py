"""The case core without a database: Person, the vocabulary, the source mappings, the delivery mapping."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from madoguchi.card.records import Attributes
from madoguchi.case import CaseSnapshot, Party, Person, parse_sex, parse_zokugara, sex_label
from madoguchi.case.sources import accepted_facts, from_card, from_json, from_registry, person_facts
from madoguchi.catalog import load_catalog
from madoguchi.delivery.records import REGISTRY_ITEMS, record_items
from madoguchi.juki.dates import parse_registry_date
from madoguchi.juki.records import ResidentRecord
from madoguchi.shinseisho.values import CaseData, parse_value_ref

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SAMPLE)


def card_attributes(sex="9"):
    return Attributes(
        name="窓口　花子", family_name="窓口", given_name="花子", address="架空県みどり市本町1-2-3",
        birth_date=date(1960, 4, 1), sex=sex, digest_source=b"",
    )  # fmt: skip


def test_one_sex_vocabulary_keeps_the_cards_not_applicable():
    assert sex_label("9") == "適用不能" and sex_label("0") == "不明" and sex_label("") == ""
    assert parse_sex("女性") == "2" and parse_sex("適用不能") == "9"
    with pytest.raises(ValueError, match="性別"):
        parse_sex("x")
    person = from_card(card_attributes("9"))
    assert person.sex == "9" and person.sex_label == "適用不能"
    # The same code reaches a form and a delivery record as 適用不能, not 不明.
    ref = parse_value_ref("applicant.sex")
    assert CaseData(persons={"applicant": person}).lookup(ref) == "9"
    from madoguchi.shinseisho.render import SEX_LABELS

    assert SEX_LABELS["9"] == "適用不能"


def test_a_sex_code_outside_the_vocabulary_stays_unknown():
    assert from_card(card_attributes("7")).sex == ""


def test_zokugara_is_the_standards_list():
    assert parse_zokugara("妻(未届)") == "妻（未届）" and parse_zokugara("妻の母") == "妻の母"
    with pytest.raises(ValueError, match="縁故者"):
        parse_zokugara("祖父")


def test_the_card_fills_only_facts_that_list_card_as_a_source(catalog):
    person = from_card(card_attributes("2"))
    offered = person_facts(person, "applicant")
    assert offered == {"applicant.birth_date": date(1960, 4, 1), "applicant.sex": "2"}
    # 身体障害者手帳 lists card for applicant.birth_date; おくやみ has no such applicant fact.
    assert accepted_facts(offered, catalog.facts, "shintai-techo", "card") == {
        "applicant.birth_date": date(1960, 4, 1)
    }
    assert accepted_facts(offered, catalog.facts, "okuyami", "card") == {}
    assert (
        accepted_facts({"applicant.birth_date": date(1960, 4, 1)}, catalog.facts, "shintai-techo", "x") == {}
    )


def registry_record(**changes) -> ResidentRecord:
    values = dict(
        atena_no="3001", setai_no="701", name="グエン　ヴァン　アン", birth_date=parse_registry_date("昭和25年頃"),
        sex="1", relationship="世帯主", address="架空県みどり市本町１丁目", katagaki="みどり荘101",
        resident_kind="foreign", name_alphabet="NGUYEN VAN AN", tsusho="山田　一郎", nationality="ベトナム",
    )  # fmt: skip
    values.update(changes)
    return ResidentRecord(**values)


def test_a_registry_record_becomes_a_person_with_its_keys_and_a_vague_birth_date():
    person = from_registry(registry_record())
    assert person.atena_no == "3001" and person.setai_no == "701" and person.zokugara == "世帯主"
    assert person.birth_date.unknown and person.birth is None  # 不詳: no calendar date is guessed
    assert person.katagaki == "みどり荘101"
    assert person_facts(person, "deceased") == {"deceased.sex": "1"}


def test_person_json_source_gives_the_same_person_as_staff_input():
    person = from_json({"name": "窓口　太郎", "birth_date": "昭和30年7月7日", "sex": "male"}, "deceased")
    assert person == Person(name="窓口　太郎", birth_date=person.birth_date, sex="1")
    assert person.birth == date(1955, 7, 7)


def test_delivery_record_from_the_snapshot_alone(catalog):
    proc = next(p for p in catalog.procedures.values() if p.delivery and "okuyami" in p.events)
    deceased = from_registry(registry_record(birth_date=parse_registry_date("1950-05-06")))
    applicant = Person(name="窓口　花子", kana="マドグチ　ハナコ", relationship="妻", phone="0000-11-2222")
    snapshot = CaseSnapshot(
        number="2026-000123",
        event_id="okuyami",
        facts={"deceased.death_date": date(2026, 11, 20)},
        parties=(Party("deceased", deceased), Party("applicant", applicant)),
        finished_on=date(2026, 12, 3),
    )
    items = ["氏名", "生年月日", "性別", "死亡年月日", "消除年月日", "届出年月日", "届出人続柄", "届出人電話番号",
             "氏名フリガナ", "フリガナ確認フラグ", *sorted(REGISTRY_ITEMS)]  # fmt: skip
    record = record_items(snapshot, catalog, proc, items)
    assert record["氏名"] == "グエン　ヴァン　アン" and record["生年月日"] == "1950-05-06"
    assert record["性別"] == "男" and record["死亡年月日"] == "2026-11-20" == record["消除年月日"]
    assert record["届出年月日"] == "2026-12-03" and record["届出人続柄"] == "妻"
    assert record["氏名フリガナ"] is None and record["フリガナ確認フラグ"] is None  # unknown: never guessed
    assert record["宛名番号"] == "3001" and record["国籍・地域"] == "ベトナム"
    # Typed in (no registry keys): the registry's items are unknown.
    typed = CaseSnapshot("2026-000124", "okuyami", {}, (Party("deceased", Person(name="窓口　太郎")),))
    assert all(v is None for k, v in record_items(typed, catalog, proc, sorted(REGISTRY_ITEMS)).items())


def test_a_per_person_record_is_about_that_person_not_the_subject():
    household = load_catalog(
        Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "bench" / "household"
    )
    proc = household.procedures["kokuho-kanyu"]
    snapshot = CaseSnapshot(
        "2026-000200",
        "moving",
        {"move.date": date(2026, 12, 1)},
        (
            Party("applicant", Person(name="緑川　一郎", zokugara="世帯主"), "applicant"),
            Party("member", Person(name="緑川　花子", zokugara="妻", sex="2"), "p1"),
            Party("member", Person(name="緑川　太郎", zokugara="子", sex="1"), "p2"),
        ),
    )
    items = ["氏名", "続柄", "性別", "異動年月日", "届出人氏名"]
    record = record_items(snapshot, household, proc, items, person="p2")
    assert record == {
        "氏名": "緑川　太郎",
        "続柄": "子",
        "性別": "男",
        "異動年月日": "2026-12-01",
        "届出人氏名": "緑川　一郎",
    }
    assert record_items(snapshot, household, proc, items)["氏名"] == "緑川　一郎"  # the case's subject
    assert snapshot.party("p1").person.name == "緑川　花子" and len(snapshot.of_role("member")) == 2
