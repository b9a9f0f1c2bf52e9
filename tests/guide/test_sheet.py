"""The 手続き案内票 built in the core from the catalog, a case snapshot and the guide's result (no database):
sections by where the family goes, the person each line is for, deadlines already past, what is still open."""

from __future__ import annotations

from datetime import date

import pytest

from madoguchi.case import CaseSnapshot, Party, Person
from madoguchi.catalog import get_catalog
from madoguchi.guide import Guide
from madoguchi.guide.sheet import build_sheet
from madoguchi.rules.scope import PersonFacts

from ..conftest import SAMPLE_CATALOG

TODAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def catalog():
    return get_catalog(str(SAMPLE_CATALOG))


def _sheet(catalog, marks=None, notes=None, moved=date(2026, 11, 1)):
    child = Person(name="緑川 陽菜", zokugara="子", birth_date=None)
    snapshot = CaseSnapshot(
        number="2026-000123",
        event_id="tennyu",
        facts={},
        parties=(Party("applicant", Person(name="緑川 一郎"), "applicant"), Party("member", child, "p2")),
        marks=marks or {},
        mark_notes=notes or {},
    )
    persons = (PersonFacts("p2", "member", {"member.birth_date": date(2019, 6, 15)}, ""),)
    result = Guide(catalog, "tennyu").evaluate({"move.date": moved}, (), persons=persons)
    return build_sheet(catalog, snapshot, result, TODAY), result


def test_sections_follow_where_the_family_goes(catalog):
    sheet, result = _sheet(catalog)
    city = {line.procedure.id for g in sheet.city_hall for line in g.lines}
    away = {line.procedure.id for g in sheet.elsewhere for line in g.lines}
    assert "tennyu.jidou-teate" in city and "hikkoshi.yuubin" in away
    assert all(g.department.kind == "internal" for g in sheet.city_hall)
    assert all(g.department.kind == "external" for g in sheet.elsewhere)
    shown = city | away | {x.procedure.id for x in sheet.automatic}
    assert shown == {o.procedure.id for o in result.applicable}
    order = list(catalog.departments)
    assert [order.index(g.department.id) for g in sheet.city_hall] == sorted(
        order.index(g.department.id) for g in sheet.city_hall
    )


def test_a_per_person_line_names_the_person(catalog):
    sheet, _ = _sheet(catalog)
    lines = [x for g in sheet.city_hall for x in g.lines if x.outcome.person == "p2"]
    assert lines and all(x.title.endswith(" — 子 陽菜さん") for x in lines)
    waiting = [x for x in sheet.undetermined if x.outcome.person == "p2" and x.waiting_labels]
    labels = {label for x in waiting for label in x.waiting_labels}
    assert "子 陽菜さんの健康保険" in labels and "県外からの転入" in labels  # a case fact is not the child's


def test_a_deadline_already_past_is_flagged_and_a_future_one_is_not(catalog):
    sheet, _ = _sheet(catalog)
    teate = next(x for g in sheet.city_hall for x in g.lines if x.procedure.id == "tennyu.jidou-teate")
    assert teate.outcome.deadline == date(2026, 11, 16) and teate.overdue
    assert "令和8年11月16日" in teate.deadline_text and teate in sheet.overdue
    fresh, _ = _sheet(catalog, moved=date(2026, 12, 1))
    assert not fresh.overdue


def test_marks_and_open_procedures(catalog):
    marks = {"tennyu.jidou-teate": "today", "hikkoshi.yuubin": "not_needed"}
    sheet, _ = _sheet(catalog, marks, {"tennyu.jidou-teate": "2番で受付"})
    teate = next(x for g in sheet.city_hall for x in g.lines if x.procedure.id == "tennyu.jidou-teate")
    assert (teate.plan_label, teate.note) == ("本日手続き", "2番で受付") and sheet.today_count == 1
    assert "hikkoshi.yuubin" not in {x.procedure.id for g in sheet.elsewhere for x in g.lines}
    assert sheet.undetermined and not sheet.settled
    assert sheet.issued == "令和8年12月4日" and sheet.event_date.startswith("令和8年11月1日")
