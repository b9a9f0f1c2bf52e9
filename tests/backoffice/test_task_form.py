"""Department staff open the filled form of their task (the sample catalog's 国保 資格喪失届)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from madoguchi.web.api.cases import create_case
from madoguchi.web.backoffice.models import Task
from madoguchi.web.counter.models import AuditEvent, Role
from madoguchi.web.counter.services import current_catalog

from .conftest import make_user

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"
SCENARIO = SAMPLE / "scenarios" / "okuyami" / "kokuho-68-setainushi-sansedai.yaml"

pytestmark = pytest.mark.django_db


def test_task_form_pdf(client, settings):
    settings.CATALOG_PATH = str(SAMPLE)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    facts = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))["facts"]
    clerk = make_user("clerk", Role.COUNTER_CLERK)
    case = create_case(
        {
            "event": "okuyami",
            "facts": facts,
            "persons": {"deceased": {"name": "緑川 太郎", "birth_date": "1958-01-10", "sex": "1"}},
            "finish": True,
        },
        clerk,
    )
    task = Task.objects.get(case=case, procedure_id="okuyami.kokuho-soushitsu")
    staff = make_user("nenkin1", Role.DEPARTMENT_STAFF, [task.department_id])
    other = make_user("other1", Role.DEPARTMENT_STAFF, ["zeimu"])
    client.force_login(other)
    assert client.get(f"/tasks/{task.pk}/form.pdf").status_code == 403
    client.force_login(staff)
    assert 'data-testid="task-form"' in client.get(f"/tasks/{task.pk}/").content.decode()
    response = client.get(f"/tasks/{task.pk}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="task.form", user=staff, case=case).exists()
    no_form = Task.objects.filter(case=case).exclude(procedure_id="okuyami.kokuho-soushitsu")
    catalog = current_catalog()
    without = next(t for t in no_form if not catalog.procedures[t.procedure_id].form)
    client.force_login(make_user("admin1", Role.ADMINISTRATOR))
    assert client.get(f"/tasks/{without.pk}/form.pdf").status_code == 404
