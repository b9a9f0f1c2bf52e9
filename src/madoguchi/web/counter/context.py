from madoguchi.web.counter.services import current_catalog


def municipality(request):
    try:
        catalog = current_catalog()
    except Exception:  # noqa: BLE001 - the page still renders; the error shows on the case pages
        catalog = None
    roles: set[str] = set()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from madoguchi.web.counter.views import user_roles

        roles = set(user_roles(user))
        if user.is_superuser:
            roles |= {"counter_clerk", "department_staff", "administrator", "auditor"}
    return {
        "municipality": catalog.municipality if catalog else None,
        "nav": {
            "counter": bool(roles & {"counter_clerk", "administrator"}),
            "department": bool(roles & {"department_staff", "administrator"}),
            "auditor": bool(roles & {"auditor", "administrator"}),
            "admin": "administrator" in roles,
        },
    }
