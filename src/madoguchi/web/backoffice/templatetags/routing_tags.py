from django import template

from madoguchi.web.counter.services import current_catalog

register = template.Library()


@register.inclusion_tag("routing/_case_tasks.html")
def case_tasks(case):
    from madoguchi.web.backoffice.models import Delivery, Task

    catalog = current_catalog()
    tasks = list(Task.objects.filter(case=case).order_by("id")) if case and case.pk else []
    for t in tasks:
        proc = catalog.procedures.get(t.procedure_id)
        dept = catalog.departments.get(t.department_id)
        t.procedure_name = proc.name if proc else t.procedure_id
        t.department_name = dept.name if dept else t.department_id
    remaining = sorted({t.department_name for t in tasks if t.open})
    # The clerk who finished the case sees whether its data reached the core systems, and why not.
    deliveries = list(Delivery.objects.filter(case=case).order_by("id")) if case and case.pk else []
    for d in deliveries:
        target = catalog.delivery_targets.get(d.target_id)
        d.target_name = target.name if target else d.target_id
        d.procedure_name = getattr(catalog.procedures.get(d.procedure_id), "name", d.procedure_id)
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
