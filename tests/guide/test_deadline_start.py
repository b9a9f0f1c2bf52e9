"""A deadline counted from a date other than the event (the funeral) is asked once its procedure applies."""

import shutil

from madoguchi.catalog import load_catalog
from madoguchi.guide import Guide

EXTRA = """
facts:
  f.date: {type: date, label: 葬儀の日, question: 葬儀の日はいつですか。}
procedures:
  - id: funeral-benefit
    name: 葬祭の給付
    events: [ev]
    department: hoken
    applies_when: p.insurance == "kokuho"
    why: 国保だったため。
    deadline: {years: 2, start: f.date}
    sources: [{url: "https://example.go.jp/g", checked: 2026-11-27}]
"""


def test_deadline_start_is_asked_after_deciding_questions(mini_catalog_path, tmp_path):
    folder = tmp_path / "cat"
    shutil.copytree(mini_catalog_path, folder)
    (folder / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    guide = Guide(load_catalog(folder), "ev")
    from datetime import date

    before = guide.evaluate({"ev.date": date(2026, 11, 20)})
    assert "f.date" not in [q.name for q in before.questions]  # not yet: the benefit may not apply
    after = guide.evaluate({"ev.date": date(2026, 11, 20), "p.insurance": "kokuho"})
    names = [q.name for q in after.questions]
    assert names[-1] == "f.date" and len(names) > 1
    due = guide.evaluate(
        {"ev.date": date(2026, 11, 20), "p.insurance": "kokuho", "f.date": date(2026, 11, 23)}
    )
    outcome = next(o for o in due.applicable if o.id == "funeral-benefit")
    assert outcome.deadline == date(2028, 11, 23)
    assert "f.date" not in [q.name for q in due.questions]
