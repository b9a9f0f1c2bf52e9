from django import template

from madoguchi.web.backoffice import catalog_names
from madoguchi.web.backoffice.catalog_names import department_name, procedure_name, target_name

register = template.Library()


for _name in ("procedure_name", "department_name", "target_name", "plugin_title"):
    register.filter(_name, getattr(catalog_names, _name))


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
