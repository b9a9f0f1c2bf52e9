"""Glue between a case in the database and the pure forms core (madoguchi.shinseisho)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.case import Person
from madoguchi.guide import FactValueError, parse_answer
from madoguchi.shinseisho import FormRenderError
from madoguchi.shinseisho.bundle import PlannedForm, case_data, plan_forms
from madoguchi.shinseisho.loader import FormSet, get_forms
from madoguchi.shinseisho.models import FieldSpec, FormTemplate
from madoguchi.shinseisho.render import FilledForm, fill_form
from madoguchi.shinseisho.values import CaseData, ValueRef
from madoguchi.web.counter.models import Case, CasePerson, ProcedureMark
from madoguchi.web.counter.services import CaseState, FactRefused, load_state, save_answer
from madoguchi.web.counter.snapshots import person_of
from madoguchi.web.shinseisho.models import FormFieldOverride, FormFillStats, FormStatus

# Values that must never be stored at the counter: printed blank and written by hand.
NEVER_STORED = ("mynumber",)


class CorrectionError(ValueError):
    pass


def current_forms() -> FormSet:
    return get_forms(settings.CATALOG_PATH)


def persons_of(case: Case) -> dict[str, Person]:
    return {p.role: person_of(p) for p in case.persons.all() if p.key == p.role}


def members_of(case: Case) -> dict[str, list[Person]]:
    """The persons of each repeated role, in the order they were added (p1, p2 …): the rows of a form."""
    out: dict[str, list[tuple[int, Person]]] = {}
    for p in case.persons.all():
        if p.key != p.role and p.key[1:].isdigit():
            out.setdefault(p.role, []).append((int(p.key[1:]), person_of(p)))
    return {
        role: [person for _, person in sorted(people, key=lambda x: x[0])] for role, people in out.items()
    }


@dataclass
class FormEntry:
    planned: PlannedForm
    filled: FilledForm | None
    error: str = ""
    not_needed: bool = False
    department_name: str = ""

    @property
    def form(self) -> FormTemplate:
        return self.planned.form

    @property
    def counts(self) -> dict[str, int]:
        return self.filled.counts if self.filled else {"auto": 0, "typed": 0, "empty": 0}


@dataclass
class CaseForms:
    state: CaseState
    formset: FormSet
    data: CaseData
    entries: list[FormEntry] = field(default_factory=list)

    @property
    def printable(self) -> list[FormEntry]:
        return [e for e in self.entries if not e.not_needed]

    @property
    def set_aside(self) -> list[FormEntry]:
        return [e for e in self.entries if e.not_needed]

    def entry(self, form_id: str) -> FormEntry | None:
        return next((e for e in self.entries if e.form.id == form_id), None)

    @property
    def counts(self) -> dict[str, int]:
        out = {"auto": 0, "typed": 0, "empty": 0}
        for e in self.printable:
            for k, v in e.counts.items():
                out[k] += v
        return out

    @property
    def errors(self) -> list[str]:
        return [e.error for e in self.printable if e.error]


def case_forms(case: Case, case_url: str = "") -> CaseForms:
    """The forms of the case's applicable procedures (not those marked 不要), filled from the case."""
    state = load_state(case)
    catalog = state.catalog
    formset = current_forms()
    skipped_procedures = {pid for pid, m in state.marks.items() if m.plan == ProcedureMark.Plan.NOT_NEEDED}
    applicable = [o.id for o in state.result.applicable if o.id not in skipped_procedures]
    planned = plan_forms(catalog, formset, applicable)
    rows = list(FormFieldOverride.objects.filter(case=case))
    overrides = {(r.form_id, r.field): r.value for r in rows if not r.written_back}
    typed = {(r.form_id, r.field) for r in rows}
    aside = set(FormStatus.objects.filter(case=case, not_needed=True).values_list("form_id", flat=True))
    data = case_data(
        catalog,
        case.event_id,
        state.result.values,
        persons_of(case),
        number=case.number,
        today=timezone.localdate(),
        url=case_url,
        overrides=overrides,
        members=members_of(case),
    )
    result = CaseForms(state, formset, data)
    for p in planned:
        try:
            filled = fill_form(p.form, data)
            filled.procedures, filled.department = list(p.procedures), p.department
            for f in filled.fields:
                if (p.form.id, f.spec.name) in typed and f.origin != "signature":
                    f.origin = "typed"
            error = ""
        except FormRenderError as exc:
            filled, error = None, str(exc)
        dept = catalog.departments.get(p.department)
        name = dept.name if dept else p.department
        result.entries.append(FormEntry(p, filled, error, p.form.id in aside, name))
    return result


def record_stats(case: Case, forms: CaseForms, printed: bool = False) -> FormFillStats:
    counts = forms.counts
    stats, _ = FormFillStats.objects.get_or_create(case=case)
    stats.forms = len(forms.printable)
    stats.auto_fields, stats.typed_fields, stats.empty_fields = (
        counts["auto"],
        counts["typed"],
        counts["empty"],
    )
    stats.updated_at = timezone.now()
    if printed:
        stats.printed_at = stats.updated_at
    stats.save()
    return stats


