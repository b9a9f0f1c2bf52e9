"""個人番号 masking in text and in log records."""

from __future__ import annotations

import logging
import sys

import pytest

from madoguchi.privacy import MaskIndividualNumbersFilter, mask_individual_numbers, mask_query_strings


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("123456789012", "********9012"),
        ("1234 5678 9012", "********9012"),
        ("1234-5678-9012", "********9012"),
        ("1234‐5678‐9012", "********9012"),  # U+2010 hyphen
        ("1234-5678 9012", "********9012"),
        ("１２３４５６７８９０１２", "********９０１２"),
        ("１２３４ ５６７８ ９０１２", "********９０１２"),
        ("個人番号:123456789012です", "個人番号:********9012です"),
        ("a123456789012b", "a********9012b"),
        ("111122223333 と 444455556666", "********3333 と ********6666"),
        ("id=123456789012\nnext", "id=********9012\nnext"),
    ],
)
def test_twelve_digit_numbers_are_masked(text, masked):
    assert mask_individual_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "1234567890123",  # 13 digits: a 法人番号, not a 個人番号
        "12345678901",  # 11 digits
        "090-1234-5678",  # a phone number
        "2026-11-27",
        "郵便番号 123-4567",
        "",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_individual_numbers(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "１２３４－５６７８－９０１２",
            "********９０１２",
        ),  # full-width hyphen U+FF0D, as typed in Japanese IMEs
        ("1234　5678　9012", "********9012"),  # ideographic space U+3000
        ("1234−5678−9012", "********9012"),  # minus sign U+2212
    ],
    ids=["full-width hyphen", "ideographic space", "minus sign"],
)
def test_japanese_separators_are_masked_too(text, masked):
    assert mask_individual_numbers(text) == masked


def _record(msg, *args) -> logging.LogRecord:
    return logging.LogRecord("madoguchi.test", logging.INFO, __file__, 1, msg, args or None, None)


def test_log_filter_masks_the_formatted_message():
    record = _record("card read for %s (%s)", "123456789012", "山田")
    assert MaskIndividualNumbersFilter().filter(record) is True
    assert record.getMessage() == "card read for ********9012 (山田)"
    assert record.args is None


def test_log_filter_leaves_clean_records_untouched():
    record = _record("case %d opened", 42)
    assert MaskIndividualNumbersFilter().filter(record) is True
    assert record.msg == "case %d opened"
    assert record.args == (42,)


def test_log_filter_keeps_records_with_a_broken_format_string():
    record = _record("%d items", "not a number")
    assert MaskIndividualNumbersFilter().filter(record) is True


def test_log_filter_on_a_real_logger(caplog):
    logger = logging.getLogger("madoguchi.test.privacy")
    mask = MaskIndividualNumbersFilter()
    logger.addFilter(mask)
    try:
        with caplog.at_level(logging.INFO, logger="madoguchi.test.privacy"):
            logger.info("番号 %s を確認", "1234 5678 9012")
            logger.warning("no number here")
    finally:
        logger.removeFilter(mask)
    assert [r.getMessage() for r in caplog.records] == ["番号 ********9012 を確認", "no number here"]
    assert "5678" not in caplog.text


def test_log_filter_masks_the_exception_text_of_a_bad_answer():
    """A bad integer answer quoting a 個人番号 reaches the log through the ValueError's text."""
    try:
        int("100000000013x")
    except ValueError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/cases/1",),
            sys.exc_info(),
        )
    assert MaskIndividualNumbersFilter().filter(record) is True
    line = logging.Formatter().format(record)
    assert "ValueError" in line and "********0013x" in line
    assert "100000000013" not in line


def test_log_filter_masks_query_strings_of_paths_and_urls():
    record = _record(
        '127.0.0.1 - - "GET /registry/search?q=100000000013&name=%s&birth=1950-04-01 HTTP/1.1" 200 "%s"',
        "山田太郎",
        "http://127.0.0.1:8000/registry/search?name=山田花子",
    )
    assert MaskIndividualNumbersFilter().filter(record) is True
    line = record.getMessage()
    for secret in ("100000000013", "0013", "山田太郎", "1950-04-01", "山田花子"):
        assert secret not in line
    assert '"GET /registry/search?[masked] HTTP/1.1"' in line
    assert '"http://127.0.0.1:8000/registry/search?[masked]"' in line


def test_a_question_mark_in_prose_is_not_a_query_string():
    assert mask_query_strings("本当に削除しますか? はい") == "本当に削除しますか? はい"
