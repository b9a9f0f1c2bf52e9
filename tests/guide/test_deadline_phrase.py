"""A deadline without a known start date is said from the life event's date fact (or its own start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from madoguchi.catalog import load_catalog
from madoguchi.catalog.models import Deadline
from madoguchi.guide import deadline_phrase

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SAMPLE)


def test_an_okuyami_deadline_counts_from_the_death_date(catalog):
    deadline = catalog.procedures["okuyami.kokuho-soushitsu"].deadline
    assert deadline.days == 14 and deadline.start is None and deadline.start_label is None
    assert deadline_phrase(catalog, "okuyami", deadline) == "亡くなった日から14日以内"


def test_a_shintai_techo_deadline_counts_from_the_application_date(catalog):
    assert catalog.events["shintai-techo"].date_fact == "applicant.application_date"
    phrase = deadline_phrase(catalog, "shintai-techo", Deadline(months=1))
    assert phrase == "来庁日（申請日）から1か月以内"
    assert "亡くなった" not in phrase


def test_a_deadline_from_another_date_says_that_date(catalog):
    assert deadline_phrase(catalog, "okuyami", Deadline(years=2, start="funeral.date")) == (
        "葬儀（火葬）を行った日から2年以内"
    )
    sousaihi = catalog.procedures["okuyami.kokuho-sousaihi"].deadline
    assert sousaihi.start == "funeral.date"
    assert deadline_phrase(catalog, "okuyami", sousaihi) == "葬儀を行った日の翌日から2年以内"  # start_label


def test_own_wording_wins(catalog):
    assert (
        deadline_phrase(catalog, "shintai-techo", Deadline(days=7, start_label="手帳を受け取った日から"))
        == "手帳を受け取った日から7日以内"
    )
    assert deadline_phrase(catalog, "shintai-techo", Deadline(text="購入の前に申請してください")) == (
        "購入の前に申請してください"
    )
