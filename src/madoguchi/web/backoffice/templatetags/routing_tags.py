from django import template

from madoguchi.web.counter.services import current_catalog

register = template.Library()


# A task, delivery or audit row keeps catalog ids; what a person reads is the catalog's name for them. The id
# is shown only when the catalog no longer has it (an old row after the catalog changed).
@register.filter
def procedure_name(procedure_id: str) -> str:
    proc = current_catalog().procedures.get(procedure_id)
    return proc.name if proc else procedure_id


@register.filter
def department_name(department_id: str) -> str:
    dept = current_catalog().departments.get(department_id)
    return dept.name if dept else department_id


@register.filter
def target_name(target_id: str) -> str:
    target = current_catalog().delivery_targets.get(target_id)
    return target.name if target else target_id


@register.filter
def plugin_title(plugin_id: str) -> str:
    from madoguchi.delivery.registry import get_plugin

    try:
        return get_plugin(plugin_id).title or plugin_id
    except KeyError:
        return plugin_id


@register.inclusion_tag("routing/_case_tasks.html")
def case_tasks(case):
    from madoguchi.web.backoffice.models import Delivery, Task

    tasks = list(Task.objects.filter(case=case).order_by("id")) if case and case.pk else []
    for t in tasks:
        t.procedure_name = procedure_name(t.procedure_id)
        t.department_name = department_name(t.department_id)
    remaining = sorted({t.department_name for t in tasks if t.open})
    # The clerk who finished the case sees whether its data reached the core systems, and why not.
    deliveries = list(Delivery.objects.filter(case=case).order_by("id")) if case and case.pk else []
    for d in deliveries:
        d.target_name = target_name(d.target_id)
        d.procedure_name = procedure_name(d.procedure_id)
        d.trouble = d.last_error if d.status != Delivery.Status.DELIVERED else ""
    return {
        "deliveries": deliveries,
        "delivery_counts": [
            (label, n)
            for value, label in Delivery.Status.choices
            if (n := sum(d.status == value for d in deliveries))
        ],
        "undelivered": [d for d in deliveries if d.trouble],
        "case": case,
        "tasks": tasks,
        "remaining": remaining,
        "returned": [t for t in tasks if t.status == "returned"],
    }
