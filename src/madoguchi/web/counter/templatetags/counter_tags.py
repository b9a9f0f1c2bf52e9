"""Template tags for the counter screen.

A case page shows dozens of procedure cards, list lines and answered rows, and every answer re-renders them
although most did not change. These tags render each once per distinct content and keep the HTML with the
loaded catalog (a reloaded catalog starts afresh). The request's CSRF token is put in afterwards, so a kept
fragment never carries another session's token.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable

from django import template
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from madoguchi.web.counter.inputs import PersonForm

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


def _renderer(context, template_name: str, csrf: bool = True) -> Callable[[tuple, dict], str]:
    """``render(key, values)`` for one kind of fragment in this response: kept HTML for ``key``, or the
    template rendered with ``values``; forms get this request's CSRF token."""
    template = get_template(template_name)
    token = str(context.get("csrf_token") or "") if csrf else ""
    if csrf and token in ("", "NOTPROVIDED"):
        return lambda key, values: template.render(values)
    cache, language = fragments_for(context["catalog"]), get_language()
    if not csrf:
        return lambda key, values: cache.get_or_render(
            (template_name, language, *key), lambda: template.render(values)
        )
    token = conditional_escape(token)

    def render(key: tuple, values: dict) -> str:
        html = cache.get_or_render(
            (template_name, language, *key),
            lambda: template.render({**values, "csrf_token": CSRF_PLACEHOLDER}),
        )
        return html.replace(CSRF_PLACEHOLDER, token)

    return render


@register.simple_tag(takes_context=True)
def procedure_cards(context, views) -> SafeString:
    """The procedure cards (``counter/_procedure.html``) for a list of ProcedureView."""
    render = _renderer(context, "counter/_procedure.html")
    shared = {"is_open": context["is_open"], "plans": context["plans"], "urls": context["urls"]}
    mark_url = shared["urls"]["mark"]
    return mark_safe(  # noqa: S308 - output of an autoescaping template
        "".join(
            render(
                (
                    v.mark_key,
                    v.person_label,
                    tuple(v.outcome.reasons),
                    v.deadline_text,
                    v.plan,
                    v.note,
                    shared["is_open"],
                    mark_url,
                ),
                {**shared, "v": v},
            )
            for v in views
        )
    )


@register.simple_tag(takes_context=True)
def procedure_items(context, views, kind: str) -> SafeString:
    """The lines of the undetermined or not-applicable list (``counter/_procedure_item.html``)."""
    render = _renderer(context, "counter/_procedure_item.html", csrf=False)
    return mark_safe(  # noqa: S308 - output of an autoescaping template
        "".join(
            render(
                (
                    kind,
                    v.mark_key,
                    v.person_label,
                    tuple(v.waiting_labels) if kind == "undetermined" else tuple(v.outcome.reasons),
                ),
                {"v": v, "kind": kind},
            )
            for v in views
        )
    )


@register.simple_tag(takes_context=True)
def answered_rows(context, answered) -> SafeString:
    """The rows of the answered table (``counter/_answered_row.html``) for a list of AnsweredFact."""
    render = _renderer(context, "counter/_answered_row.html")
    shared = {"is_open": context["is_open"], "urls": context["urls"]}
    forget_url = shared["urls"]["forget"]
    return mark_safe(  # noqa: S308 - output of an autoescaping template
        "".join(
            render(
                (a.key, a.person_label, a.shown, a.source, a.skipped, shared["is_open"], forget_url),
                {**shared, "a": a},
            )
            for a in answered
        )
    )


# What a person form shows: the fields the clerk edits and where the data came from.
PERSON_FIELDS = (*PersonForm.Meta.fields, "source")


@register.simple_tag(takes_context=True)
def person_form(context, pp) -> SafeString:
    """The form for one person of the case (``counter/_person.html``) for PersonPanel ``pp``."""
    values = {"pp": pp, "sexes": context["sexes"], "urls": context["urls"], "is_open": context["is_open"]}
    refused = context.get("person_error")
    if refused and refused.role == pp.role and refused.key == (pp.key or ""):
        # The form that was refused: drawn afresh (never kept) with what was typed and why, next to it.
        typed = dataclasses.replace(pp, person=refused.person)
        return mark_safe(  # noqa: S308 - output of an autoescaping template
            get_template("counter/_person.html").render(
                {**values, "pp": typed, "refused": refused, "csrf_token": context.get("csrf_token")}
            )
        )
    person = pp.person
    shown = tuple(getattr(person, f) for f in PERSON_FIELDS) if person is not None else None
    key = (
        pp.role,
        pp.key,
        pp.label,
        pp.age_text,
        pp.birth_text,
        pp.death_text,
        shown,
        values["urls"]["person"],
    )
    return mark_safe(_renderer(context, "counter/_person.html")(key, values))  # noqa: S308
