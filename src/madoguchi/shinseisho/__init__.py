"""Application forms (申請書): field maps over the municipality's own layouts, filled from a case and printed.

Pure core (no Django). A form is a YAML field map in the catalog's ``forms/`` folder plus, optionally, the
municipality's PDF (``background:``); without a PDF the layout is generated from the same field map.
"""

from madoguchi.shinseisho import renderers
from madoguchi.shinseisho.loader import FormsError, FormSet, load_forms
from madoguchi.shinseisho.models import FieldSpec, FormTemplate
from madoguchi.shinseisho.render import (
    Bundle,
    FilledForm,
    FormRenderError,
    fill_form,
    render_bundle,
    render_form_pdf,
    render_grid_pdf,
)
from madoguchi.shinseisho.values import CaseData, ValueRef, parse_value_ref

__all__ = [
    "Bundle",
    "CaseData",
    "FieldSpec",
    "FilledForm",
    "FormRenderError",
    "FormSet",
    "FormTemplate",
    "FormsError",
    "ValueRef",
    "fill_form",
    "load_forms",
    "parse_value_ref",
    "render_bundle",
    "render_form_pdf",
    "render_grid_pdf",
    "renderers",
]
