"""Form renderers as plug-ins: how filled forms become PDF, with a stable id, typed options (pydantic) and
``check_config()`` returning problems in words, in one :class:`madoguchi.plugins.PluginRegistry`
(``RENDERERS``) like the card transports, registry sources and delivery targets. The counter, the department
task pages and ``madoguchi forms`` take the renderer configured by ``MADOGUCHI_FORM_RENDERER`` (default
``overlay``).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import ClassVar

from pydantic import Field

from madoguchi import pdf_fonts
from madoguchi.plugins import Plugin, PluginOptions, PluginRegistry
from madoguchi.shinseisho.loader import FormSet
from madoguchi.shinseisho.render import Bundle, FilledForm, render_bundle, render_form_pdf
from madoguchi.shinseisho.values import CaseData

RENDERER_ENV = "MADOGUCHI_FORM_RENDERER"
DEFAULT_RENDERER = "overlay"


class RendererError(ValueError):
    """An unknown renderer id or options that do not fit it."""


class RendererOptions(PluginOptions):
    pass


class FormRenderer(Plugin, ABC):
    """A plug-in of ``RENDERERS``: sets ``id``, ``title`` and ``Options``."""

    Options: ClassVar[type[RendererOptions]] = RendererOptions
    options: RendererOptions

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


RENDERERS: PluginRegistry[FormRenderer] = PluginRegistry("form renderer", FormRenderer, error=RendererError)
register = RENDERERS.register


def renderer_ids() -> list[str]:
    return RENDERERS.ids()


def renderer_class(renderer_id: str) -> type[FormRenderer]:
    """RendererError naming the known ids when there is none."""
    return RENDERERS.get(renderer_id)


def create(renderer_id: str, options: dict | None = None) -> FormRenderer:
    return RENDERERS.create(renderer_id, options)


def check_config(renderer_id: str, options: dict | None = None) -> list[str]:
    """Problems with a renderer id and its options, without raising."""
    return RENDERERS.check_config(renderer_id, options)


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
        return render_form_pdf(formset, filled, case, markers=self.options.markers)

    def render_bundle(self, formset, forms, case, departments=None, cover=True):
        return render_bundle(formset, forms, case, departments, cover=cover, markers=self.options.markers)

    def check_config(self) -> list[str]:
        try:
            fonts = pdf_fonts.form_fonts()  # looked up on the module: tests replace it
        except pdf_fonts.FontError as exc:
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
        try:
            return ", ".join(f.path for f in pdf_fonts.form_fonts().fonts)
        except pdf_fonts.FontError:
            return "(no usable font)"
