"""The form renderer registry: stable ids, typed options, check_config(), and the configured renderer."""

import pytest

from madoguchi.shinseisho import fill_form, renderers

from .conftest import pdftotext
from .test_render import _data, persons


def test_registry_ids_options_and_errors():
    assert "overlay" in renderers.renderer_ids()
    with pytest.raises(renderers.RendererError, match=r"unknown form renderer 'nope' \(known: .*overlay"):
        renderers.create("nope")
    with pytest.raises(renderers.RendererError, match="overlay options: colour"):
        renderers.create("overlay", {"colour": "red"})
    assert renderers.check_config("overlay", {"markers": "perhaps"})[0].startswith("overlay options: markers")
    assert renderers.check_config("nope") == ["unknown form renderer 'nope' (known: overlay)"]
    with pytest.raises(ValueError, match="already registered"):
        renderers.register(renderers.OverlayRenderer)


def test_the_installation_uses_the_configured_renderer(monkeypatch):
    monkeypatch.delenv(renderers.RENDERER_ENV, raising=False)
    assert renderers.configured().id == "overlay"
    monkeypatch.setenv(renderers.RENDERER_ENV, "nope")
    with pytest.raises(renderers.RendererError):
        renderers.configured()


def test_overlay_check_config_names_a_missing_rare_character_font(monkeypatch):
    from madoguchi import pdf_fonts

    fonts = pdf_fonts.form_fonts()
    assert renderers.check_config("overlay") == []  # CI installs IPAmj明朝
    without_mj = pdf_fonts.FontList([f for f in fonts.fonts if f.name != "MadoguchiFormMJ"])
    monkeypatch.setattr(pdf_fonts, "form_fonts", lambda: without_mj)
    assert ["IPAmj明朝" in p for p in renderers.check_config("overlay")] == [True]


def test_the_markers_option_is_what_the_renderer_prints(sample_catalog, sample_forms, tmp_path):
    data = _data(sample_catalog, persons())
    filled = fill_form(sample_forms.forms["kokuho-sousaihi"], data)
    with_markers = renderers.create("overlay").render_form_pdf(sample_forms, filled, data)
    without = renderers.create("overlay", {"markers": False}).render_form_pdf(sample_forms, filled, data)
    assert "2026-000777" in pdftotext(with_markers, tmp_path)
    assert "2026-000777" not in pdftotext(without, tmp_path)
    bundle = renderers.create("overlay", {"markers": False}).render_bundle(
        sample_forms, [filled], data, cover=False
    )
    assert "2026-000777" not in pdftotext(bundle.pdf, tmp_path) and bundle.forms == [filled]
