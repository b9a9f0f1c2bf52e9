"""Catalog translations: merged from translations: sections, used on resident pages, missing ones warned."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from madoguchi.catalog import load_catalog
from madoguchi.web.resident import i18n

from .conftest import MINI_CATALOG

EN = """
translations:
  en:
    facts:
      ev.date: {question: "When did it happen?", label: Date}
      p.insurance:
        question: "Which health insurance?"
        choices: {kokuho: National Health Insurance, nope: Nothing}
      no.such: {question: Nobody asks this}
    procedures:
      always: {name: The notification everyone makes, documents: [Seal]}
"""


@pytest.fixture
def translated(tmp_path):
    folder = tmp_path / "mini"
    shutil.copytree(MINI_CATALOG, folder)
    (folder / "translations-en.yaml").write_text(EN, encoding="utf-8")
    return folder


def test_translations_are_merged_and_missing_ones_warned(translated):
    catalog = load_catalog(translated)
    assert catalog.facts["ev.date"].i18n["en"].question == "When did it happen?"
    assert catalog.procedures["always"].i18n["en"].documents == ["Seal"]
    warnings = [str(w) for w in catalog.warnings]
    assert any("unknown fact 'no.such'" in w and w.startswith("translations-en.yaml:") for w in warnings)
    assert any("fact p.insurance has no choice 'nope'" in w for w in warnings)
    missing = [w for w in warnings if "without a 'en' translation" in w]
    assert len(missing) == 2  # one line for the facts, one for the procedures of catalog.yaml
    facts_line = next(w for w in missing if "fact(s)" in w)
    assert (
        facts_line.startswith("catalog.yaml:") and "p.pension" in facts_line and "ev.date" not in facts_line
    )
    assert "(Japanese is shown)" in facts_line


def test_no_translations_no_warnings():
    assert load_catalog(MINI_CATALOG).warnings == []


def test_bad_language_code_is_an_error(translated):
    from madoguchi.catalog import CatalogError

    (translated / "translations-en.yaml").write_text("translations:\n  English: {}\n", encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_catalog(translated)
    assert "translations-en.yaml" in str(exc.value)


def test_catalog_check_reports_missing_translations_as_warnings(translated):
    proc = subprocess.run(
        [sys.executable, "-m", "madoguchi", "catalog", "check", str(translated)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stderr and "without a 'en' translation" in proc.stderr
    assert "OK" in proc.stdout


def test_resident_texts_use_translations_and_fall_back(translated):
    catalog = load_catalog(translated)
    q = i18n.fact_question(catalog.facts["ev.date"], "en")
    assert q.plain == "When did it happen?" and q.lang == "en"
    fallback = i18n.fact_question(catalog.facts["p.pension"], "en")
    assert fallback.plain == "年金を受けていましたか。" and fallback.lang == "ja"
    labels = dict((v, str(t)) for v, t in i18n.choice_labels(catalog.facts["p.insurance"], "en"))
    assert labels["kokuho"] == "National Health Insurance" and labels["kouki"] == "後期高齢者医療"
    texts = i18n.procedure_text(catalog.procedures["always"], "en")
    assert str(texts["name"]) == "The notification everyone makes"
    assert str(i18n.procedure_text(catalog.procedures["kokuho"], "en")["name"]) == "国保の届"


@pytest.mark.django_db  # the page limit counts in RateCount rows when no RATELIMIT_DIR is set (tests)
def test_english_preentry_page_shows_the_translation(translated, preentry, settings, client):
    settings.CATALOG_PATH = str(translated)
    client.post("/e/ev/?lang=en")
    page = client.get("/e/ev/q").content.decode()
    assert "When did it happen?" in page and '<html lang="en">' in page
