"""Prepare the server's master process before gunicorn forks its workers."""

from __future__ import annotations

import gc

# What the counter renders on nearly every request; compiled once in the master, shared by the workers.
WARM_TEMPLATES = (
    "base.html",
    "counter/case.html",
    "counter/_panels.html",
    "counter/_question.html",
    "counter/_procedures.html",
    "counter/_procedure.html",
    "counter/_procedure_item.html",
    "counter/_answered_row.html",
    "counter/_person.html",
)


def prepare_server_process() -> None:
    """Load what every request needs (the catalog, its guides, the counter templates) once, then take it out
    of the garbage collector's way. A full collection over a warm process's ~130,000 objects stops every
    thread for ~70 ms — under load most of the counter's slowest answers. ``gc.freeze`` moves everything
    loaded so far to a generation that is never scanned; forked workers inherit that (and share the pages).
    Opens no database connection (a connection must not cross a fork)."""
    from django.conf import settings
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    from madoguchi.catalog import CatalogError, get_catalog
    from madoguchi.guide import guide_for

    try:
        catalog = get_catalog(settings.CATALOG_PATH)
    except CatalogError:
        catalog = None  # the pages show the located errors; nothing to warm
    if catalog is not None:
        for event_id in catalog.events:
            guide_for(catalog, event_id)
    for name in WARM_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            pass  # e.g. the pre-entry profile has no counter templates
    gc.collect()
    gc.freeze()
