"""The counter guide engine (pure Python)."""

from madoguchi.guide.answers import FactValueError, answer_text, parse_answer
from madoguchi.guide.engine import (
    APPLICABLE,
    NOT_APPLICABLE,
    UNDETERMINED,
    Guide,
    GuideResult,
    Outcome,
    Question,
    deadline_phrase,
    guide_for,
)
from madoguchi.guide.facts import coerce_facts

__all__ = [
    "APPLICABLE",
    "NOT_APPLICABLE",
    "UNDETERMINED",
    "FactValueError",
    "Guide",
    "GuideResult",
    "Outcome",
    "Question",
    "answer_text",
    "coerce_facts",
    "deadline_phrase",
    "guide_for",
    "parse_answer",
]
