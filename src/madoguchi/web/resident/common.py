"""Helpers shared by the public pre-entry views and the counter-side resident views (no counter imports)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from madoguchi.catalog import Catalog, get_catalog
from madoguchi.guide import Guide, guide_for
from madoguchi.web.resident import i18n


def catalog() -> Catalog:
    return get_catalog(settings.CATALOG_PATH)


def guide(event_id: str) -> Guide:
    return guide_for(catalog(), event_id)


def language(request: HttpRequest) -> str:
    """?lang= chooses and is remembered in the session; otherwise the session's, otherwise やさしい日本語."""
    asked = request.GET.get("lang")
    if asked in i18n.LANGUAGES:
        request.session["lang"] = asked
        return asked
    return i18n.choose(request.session.get("lang"))


def base_context(request: HttpRequest, lang: str) -> dict:
    return {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "s": i18n.Strings(lang),
        "languages": list(i18n.LANGUAGES.items()),
        "municipality": catalog().municipality,
        "path": request.path,
    }
