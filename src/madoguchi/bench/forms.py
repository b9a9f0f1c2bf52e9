"""Form rendering speed: the full おくやみ bundle for a family with many applicable forms, and single forms.

Fonts and backgrounds are loaded once (a warm-up render, as in a running server); then the bundle is rendered
``rounds`` times and every form on its own ``rounds`` times.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from madoguchi.case.sources import from_staff
from madoguchi.catalog import load_catalog
from madoguchi.guide import Guide, coerce_facts
from madoguchi.shinseisho.bundle import case_data, fill_planned, plan_forms
from madoguchi.shinseisho.loader import load_forms
from madoguchi.shinseisho.render import render_bundle, render_form_pdf

DATA = Path(__file__).resolve().parents[3] / "tests" / "forms" / "data"

# A fictional family for whom most おくやみ procedures with a form apply.
FAMILY_FACTS: dict[str, Any] = {
    "deceased.death_date": "2026-11-18",
    "deceased.birth_date": "1950-02-11",
    "deceased.health_insurance": "kokuho",
    "deceased.was_householder": True,
    "household.remaining_members": 3,
    "household.remaining_members_15_or_older": 2,
    "funeral.held": True,
    "funeral.date": "2026-11-21",
    "funeral.host_is_applicant": True,
    "deceased.care_certified": True,
    "deceased.disability_handbook": True,
    "deceased.severe_disability_medical": True,
    "deceased.child_allowance_recipient": True,
    "deceased.resident_tax_payer": True,
    "deceased.city_tax_direct_debit": True,
    "deceased.real_estate_in_city": True,
    "deceased.unregistered_building": True,
    "deceased.farmland_in_city": True,
    "deceased.light_vehicle": True,
    "deceased.moped": True,
    "deceased.municipal_housing": True,
    "deceased.water_account_holder": True,
    "deceased.dog_owner": True,
    "deceased.municipal_cemetery": True,
}
FAMILY = {
    "applicant": from_staff(
        dict(
            name="緑川　花子",
            kana="ミドリカワ　ハナコ",
            birth_date=date(1955, 7, 7),
            sex="2",
            postal_code="999-0012",
            address="架空県みどり市本町二丁目3番4号 みどりハイツ101号室",
            phone="0000-12-3456",
            relationship="妻",
        )
    ),
    "deceased": from_staff(
        dict(
            name="緑川　一郎",
            kana="ミドリカワ　イチロウ",
            birth_date=date(1950, 2, 11),
            death_date=date(2026, 11, 18),
            sex="1",
            postal_code="999-0012",
            address="架空県みどり市本町二丁目3番4号 みどりハイツ101号室",
        )
    ),
}


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def run(catalog_path: str | Path, rounds: int = 5) -> dict[str, Any]:
    catalog = load_catalog(catalog_path)
    formset = load_forms(catalog_path)
    guide = Guide(catalog, "okuyami")
    result = guide.evaluate(coerce_facts(catalog.facts, FAMILY_FACTS, "okuyami"))
    planned = plan_forms(catalog, formset, [o.id for o in result.applicable])
    data = case_data(
        catalog, "okuyami", result.values, FAMILY, number="2026-000001", url="/cases/2026-000001/"
    )
    departments = {k: d.name for k, d in catalog.departments.items()}

    def bundle() -> bytes:
        return render_bundle(formset, fill_planned(planned, data), data, departments).pdf

    t0 = time.perf_counter()
    first = bundle()  # loads fonts and backgrounds, as the first request of a server process would
    first_ms = (time.perf_counter() - t0) * 1000
    bundle_times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        bundle()
        bundle_times.append((time.perf_counter() - t0) * 1000)
    form_times = []
    for _ in range(rounds):
        for filled in fill_planned(planned, data):
            t0 = time.perf_counter()
            render_form_pdf(formset, filled, data)
            form_times.append((time.perf_counter() - t0) * 1000)
    return {
        "forms_bundle_forms": len(planned),
        "forms_bundle_pages": sum(p.form.pages for p in planned) + 1,
        "forms_bundle_bytes": len(first),
        "forms_first_bundle_ms": round(first_ms, 1),
        "forms_bundle_ms": round(statistics.median(bundle_times), 1),
        "form_p50_ms": round(_percentile(form_times, 0.5), 2),
        "form_p95_ms": round(_percentile(form_times, 0.95), 2),
    }


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(DATA.parents[2] / "catalogs" / "sample"), indent=2))
