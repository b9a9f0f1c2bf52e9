"""Parsing what residents type: full-width digits, units, dates in both calendars, sizes."""

from __future__ import annotations

from datetime import date

import pytest

from madoguchi.catalog import load_catalog
from madoguchi.guide import FactValueError, parse_answer

from .conftest import MINI_CATALOG


@pytest.fixture(scope="module")
def facts():
    return load_catalog(MINI_CATALOG).facts


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("h.members", "３", 3),
        ("h.members", "2人", 2),
        ("h.members", " 0 ", 0),
        ("p.pension", "true", True),
        ("p.pension", "false", False),
        ("p.insurance", "kouki", "kouki"),
        ("ev.date", "2026-11-20", date(2026, 11, 20)),
        ("ev.date", "令和8年11月20日", date(2026, 11, 20)),
    ],
)
def test_accepted(facts, name, raw, value):
    assert parse_answer(facts[name], raw) == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("h.members", "-1"),
        ("h.members", "21"),
        ("h.members", "1e3"),
        ("h.members", "9" * 201),
        ("p.pension", "yes"),
        ("p.insurance", "KOKUHO"),
        ("ev.date", "1700-01-01"),
        ("ev.date", "tomorrow"),
        ("ev.date", None),
    ],
)
def test_refused(facts, name, raw):
    with pytest.raises(FactValueError):
        parse_answer(facts[name], raw)
