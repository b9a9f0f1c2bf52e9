from django import template

register = template.Library()


@register.inclusion_tag("resident/_case_tools_inner.html", takes_context=True)
def resident_case_tools(context, case):
    from madoguchi.web.resident.counter_views import active_pairing

    request = context.get("request")
    pairing = active_pairing(case) if case is not None else None
    code = None
    if pairing is not None and not pairing.paired_at and request is not None:
        code = request.session.get(f"screen-code:{case.number}")
    return {
        "case": case,
        "pairing": pairing,
        "pair_code": code,
        "is_open": context.get("is_open"),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
