"""Template tags for the counter screen.

A case page shows dozens of procedure cards and answered rows, and every answer re-renders them although
most did not change. ``procedure_card`` and ``answered_row`` render each once per distinct content and keep
the HTML with the loaded catalog (a reloaded catalog starts afresh). The request's CSRF token is put in
afterwards, so a kept fragment never carries another session's token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from django import template
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_FRAGMENTS = 5000  # per loaded catalog and process; a fragment is ~1 KB
CSRF_PLACEHOLDER = "madoguchi-csrf-token-placeholder"


class FragmentCache:
    """A bounded, thread-safe LRU of rendered fragments (gunicorn runs several threads per process)."""

    def __init__(self, limit: int = MAX_FRAGMENTS):
        self.limit = limit
        self.items: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()

    def get_or_render(self, key: tuple, render: Callable[[], str]) -> str:
        with self.lock:
            html = self.items.get(key)
            if html is not None:
                self.items.move_to_end(key)
                return html
        html = render()
        with self.lock:
            self.items[key] = html
            while len(self.items) > self.limit:
                self.items.popitem(last=False)
        return html


def fragments_for(catalog) -> FragmentCache:
    cache = catalog.memo.get("counter_fragments")
    if cache is None:
        cache = catalog.memo.setdefault("counter_fragments", FragmentCache())
    return cache


def _fragment(context, template_name: str, key: tuple, values: dict, csrf: bool = True) -> SafeString:
    if not csrf:
        return mark_safe(  # noqa: S308 - output of an autoescaping template
            fragments_for(context["catalog"]).get_or_render(
                (template_name, get_language(), *key), lambda: get_template(template_name).render(values)
            )
        )
    token = context.get("csrf_token")
    if not token or str(token) == "NOTPROVIDED":
        return mark_safe(get_template(template_name).render(values))  # noqa: S308 - autoescaped template
    html = fragments_for(context["catalog"]).get_or_render(
        (template_name, get_language(), *key),
        lambda: get_template(template_name).render({**values, "csrf_token": CSRF_PLACEHOLDER}),
    )
    return mark_safe(html.replace(CSRF_PLACEHOLDER, conditional_escape(str(token))))  # noqa: S308


@register.simple_tag(takes_context=True)
def procedure_card(context, v) -> SafeString:
    """One procedure card (``counter/_procedure.html``) for ProcedureView ``v``."""
    values = {"v": v, "is_open": context["is_open"], "plans": context["plans"], "urls": context["urls"]}
    key = (
        v.procedure.id,
        tuple(v.outcome.reasons),
        v.deadline_text,
        v.plan,
        v.note,
        values["is_open"],
        values["urls"]["mark"],
    )
    return _fragment(context, "counter/_procedure.html", key, values)


@register.simple_tag(takes_context=True)
def procedure_item(context, v, kind: str) -> SafeString:
    """One line of the undetermined or not-applicable list (``counter/_procedure_item.html``)."""
    detail = tuple(v.waiting_labels) if kind == "undetermined" else tuple(v.outcome.reasons)
    values = {"v": v, "kind": kind}
    return _fragment(
        context, "counter/_procedure_item.html", (kind, v.procedure.id, detail), values, csrf=False
    )


@register.simple_tag(takes_context=True)
def answered_row(context, a) -> SafeString:
    """One row of the answered table (``counter/_answered_row.html``) for AnsweredFact ``a``."""
    values = {"a": a, "is_open": context["is_open"], "urls": context["urls"]}
    key = (a.fact.name, a.shown, a.source, a.skipped, values["is_open"], values["urls"]["forget"])
    return _fragment(context, "counter/_answered_row.html", key, values)


PERSON_FIELDS = (
    "name",
    "kana",
    "kana_confirmed",
    "birth_date",
    "death_date",
    "sex",
    "postal_code",
    "address",
    "phone",
    "relationship",
    "source",
)


@register.simple_tag(takes_context=True)
def person_form(context, pp) -> SafeString:
    """The form for one person of the case (``counter/_person.html``) for PersonPanel ``pp``."""
    values = {"pp": pp, "sexes": context["sexes"], "urls": context["urls"]}
    person = pp.person
    shown = tuple(getattr(person, f) for f in PERSON_FIELDS) if person is not None else None
    key = (pp.role, pp.label, pp.birth_text, pp.death_text, shown, values["urls"]["person"])
    return _fragment(context, "counter/_person.html", key, values)
