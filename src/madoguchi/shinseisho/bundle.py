"""From a guide result to the ordered list of forms to print (department order, then procedure order)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from madoguchi.case import Person
from madoguchi.catalog.loader import Catalog
from madoguchi.shinseisho.loader import FormSet
from madoguchi.shinseisho.models import FormTemplate
from madoguchi.shinseisho.render import FilledForm, fill_form
from madoguchi.shinseisho.values import CaseData


@dataclass
class PlannedForm:
    form: FormTemplate
    department: str
    procedures: list[str] = field(default_factory=list)


def plan_forms(
    catalog: Catalog, formset: FormSet, procedure_ids: Iterable[str], skip: Iterable[str] = ()
) -> list[PlannedForm]:
    """The forms of the given (applicable) procedures, each once, in the catalog's department order.

    A procedure naming a form the catalog does not have is skipped here; ``madoguchi forms check`` reports it.
    """
    skip = set(skip)
    order = {dept_id: i for i, dept_id in enumerate(catalog.departments)}
    proc_order = {pid: i for i, pid in enumerate(catalog.procedures)}
    planned: dict[str, PlannedForm] = {}
    for pid in sorted(procedure_ids, key=lambda p: proc_order.get(p, 10**6)):
        proc = catalog.procedures.get(pid)
        if proc is None or not proc.form or proc.form in skip:
            continue
        form = formset.forms.get(proc.form)
        if form is None:
            continue
        entry = planned.get(form.id)
        if entry is None:
            entry = planned[form.id] = PlannedForm(form, form.department or proc.department)
        entry.procedures.append(pid)
    return sorted(
        planned.values(),
        key=lambda p: (order.get(p.department, 10**6), proc_order.get(p.procedures[0], 10**6)),
    )


def case_data(
    catalog: Catalog,
    event_id: str,
    values: Mapping[str, Any],
    persons: Mapping[str, Person],
    *,
    number: str = "",
    today: date | None = None,
    url: str = "",
    overrides: Mapping[tuple[str, str], str] | None = None,
    members: Mapping[str, list[Person]] | None = None,
) -> CaseData:
    m = catalog.municipality
    return CaseData(
        number=number,
        event=event_id,
        event_name=catalog.events[event_id].name if event_id in catalog.events else event_id,
        idou_jiyuu=catalog.events[event_id].idou_jiyuu if event_id in catalog.events else "",
        today=today or date.today(),
        persons=dict(persons),
        members={role: list(people) for role, people in (members or {}).items()},
        facts=dict(values),
        fact_labels={name: f.choice_values for name, f in catalog.facts.items() if f.choices},
        municipality={
            "name": m.name,
            "full_name": m.name,
            "prefecture": m.prefecture,
            "address": m.address or "",
            "phone": m.phone or "",
            "postal_code": m.postal_code or "",
        },
        overrides=dict(overrides or {}),
        url=url,
    )


def fill_planned(planned: list[PlannedForm], data: CaseData) -> list[FilledForm]:
    out = []
    for p in planned:
        filled = fill_form(p.form, data)
        filled.procedures = list(p.procedures)
        filled.department = p.department
        out.append(filled)
    return out
