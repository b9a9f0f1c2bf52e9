"""Form renderers as plug-ins: how filled forms become PDF, with a stable id, typed options (pydantic) and
``check_config()`` returning problems in words — like the card transports, registry sources and delivery
targets. The counter, the department task pages and ``madoguchi forms`` take the renderer configured by
``MADOGUCHI_FORM_RENDERER`` (default ``overlay``).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from madoguchi.forms.loader import FormSet
from madoguchi.forms.render import Bundle, FilledForm
from madoguchi.forms.values import CaseData
from madoguchi.plugin_options import option_problems

RENDERER_ENV = "MADOGUCHI_FORM_RENDERER"
DEFAULT_RENDERER = "overlay"


class RendererError(ValueError):
    """An unknown renderer id or options that do not fit it."""


class RendererOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormRenderer(ABC):
    id: ClassVar[str]
    title: ClassVar[str]
    Options: ClassVar[type[RendererOptions]] = RendererOptions

    def __init__(self, options: RendererOptions):
        self.options = options

    @abstractmethod
    def render_form_pdf(self, formset: FormSet, filled: FilledForm, case: CaseData) -> bytes:
        """One filled form (the preview)."""

    @abstractmethod
    def render_bundle(
        self,
        formset: FormSet,
        forms: list[FilledForm],
        case: CaseData,
        departments: dict[str, str] | None = None,
        cover: bool = True,
    ) -> Bundle:
        """Every filled form in one PDF to print and sign, after a cover page listing them."""

    def check_config(self) -> list[str]:
        """Problems with this renderer on this machine, in words (empty: usable)."""
        return []

    def describe(self) -> str:
        """What it will print with, for the settings page."""
        return self.id


_RENDERERS: dict[str, type[FormRenderer]] = {}


def register(cls: type[FormRenderer]) -> type[FormRenderer]:
    if not getattr(cls, "id", "") or cls.id in _RENDERERS:
        raise ValueError(f"form renderer id {getattr(cls, 'id', '')!r} is empty or taken")
    _RENDERERS[cls.id] = cls
    return cls


def renderer_ids() -> list[str]:
    return sorted(_RENDERERS)


def renderer_class(renderer_id: str) -> type[FormRenderer]:
    try:
        return _RENDERERS[renderer_id]
    except KeyError:
        raise RendererError(
            f"unknown form renderer {renderer_id!r} (known: {', '.join(renderer_ids())})"
        ) from None


def create(renderer_id: str, options: dict | None = None) -> FormRenderer:
    cls = renderer_class(renderer_id)
    try:
        return cls(cls.Options(**(options or {})))
    except ValidationError as exc:
        raise RendererError(f"{renderer_id} options: " + "; ".join(option_problems(exc))) from None


def check_config(renderer_id: str, options: dict | None = None) -> list[str]:
    """Problems with a renderer id and its options, without raising."""
    try:
        renderer = create(renderer_id, options)
    except RendererError as exc:
        return [str(exc)]
    return renderer.check_config()


def configured_id() -> str:
    return os.environ.get(RENDERER_ENV, "").strip() or DEFAULT_RENDERER


def configured() -> FormRenderer:
    """The renderer this installation uses (``MADOGUCHI_FORM_RENDERER``); RendererError when it is unknown."""
    return create(configured_id())


# --- the ReportLab overlay (decision 0006) ------------------------------------------------------------------


class OverlayOptions(RendererOptions):
    markers: bool = Field(True, description="print the case reference and QR code on every page")


@register
class OverlayRenderer(FormRenderer):
    """Values drawn with ReportLab at the field map's positions, merged onto the municipality's PDF (or onto a
    layout generated from the field map) with pypdf; fonts embedded (MADOGUCHI_FORM_FONT, MADOGUCHI_MJ_FONT)."""

    id = "overlay"
    title = "ReportLab overlay on the municipality's PDF forms"
    Options = OverlayOptions

    def render_form_pdf(self, formset, filled, case):
        from madoguchi.forms.render import render_form_pdf

        return render_form_pdf(formset, filled, case, markers=self.options.markers)

    def render_bundle(self, formset, forms, case, departments=None, cover=True):
        from madoguchi.forms.render import render_bundle

        return render_bundle(formset, forms, case, departments, cover=cover, markers=self.options.markers)

    def check_config(self) -> list[str]:
        from madoguchi.pdf_fonts import FontError, form_fonts

        try:
            fonts = form_fonts()
        except FontError as exc:
            return [str(exc)]
        problems = []
        if os.environ.get("MADOGUCHI_FORM_FONT") and fonts.primary.path != os.environ["MADOGUCHI_FORM_FONT"]:
            problems.append(f"MADOGUCHI_FORM_FONT is not usable; forms print in {fonts.primary.path}")
        if not any(f.name == "MadoguchiFormMJ" for f in fonts.fonts):
            problems.append(
                "no IPAmj明朝 (MADOGUCHI_MJ_FONT, Debian fonts-ipamj-mincho): names with rare characters or IVS "
                "are flagged on the counter instead of printed"
            )
        return problems

    def describe(self) -> str:
        from madoguchi.pdf_fonts import FontError, form_fonts

        try:
            return ", ".join(f.path for f in form_fonts().fonts)
        except FontError:
            return "(no usable font)"
