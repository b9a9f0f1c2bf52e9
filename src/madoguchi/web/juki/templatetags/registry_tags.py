import os

from django import template

from madoguchi.card.address import agent_origin
from madoguchi.web.counter.models import CaseFact
from madoguchi.web.juki.models import CardEvidence, CaseRegistryLink, FactOverride

register = template.Library()


def agent_settings() -> dict:
    """Where the counter page finds the local card agent (MADOGUCHI_CARD_AGENT_URL, whose origin the CSP's
    connect-src allows) and the pairing token. An address the CSP would block (not http(s) on the loopback
    interface) counts as not set, so the button says so instead of failing in the browser."""
    url = os.environ.get("MADOGUCHI_CARD_AGENT_URL", "").strip()
    if not agent_origin(url):
        url = ""
    return {"url": url.rstrip("/"), "token": os.environ.get("MADOGUCHI_CARD_AGENT_TOKEN", "")}


@register.inclusion_tag("registry/_tools.html", takes_context=True)
def registry_case_tools(context, case):
    from madoguchi.web.counter.services import current_catalog
    from madoguchi.web.counter.views import has_role
    from madoguchi.web.juki import access
    from madoguchi.web.juki.views import MY_NUMBER_ROLES

    request = context.get("request")
    catalog = current_catalog()
    sourced = [
        (catalog.facts[row.name], row)
        for row in case.facts.all()
        if row.source in (CaseFact.Source.REGISTRY, CaseFact.Source.CARD) and row.name in catalog.facts
    ]
    readings = list(CardEvidence.objects.filter(case=case)[:3])
    links = list(CaseRegistryLink.objects.filter(case=case).select_related("resident"))
    event = catalog.events.get(case.event_id)
    household_event = bool(event and event.repeated_roles)
    from_registry = household_event and event.idou_jiyuu != "転入"  # those moving in are not in it yet
    match = _card_match(readings, [link for link in links if link.role == "applicant"])
    household_linked = any(link.role not in ("applicant", "deceased") for link in links)
    return {
        "request": request,
        "card_match": None if household_event else match,
        "household_match": match if from_registry and not household_linked else None,
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "is_open": case.status == "open",
        "links": links,
        "readings": readings,
        "overrides": list(FactOverride.objects.filter(case=case)[:20]),
        "sourced": sourced,
        "agent": agent_settings(),
        "reveal_uses": (
            access.reveal_uses(request.user, case)
            if request and has_role(request.user, *MY_NUMBER_ROLES)
            else []
        ),
        "event": catalog.events.get(case.event_id),
    }


def _card_match(readings, links):
    """The registry entry of the person whose card was read (same name and birth date), to offer setting the
    applicant from the registry too (フリガナ, 郵便番号, 続柄) when no applicant is linked yet."""
    from datetime import date

    from madoguchi.juki.records import search_key
    from madoguchi.web.juki.models import Resident

    if not readings or readings[0].signature != "valid" or any(link.role == "applicant" for link in links):
        return None
    result = readings[0].result
    try:
        born = date.fromisoformat(result.get("birth_date", ""))
    except (TypeError, ValueError):
        return None
    return (
        Resident.objects.filter(
            name_key=search_key(result.get("name", "")), birth_sort=born, status="resident"
        )
        .select_related("household")
        .first()
    )
