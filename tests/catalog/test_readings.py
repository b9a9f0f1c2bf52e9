"""#12 item 5: the furigana on resident pages, checked against a reviewed list kept in the repo.

Every word the sample catalog shows with furigana (questions, labels, choices, procedure names) and its
reading is in tests/fixtures/sample-readings.tsv, reviewed by a person. A change of the analyser, the
dictionary or a catalog text that changes a reading fails here; review the new readings, correct wrong ones
with ``readings:`` in the catalog, then write the list again with
``madoguchi catalog readings catalogs/sample > tests/fixtures/sample-readings.tsv``."""

from __future__ import annotations

from pathlib import Path

import pytest

from madoguchi.catalog import CatalogError, load_catalog
from madoguchi.preentry.furigana import catalog_readings

ROOT = Path(__file__).resolve().parents[2]
REVIEWED = ROOT / "tests" / "fixtures" / "sample-readings.tsv"


def test_every_reading_on_the_resident_pages_is_the_reviewed_one():
    reviewed = {tuple(line.split("\t")) for line in REVIEWED.read_text(encoding="utf-8").splitlines() if line}
    now = set(catalog_readings(load_catalog(ROOT / "catalogs" / "sample")))
    assert not (now - reviewed) and not (reviewed - now), {
        "new, to review": sorted(now - reviewed),
        "no longer shown": sorted(reviewed - now),
    }


def test_wrong_readings_from_the_walk_are_not_in_the_list():
    reviewed = dict(line.split("\t") for line in REVIEWED.read_text(encoding="utf-8").splitlines() if line)
    for word, wrong in [
        ("被扶養者", "ひふようもの"),
        ("受給権者", "じゅきゅうごんじゃ"),
        ("要介護", "ようすけご"),
        ("三輪", "みわ"),
        ("金", "きん"),
    ]:
        assert reviewed.get(word) != wrong


def test_a_reading_must_be_hiragana_and_name_a_kanji_word(tmp_path):
    import shutil

    root = tmp_path / "cat"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", root)
    (root / "readings.yaml").write_text(
        "readings:\n  三輪: サンリン\n  abc: えーびーしー\n", encoding="utf-8"
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    text = str(info.value)
    assert "readings.yaml" in text and "三輪" in text and "abc" in text
    (root / "readings.yaml").write_text("readings:\n  三輪: さんりん\n", encoding="utf-8")
    assert load_catalog(root).readings == (("三輪", "さんりん"),)
