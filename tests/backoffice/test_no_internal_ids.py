"""Issue #12 item 6: no catalog id, parameter name or Python repr in the text a user reads, on every page of a
finished おくやみ case (clerk, department staff, administrator)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from madoguchi.web.api.cases import create_case
from madoguchi.web.backoffice.models import Delivery, Task
from madoguchi.web.counter.models import Role
from madoguchi.web.counter.services import current_catalog

from .conftest import make_user

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"
SCENARIO = SAMPLE / "scenarios" / "okuyami" / "kokuho-68-setainushi-sansedai.yaml"

pytestmark = pytest.mark.django_db

# What a reader sees besides the text: these attributes are read out or shown on hover.
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
REPR = re.compile(r"\{'|'\}|\[\]|\bNone\b|\bTrue\b|\bFalse\b|object at 0x|\bparameter\b|Traceback")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        # A configuration id shown on purpose to the IT staff (the delivery pages) is marked as one.
        if tag in ("script", "style", "template") or (tag == "code" and ("class", "config-id") in attrs):
            self._hidden += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "code") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def internal_ids(catalog) -> set[str]:
    ids = set(catalog.procedures) | set(catalog.facts) | set(catalog.parameters)
    ids |= set(catalog.departments) | set(catalog.events) | set(catalog.delivery_targets)
    ids |= {proc.form for proc in catalog.procedures.values() if proc.form}
    return {i for i in ids if len(i) > 2}


def findings(text: str, ids: set[str]) -> list[str]:
    found = [m.group() for m in REPR.finditer(text)]
    for token in set(re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]", text)):
        if token in ids:
            found.append(token)
    return found


@pytest.fixture
def finished_case(settings):
    settings.CATALOG_PATH = str(SAMPLE)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    facts = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))["facts"]
    clerk = make_user("clerk", Role.COUNTER_CLERK)
    case = create_case(
        {
            "event": "okuyami",
            "facts": facts,
            "persons": {
                "deceased": {"name": "緑川 太郎", "birth_date": "1958-01-10", "sex": "1"},
                "applicant": {"name": "緑川 花子", "birth_date": "1960-04-02", "sex": "2"},
            },
            "finish": True,
        },
        clerk,
    )
    return case, clerk


def pages_of(client, case, clerk):
    catalog = current_catalog()
    client.force_login(clerk)
    # The same family's case while the questions are still being asked.
    facts = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))["facts"]
    first = dict(list(facts.items())[:3])
    open_case = create_case({"event": "okuyami", "facts": first}, clerk)
    yield "聞き取り中の案件", client.get(f"/cases/{open_case.number}/")
    yield "聞き取りを終える", client.get(f"/cases/{open_case.number}/finish")
    yield "案件一覧", client.get("/cases/")
    yield "案件", client.get(f"/cases/{case.number}/")
    yield "案内票", client.get(f"/cases/{case.number}/sheet")
    yield "申請書一覧", client.get(f"/cases/{case.number}/forms/")
    for proc_id in sorted({t.procedure_id for t in Task.objects.filter(case=case)}):
        form = catalog.procedures[proc_id].form
        if form:
            yield f"申請書 {form}", client.get(f"/cases/{case.number}/forms/{form}/")
    staff = make_user(
        "staff", Role.DEPARTMENT_STAFF, [d.id for d in catalog.departments.values() if d.kind == "internal"]
    )
    client.force_login(staff)
    yield "担当課の一覧", client.get("/tasks/")
    for task in Task.objects.filter(case=case).order_by("id"):
        yield f"担当課の作業 {task.procedure_id}", client.get(f"/tasks/{task.pk}/")
    client.force_login(make_user("admin1", Role.ADMINISTRATOR))
    yield "監査ログ", client.get("/audit/")
    yield "連携の一覧", client.get("/deliveries/")
    for delivery in Delivery.objects.filter(case=case).order_by("id")[:3]:
        yield f"連携 {delivery.pk}", client.get(f"/deliveries/{delivery.pk}/")


def test_no_internal_id_or_repr_on_any_page_of_a_finished_case(client, finished_case):
    case, clerk = finished_case
    ids = internal_ids(current_catalog())
    problems = {}
    for name, response in pages_of(client, case, clerk):
        assert response.status_code == 200, name
        if not name.startswith(("連携", "監査")):
            assert b"config-id" not in response.content, f"{name}: configuration ids are for the IT staff"
        if found := findings(visible_text(response.content.decode()), ids):
            problems[name] = sorted(set(found))
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_scan_catches_what_it_looks_for():
    ids = {"okuyami.kaigo-soushitsu", "kaigo"}
    text = visible_text(
        "<p>okuyami.kaigo-soushitsu（kaigo）: 未着手</p><p title=\"{'a': 1}\">x</p><script>None</script>"
    )
    assert sorted(findings(text, ids)) == ["kaigo", "okuyami.kaigo-soushitsu", "{'"]
