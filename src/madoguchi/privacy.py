"""Privacy helpers shared by every shell: masking of 個人番号 in text and logs."""

from __future__ import annotations

import logging
import os
import re

# 12 digits standing alone (half- or full-width, optionally grouped 4-4-4) look like a 個人番号.
# Separators: space, hyphen, hyphen (U+2010), full-width hyphen, ideographic space, minus sign.
_SEP = "[ \\-\u2010\uff0d\u3000\u2212]?"
_NUMBER = re.compile(
    f"(?<![0-9０-９])([0-9０-９]{{4}}){_SEP}([0-9０-９]{{4}}){_SEP}([0-9０-９]{{4}})(?![0-9０-９])"
)


def mask_individual_numbers(text: str) -> str:
    """Replace anything shaped like a 個人番号 with ``********1234`` (last 4 kept)."""
    return _NUMBER.sub(lambda m: "********" + m[3], text)


# A URL's query string (after a path or a full address): search terms, names and birth dates travel there.
_QUERY = re.compile(
    r"((?:^|[\s\"'(=])(?:[a-z][a-z0-9+.-]*://[^\s/?\"'<>]*)?/[^\s?\"'<>]*)\?[^\s\"'<>]+", re.I
)
QUERY_MASK = "?[masked]"


def mask_query_strings(text: str) -> str:
    """Replace the query string of every URL or path in ``text`` with ``?[masked]``."""
    return _QUERY.sub(lambda m: m[1] + QUERY_MASK, text)


def mask_log_text(text: str) -> str:
    """What every log line goes through: 個人番号-shaped numbers and query strings masked."""
    return mask_query_strings(mask_individual_numbers(text))


_EXCEPTION_FORMATTER = logging.Formatter()


class MaskIndividualNumbersFilter(logging.Filter):
    """A log filter that masks 個人番号-shaped numbers and URL query strings in every record — its message,
    its exception text (a ``ValueError`` quoting what was typed) and its stack — as a last line of defence.
    Attached to every handler: Django's (settings.LOGGING) and gunicorn's (madoguchi.web.project.serverlog)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not stop logging
            message = None
        if message is not None:
            masked = mask_log_text(message)
            if masked != message:
                record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log_text(record.stack_info)
        return True


def write_private_file(path, text: str) -> None:
    """Write a secret (a key, a token) readable by its owner only: created mode 0600, never wider even for
    a moment, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
