"""The counter's and the resident's deadline texts say the deadline from the life event's own date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from madoguchi.catalog import load_catalog
from madoguchi.catalog.models import Deadline, Procedure
from madoguchi.web.counter import presenters
from madoguchi.web.resident import flow

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SAMPLE)


def with_deadline(catalog, procedure_id: str, deadline: Deadline) -> Procedure:
    return catalog.procedures[procedure_id].model_copy(update={"deadline": deadline})


def test_counter_and_resident_say_an_okuyami_deadline_from_the_death_date(catalog):
    proc = catalog.procedures["okuyami.kokuho-soushitsu"]  # 14 days, no start label
    assert presenters.deadline_text(proc, None, catalog, "okuyami") == "亡くなった日から14日以内"
    for lang in ("ja", "easy"):
        assert flow.deadline_text(catalog, "okuyami", proc, None, lang) == "亡くなった日から14日以内"
    assert flow.deadline_text(catalog, "okuyami", proc, None, "en") == "within 14 days"


def test_counter_and_resident_say_a_shintai_techo_deadline_from_the_application_date(catalog):
    proc = with_deadline(catalog, "techo.koufu-shinsei", Deadline(months=1))
    assert presenters.deadline_text(proc, None, catalog, "shintai-techo") == "来庁日（申請日）から1か月以内"
    assert flow.deadline_text(catalog, "shintai-techo", proc, None, "ja") == "来庁日（申請日）から1か月以内"


def test_a_start_label_is_said_once(catalog):
    proc = catalog.procedures["okuyami.kokuho-sousaihi"]  # start_label 葬儀を行った日の翌日から
    assert flow.deadline_text(catalog, "okuyami", proc, None, "ja") == "葬儀を行った日の翌日から2年以内"
    assert presenters.deadline_text(proc, None, catalog, "okuyami") == "葬儀を行った日の翌日から2年以内"


def test_a_known_due_date_is_shown_as_a_date(catalog):
    proc = catalog.procedures["okuyami.kokuho-soushitsu"]
    due = date(2026, 12, 4)
    assert presenters.deadline_text(proc, due, catalog, "okuyami").startswith(
        "令和8年12月4日（2026年12月4日）まで"
    )
    assert flow.deadline_text(catalog, "okuyami", proc, due, "ja") == "令和8年12月4日（2026年12月4日）まで"
