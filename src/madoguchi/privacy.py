"""Privacy helpers shared by every shell: masking of 個人番号 in text and logs."""

from __future__ import annotations

import logging
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


class MaskIndividualNumbersFilter(logging.Filter):
    """A log filter that masks 個人番号-shaped numbers in every record, as a last line of defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not stop logging
            return True
        masked = mask_individual_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
