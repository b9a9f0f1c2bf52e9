from madoguchi.web.services import current_catalog


def municipality(request):
    try:
        catalog = current_catalog()
    except Exception:  # noqa: BLE001 - the page still renders; the error shows on the case pages
        return {"municipality": None}
    return {"municipality": catalog.municipality}
