from django import template

from madoguchi.web.counter.services import current_catalog

register = template.Library()


@register.inclusion_tag("routing/_case_tasks.html")
def case_tasks(case):
    from madoguchi.web.backoffice.models import Task

    catalog = current_catalog()
    tasks = list(Task.objects.filter(case=case).order_by("id")) if case and case.pk else []
    for t in tasks:
        proc = catalog.procedures.get(t.procedure_id)
        dept = catalog.departments.get(t.department_id)
        t.procedure_name = proc.name if proc else t.procedure_id
        t.department_name = dept.name if dept else t.department_id
    remaining = sorted({t.department_name for t in tasks if t.open})
    return {
        "case": case,
        "tasks": tasks,
        "remaining": remaining,
        "returned": [t for t in tasks if t.status == "returned"],
    }
