"""The counter guide engine (pure Python)."""

from madoguchi.guide.engine import (
    APPLICABLE,
    NOT_APPLICABLE,
    UNDETERMINED,
    Guide,
    GuideResult,
    Outcome,
    Question,
    guide_for,
)
from madoguchi.guide.facts import FactValueError, coerce_facts, coerce_value

__all__ = [
    "APPLICABLE",
    "NOT_APPLICABLE",
    "UNDETERMINED",
    "FactValueError",
    "Guide",
    "GuideResult",
    "Outcome",
    "Question",
    "coerce_facts",
    "coerce_value",
    "guide_for",
]
