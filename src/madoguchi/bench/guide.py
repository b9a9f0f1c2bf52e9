"""Guide re-evaluation speed: one answer → full re-evaluation of a life event's catalog.

Many random answer orders with random values are replayed; every evaluation after an answer is timed.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from madoguchi.catalog import load_catalog
from madoguchi.catalog.models import Fact
from madoguchi.guide import Guide
from madoguchi.rules.scope import PersonFacts, role_of

HOUSEHOLD_CATALOG = Path(__file__).resolve().parent / "household"


def _random_value(fact: Fact, rng: random.Random) -> Any:
    if fact.type == "bool":
        return rng.random() < 0.5
    if fact.type == "choice":
        return rng.choice(list(fact.choice_values))
    if fact.type == "int":
        low = fact.min if fact.min is not None else 0
        high = fact.max if fact.max is not None else 100
        return rng.randint(low, min(high, low + 100))
    if fact.type == "date":
        return date(1930, 1, 1) + timedelta(days=rng.randint(0, 35000))
    return "テキスト"


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(
    catalog_path: str | Path, event: str = "okuyami", orders: int = 300, seed: int = 20261127
) -> dict[str, Any]:
    started = time.perf_counter()
    catalog = load_catalog(catalog_path)
    load_ms = (time.perf_counter() - started) * 1000
    guide = Guide(catalog, event)
    if guide.event.repeated_roles:
        # A household event (転入・転居・転出): six members, each with their own facts.
        household = run_persons(catalog_path, event, persons=6, orders=max(10, orders // 3), seed=seed)
        return {
            "guide_event": event,
            "guide_procedures": len(guide.procedures),
            "guide_persons": household["guide_persons_count"],
            "guide_evaluations": household["guide_persons_evaluations"],
            "guide_eval_p50_ms": household["guide_persons_eval_p50_ms"],
            "guide_eval_p99_ms": household["guide_persons_eval_p99_ms"],
            "catalog_load_ms": round(load_ms, 1),
        }
    askable = [f for f in catalog.facts_for(event) if f.askable]
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    timings: list[float] = []
    guide.evaluate({})  # warm caches once, as a running server would be
    for _ in range(orders):
        order = askable[:]
        rng.shuffle(order)
        known: dict[str, Any] = {}
        for fact in order:
            known[fact.name] = _random_value(fact, rng)
            t0 = time.perf_counter_ns()
            guide.evaluate(known)
            timings.append((time.perf_counter_ns() - t0) / 1e6)
    timings.sort()
    return {
        "guide_event": event,
        "guide_procedures": len(guide.procedures),
        "guide_askable_facts": len(askable),
        "guide_evaluations": len(timings),
        "guide_eval_p50_ms": round(statistics.median(timings), 4),
        "guide_eval_p99_ms": round(_percentile(timings, 0.99), 4),
        "guide_eval_max_ms": round(timings[-1], 4),
        "catalog_load_ms": round(load_ms, 1),
    }


def run_persons(
    catalog_path: str | Path = HOUSEHOLD_CATALOG,
    event: str = "moving",
    persons: int = 6,
    orders: int = 100,
    seed: int = 20261203,
) -> dict[str, Any]:
    """The same replay for a case with ``persons`` persons of each repeated role: every case fact and every
    person's fact answered in a random order, the guide re-evaluated after each answer."""
    catalog = load_catalog(catalog_path)
    guide = Guide(catalog, event)
    roles = [r.id for r in guide.event.repeated_roles]
    askable = [f for f in catalog.facts_for(event) if f.askable]
    case_facts = [f for f in askable if role_of(f.name) not in roles]
    keys = [(f, None, None) for f in case_facts] + [
        (f, role, f"{role}{i}")
        for role in roles
        for i in range(persons)
        for f in askable
        if role_of(f.name) == role
    ]
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    timings: list[float] = []
    for _ in range(orders):
        order = keys[:]
        rng.shuffle(order)
        known: dict[str, Any] = {}
        people = {f"{role}{i}": PersonFacts(f"{role}{i}", role, {}) for role in roles for i in range(persons)}
        for fact, _role, pid in order:
            value = _random_value(fact, rng)
            if fact.type == "date" and pid is not None:
                value = date(1940, 1, 1) + timedelta(days=rng.randint(0, 31000))
            if pid is None:
                known[fact.name] = value
            else:
                people[pid].values[fact.name] = value
            t0 = time.perf_counter_ns()
            guide.evaluate(known, persons=people.values())
            timings.append((time.perf_counter_ns() - t0) / 1e6)
    timings.sort()
    return {
        "guide_persons_event": event,
        "guide_persons_count": persons * len(roles),
        "guide_persons_evaluations": len(timings),
        "guide_persons_eval_p50_ms": round(statistics.median(timings), 4),
        "guide_persons_eval_p99_ms": round(_percentile(timings, 0.99), 4),
    }
