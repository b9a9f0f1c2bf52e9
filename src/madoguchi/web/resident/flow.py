"""The resident's questions and summary, shared by pre-entry, the resident's screen and the self-service desk.

Imports only the pure core (catalog, guide), never the counter's models: the public pre-entry profile uses it
without the counter apps installed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from madoguchi.catalog import Catalog
from madoguchi.catalog.models import Fact
from madoguchi.guide import FactValueError, Guide, GuideResult, deadline_phrase, parse_answer
from madoguchi.guide.engine import (
    deadline_date,  # noqa: F401 - re-exported for templates' tests
    deadline_period,
)
from madoguchi.wareki import format_both
from madoguchi.web.resident import i18n


def to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def load_answers(guide: Guide, stored: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """``{fact: json value or None (わからない)}`` → known values and skipped names; drops what no longer fits."""
    known: dict[str, Any] = {}
    skipped: set[str] = set()
    for name, value in stored.items():
        fact = guide.catalog.facts.get(name)
        if fact is None or not fact.askable:
            continue
        if value is None:
            skipped.add(name)
            continue
        try:
            known[name] = parse_answer(fact, value, typed=True)
        except FactValueError:
            continue
    return known, skipped


def event_facts(catalog: Catalog, event_id: str) -> dict[str, Fact]:
    return {f.name: f for f in catalog.facts_for(event_id) if f.askable}


def question_view(fact: Fact, lang: str, current: Any = None) -> dict[str, Any]:
    value = ""
    if isinstance(current, bool):
        value = "true" if current else "false"
    elif current is not None:
        value = to_json(current)
    return {
        "name": fact.name,
        "type": fact.type,
        "text": i18n.fact_question(fact, lang, furigana=lang == "easy"),
        "help": i18n.fact_help(fact, lang),
        "choices": i18n.choice_labels(fact, lang) if fact.type == "choice" else [],
        "unit": fact.unit or "",
        "min": fact.min,
        "max": fact.max,
        "value": value,
    }


def progress(answered: int, result: GuideResult) -> dict[str, int]:
    remaining = len(result.questions)
    total = max(answered + remaining, 1)
    n = min(answered + 1, total)
    return {"n": n, "total": total, "percent": int(100 * answered / total)}


def deadline_text(catalog: Catalog, event_id: str, proc, due: date | None, lang: str) -> str:
    d = proc.deadline
    if d is None:
        return ""
    if due is not None:
        return due.isoformat() if lang == "en" else f"{format_both(due)}まで"
    if lang != "en" or d.text:
        return deadline_phrase(catalog, event_id, d)
    count, unit = deadline_period(d)
    return i18n.t("days_deadline", lang, period=f"{count} {unit}")


def summary(catalog: Catalog, result: GuideResult, lang: str) -> dict[str, Any]:
    """Applicable procedures (with department, documents and deadline) and the ones left for the counter."""

    def item(outcome):
        proc = outcome.procedure
        dept = catalog.departments[proc.department]
        texts = i18n.procedure_text(proc, lang)
        return {
            "id": proc.id,
            **texts,
            # Department names have no translations yet: marked as Japanese for screen readers (WCAG 3.1.2).
            "department": i18n.Text(((dept.name, None),), "ja"),
            "counter": i18n.Text(((dept.counter or "", None),), "ja"),
            "location": dept.location or "",
            "external": dept.kind == "external",
            "deadline": i18n.Text(
                ((deadline_text(catalog, result.event_id, proc, outcome.deadline, lang), None),),
                "en" if lang == "en" and not (proc.deadline and proc.deadline.text) else "ja",
            ),
            "handling": proc.handling,
        }

    applicable = [item(o) for o in result.applicable if o.procedure.handling != "automatic"]
    return {
        "applicable": applicable,
        "automatic": [item(o) for o in result.applicable if o.procedure.handling == "automatic"],
        "undetermined": [item(o) for o in result.undetermined],
    }


def answers_view(catalog: Catalog, stored: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for name, value in stored.items():
        fact = catalog.facts.get(name)
        if fact is None:
            continue
        if value is None:
            shown = i18n.t("unknown", lang)
        elif fact.type == "bool":
            shown = i18n.t("yes" if value else "no", lang)
        elif fact.type == "choice":
            shown = dict((v, str(t)) for v, t in i18n.choice_labels(fact, lang)).get(value, value)
        elif fact.type == "date":
            shown = value if lang == "en" else format_both(date.fromisoformat(value))
        else:
            shown = f"{value}{fact.unit or ''}"
        out.append({"name": name, "label": i18n.fact_label(fact, lang), "shown": shown})
    return out