def _spec(entry: FormEntry, name: str) -> FieldSpec:
    fields = [f.spec for f in entry.filled.fields] if entry.filled else entry.form.fields
    spec = next((f for f in fields if f.name == name), None)
    if spec is None or spec.kind == "signature":
        raise CorrectionError("この欄は修正できません")
    return spec


def _write_person(case: Case, ref: ValueRef, raw: str, user) -> None:
    from madoguchi.case.vocab import SEX_LABELS
    from madoguchi.web.counter.inputs import PersonForm
    from madoguchi.web.counter.services import save_staff_person

    role, attr = ref.role, ref.attr
    person = CasePerson.objects.filter(case=case, role=role).first() or CasePerson(case=case, role=role)
    data = {name: getattr(person, name) or "" for name in PersonForm.Meta.fields}
    for name in ("birth_date", "death_date"):
        value = data[name]
        data[name] = value.isoformat() if isinstance(value, date) else value
    data["kana_confirmed"] = "on" if person.kana_confirmed else ""
    if attr == "sex":
        codes = {label: code for code, label in SEX_LABELS.items()}  # the form prints the label
        raw = codes.get(raw.strip(), raw.strip())
    data[attr] = raw
    form = PersonForm(data, instance=person)
    if not form.is_valid():
        errors = form.errors.get(attr) or next(iter(form.errors.values()))
        raise CorrectionError(str(errors[0]))
    person = form.save(commit=False)
    person.updated_by = user
    person.save()
    # Only the corrected item flows back to the case's facts.
    save_staff_person(case, person, {attr: form.cleaned_data.get(attr)}, user, repeated=False)


def _write_fact(case: Case, ref: ValueRef, raw: str, checkbox: bool, user) -> bool:
    """Write a corrected fact back to the case. False when the value cannot be expressed as the fact."""
    catalog = load_state(case).catalog
    fact = catalog.facts.get(ref.name)
    if fact is None or fact.derive is not None:
        return False
    if checkbox:
        checked = raw in ("true", "on", "1")
        if ref.compare is None:
            text = "true" if checked else "false"
        elif fact.type == "bool":
            literal = ref.compare[1].lower() == "true"
            equal = checked if ref.compare[0] == "==" else not checked
            text = "true" if (literal if equal else not literal) else "false"
        elif (ref.compare[0] == "==") == checked:
            text = ref.compare[1]  # ticking "== kokuho" means the value is kokuho
        else:
            return False  # unticking a choice does not say which other choice it is
    else:
        text = raw  # a choice's label and はい/いいえ as printed on the form are read by parse_answer
    try:
        value = parse_answer(fact, text)
    except FactValueError as exc:
        raise CorrectionError(str(exc)) from None
    try:
        save_answer(case, fact, value, user, source="interview")
    except FactRefused as exc:
        raise CorrectionError(str(exc)) from None
    return True


@transaction.atomic
def correct_field(case: Case, forms: CaseForms, form_id: str, field_name: str, raw: str, user) -> str:
    """Store a typed or corrected value; write it back to the case where the field shows case data.

    Returns where it was written back ('' when only the form holds it). Raises CorrectionError for the clerk.
    """
    entry = forms.entry(form_id)
    if entry is None:
        raise CorrectionError("この案件の申請書ではありません")
    spec = _spec(entry, field_name)
    ref = spec.value_ref
    assert ref is not None
    raw = (raw or "").strip()
    if len(raw) > 500:
        raise CorrectionError("500文字以内で入力してください")
    if any(word in ref.name for word in NEVER_STORED):
        raise CorrectionError("個人番号は保存しません。印刷した申請書にご本人が記入してください")
    # The value must print: check it with the field's own formatting and fitting before storing anything.
    trial = CaseData(
        **{**forms.data.__dict__, "overrides": {**forms.data.overrides, (form_id, field_name): raw}}
    )
    try:
        filled = fill_form(entry.form, trial)
        from madoguchi.shinseisho.render import render_form_pdf

        render_form_pdf(forms.formset, filled, trial, markers=False)
    except FormRenderError as exc:
        raise CorrectionError(str(exc).split(": ", 2)[-1]) from None
    written = ""
    rows = entry.form.rows
    if rows is not None and ref.role == rows.role:
        pass  # a row of one 世帯員: kept on the form (the person is corrected on the case page)
    elif ref.source == "person" and raw and ref.compare is None:
        _write_person(case, ref, raw, user)
        written = f"person:{ref.name}"
    elif ref.source == "fact" and raw:
        if _write_fact(case, ref, raw, spec.kind == "checkbox", user):
            written = f"fact:{ref.name}"
    FormFieldOverride.objects.update_or_create(
        case=case,
        form_id=form_id,
        field=field_name,
        defaults={"value": "" if written else raw, "written_back": written, "updated_by": user},
    )
    return written


def set_not_needed(case: Case, form_id: str, not_needed: bool, user) -> None:
    FormStatus.objects.update_or_create(
        case=case, form_id=form_id, defaults={"not_needed": not_needed, "updated_by": user}
    )
