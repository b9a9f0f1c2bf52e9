"""申請書 at the counter: list the case's forms, preview and correct each, set one aside, print the bundle."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from madoguchi.shinseisho import FormRenderError, FormsError, renderers
from madoguchi.web.counter.models import Case
from madoguchi.web.counter.services import audit
from madoguchi.web.counter.views import COUNTER_ROLES, role_required
from madoguchi.web.shinseisho import services

try:  # the preview PDF is framed by our own page only
    from csp.decorators import csp_update

    _frame_self = csp_update({"frame-ancestors": ["'self'"]})
except ImportError:  # pragma: no cover

    def _frame_self(view):
        return view


def _case(number: str) -> Case:
    if not number or len(number) > 20:
        raise Http404
    return get_object_or_404(Case, number=number)


def _forms(request: HttpRequest, case: Case) -> services.CaseForms:
    url = request.build_absolute_uri(reverse("case-detail", kwargs={"number": case.number}))
    try:
        return services.case_forms(case, url)
    except FormsError as exc:
        raise FormsUnavailable(str(exc)) from None


class FormsUnavailable(Exception):
    pass


def _error_page(request, case, message: str, status: int = 500) -> HttpResponse:
    return render(request, "shinseisho/error.html", {"case": case, "message": message}, status=status)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*COUNTER_ROLES)
def form_list(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    try:
        forms = _forms(request, case)
    except FormsUnavailable as exc:
        return _error_page(request, case, f"申請書の様式に誤りがあります: {exc}")
    stats = services.record_stats(case, forms)
    departments = forms.state.catalog.departments
    audit(request, "forms.list", case)
    return render(
        request,
        "shinseisho/list.html",
        {
            "case": case,
            "forms": forms,
            "stats": stats,
            "departments": departments,
            "is_open": case.status == Case.Status.OPEN,
        },
    )


@require_GET
@role_required(*COUNTER_ROLES)
def form_detail(request: HttpRequest, number: str, form_id: str) -> HttpResponse:
    case = _case(number)
    try:
        forms = _forms(request, case)
    except FormsUnavailable as exc:
        return _error_page(request, case, str(exc))
    entry = forms.entry(form_id)
    if entry is None:
        raise Http404
    audit(request, "forms.view", case, form=form_id)
    rows = []
    for f in entry.filled.fields if entry.filled else []:
        ref = f.spec.value_ref
        rows.append(
            {
                "field": f,
                "editable": f.origin != "signature"
                and not (ref and any(w in ref.name for w in services.NEVER_STORED)),
                # A row of one 世帯員 stays on the form (services.correct_field); the rest flows back.
                "flows_back": bool(
                    ref
                    and (ref.source == "person" or ref.source == "fact")
                    and not (entry.form.rows and ref.role == entry.form.rows.role)
                ),
                "input_value": "" if f.value is None or f.spec.kind == "checkbox" else f.text,
            }
        )
    return render(
        request,
        "shinseisho/detail.html",
        {
            "case": case,
            "entry": entry,
            "rows": rows,
            "department": forms.state.catalog.departments.get(entry.planned.department),
            "is_open": case.status == Case.Status.OPEN,
        },
    )


@require_GET
@role_required(*COUNTER_ROLES)
@xframe_options_sameorigin
@_frame_self
def form_preview(request: HttpRequest, number: str, form_id: str) -> HttpResponse:
    case = _case(number)
    try:
        forms = _forms(request, case)
    except FormsUnavailable as exc:
        return _error_page(request, case, str(exc))
    entry = forms.entry(form_id)
    if entry is None:
        raise Http404
    if entry.filled is None:
        return _error_page(request, case, entry.error, 422)
    try:
        pdf = renderers.configured().render_form_pdf(forms.formset, entry.filled, forms.data)
    except (FormRenderError, renderers.RendererError) as exc:
        return _error_page(request, case, str(exc), 422)
    audit(request, "forms.preview", case, form=form_id)
    return _pdf(pdf, f"{form_id}-{case.number}.pdf")


@require_POST
@role_required(*COUNTER_ROLES)
def form_correct(request: HttpRequest, number: str, form_id: str) -> HttpResponse:
    case = _case(number)
    back = reverse("shinseisho-detail", kwargs={"number": case.number, "form_id": form_id})
    if case.status != Case.Status.OPEN:
        messages.error(request, "案内済みの案件は変更できません。案件を再開してください。")
        return redirect(back)
    field_name = request.POST.get("field", "")
    value = request.POST.get("value", "")
    if request.POST.get("kind") == "checkbox":
        value = "true" if request.POST.get("value") in ("true", "on") else "false"
    try:
        forms = _forms(request, case)
        written = services.correct_field(case, forms, form_id, field_name, value, request.user)
    except FormsUnavailable as exc:
        return _error_page(request, case, str(exc))
    except services.CorrectionError as exc:
        messages.error(request, f"{field_name}: {exc}")
        return redirect(back)
    audit(request, "forms.correct", case, form=form_id, field=field_name, written_back=written)
    messages.success(request, "修正しました。" + ("案件の情報にも反映しました。" if written else ""))
    return redirect(back)


@require_POST
@role_required(*COUNTER_ROLES)
def form_needed(request: HttpRequest, number: str, form_id: str) -> HttpResponse:
    case = _case(number)
    if case.status != Case.Status.OPEN:
        messages.error(request, "案内済みの案件は変更できません。案件を再開してください。")
        return redirect("shinseisho-list", number=case.number)
    try:
        forms = _forms(request, case)
    except FormsUnavailable as exc:
        return _error_page(request, case, str(exc))
    if forms.entry(form_id) is None:
        raise Http404
    not_needed = request.POST.get("not_needed") == "true"
    services.set_not_needed(case, form_id, not_needed, request.user)
    audit(request, "forms.not_needed" if not_needed else "forms.needed", case, form=form_id)
    return redirect("shinseisho-list", number=case.number)


@require_GET
@role_required(*COUNTER_ROLES)
def bundle_pdf(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    try:
        forms = _forms(request, case)
    except FormsUnavailable as exc:
        return _error_page(request, case, str(exc))
    if forms.errors:
        return _error_page(request, case, "印刷できない申請書があります: " + " / ".join(forms.errors), 422)
    printable = [e.filled for e in forms.printable if e.filled is not None]
    departments = {k: d.name for k, d in forms.state.catalog.departments.items()}
    try:
        bundle = renderers.configured().render_bundle(forms.formset, printable, forms.data, departments)
    except (FormRenderError, renderers.RendererError) as exc:
        return _error_page(request, case, str(exc), 422)
    pdf = bundle.pdf
    if request.GET.get("sheet") != "0":  # the take-home guidance sheet (手続き案内票) goes at the end
        from madoguchi.shinseisho.render import concatenate
        from madoguchi.web.counter import presenters
        from madoguchi.web.counter.sheet_pdf import render_sheet_pdf

        pdf = concatenate(pdf, render_sheet_pdf(presenters.sheet(forms.state)))
    stats = services.record_stats(case, forms, printed=True)
    audit(
        request, "forms.print", case, forms=len(printable), auto=stats.auto_fields, typed=stats.typed_fields
    )
    return _pdf(pdf, f"shinseisho-{case.number}.pdf")
