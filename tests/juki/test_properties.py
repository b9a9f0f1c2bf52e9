"""Hostile files and values: the importer and the date parser only ever report problems, never crash."""

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.juki.csv_import import ImportFailed, parse_csv
from madoguchi.juki.dates import RegistryDateError, parse_registry_date
from madoguchi.juki.generator import HEADER, iter_rows
from madoguchi.juki.mapping import STANDARD
from madoguchi.wareki import format_wareki

CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", "1", "0", "昭和25年3月4日", "年月日不詳", "世帯主", "子", "男", "999", "有", "要介護3", "肢体"]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=6))
def test_random_rows_give_records_or_located_errors(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    try:
        records, _ = parse_csv(buffer.getvalue().encode("utf-8"), STANDARD)
    except ImportFailed as exc:
        assert exc.errors and all(e.line >= 1 and e.reason for e in exc.errors)
    else:
        assert len(records) == sum(1 for r in rows if any(c.strip() for c in r) or len(r) > 1)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data):
    try:
        parse_csv(data, STANDARD)
    except ImportFailed as exc:
        assert exc.errors


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=29), st.integers(min_value=0, max_value=len(HEADER) - 1))
def test_mutated_generated_files_report_the_mutated_line(row_index, column):
    rows = list(iter_rows(30, seed=11))
    rows[row_index][column] = "\x00"  # a control character fits no item
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    with pytest.raises(ImportFailed) as info:
        parse_csv(buffer.getvalue().encode("utf-8"), STANDARD)
    assert row_index + 2 in {e.line for e in info.value.errors}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_dates_parse_or_explain(text):
    try:
        value = parse_registry_date(text)
    except RegistryDateError as exc:
        assert str(exc)
    else:
        assert value.to_date() is None or value.is_exact


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31)))
def test_every_calendar_date_round_trips_through_wareki(day):
    assert parse_registry_date(format_wareki(day)).to_date() == day
    assert parse_registry_date(day.isoformat()).to_date() == day
    assert (
        parse_registry_date(format_wareki(day + timedelta(days=0)))
        .display()
        .endswith(f"（{day.year}年{day.month}月{day.day}日）")
    )
