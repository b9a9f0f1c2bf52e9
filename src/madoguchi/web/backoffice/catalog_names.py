"""Catalog names for ids kept in task, delivery and audit rows: what a person reads is the catalog's name.
The id is shown only when the catalog no longer has it (an old row after the catalog changed)."""

from __future__ import annotations

from madoguchi.web.counter.services import current_catalog


def procedure_name(procedure_id: str) -> str:
    proc = current_catalog().procedures.get(procedure_id)
    return proc.name if proc else procedure_id


def department_name(department_id: str) -> str:
    dept = current_catalog().departments.get(department_id)
    return dept.name if dept else department_id


def target_name(target_id: str) -> str:
    target = current_catalog().delivery_targets.get(target_id)
    return target.name if target else target_id


def plugin_title(plugin_id: str) -> str:
    from madoguchi.delivery.registry import get_plugin

    try:
        return get_plugin(plugin_id).title or plugin_id
    except KeyError:
        return plugin_id
