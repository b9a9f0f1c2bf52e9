"""Issue #13, Medium 4: one write path for facts — a registry or card fact is replaced or cleared only with a
reason (kept as a FactOverride), and deliveries are built from the facts the clerk confirmed."""

import pytest
from django.urls import reverse

from madoguchi.web.counter.models import Case
from madoguchi.web.counter.services import FactRefused, current_catalog, finish_case, save_answer
from madoguchi.web.juki.models import FactOverride, Resident


def _attach_taro(client, case):
    taro = Resident.objects.get(name="窓口\u3000太郎")
    client.post(reverse("registry-attach", args=[case.number]), {"atena": taro.atena_no, "role": "deceased"})
    assert case.facts.get(name="deceased.death_date").source == "registry"


def test_a_plain_answer_does_not_replace_a_registry_fact(clerk_client, residents, okuyami_case):
    _attach_taro(clerk_client, okuyami_case)
    url = reverse("case-answer", args=[okuyami_case.number])
    response = clerk_client.post(
        url, {"fact": "deceased.death_date", "value": "2026-11-19"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "住基から取得した値です" in page and "理由" in page
    row = okuyami_case.facts.get(name="deceased.death_date")
    assert (row.value, row.source) == ("2026-11-20", "registry")
    assert not FactOverride.objects.exists()
    # With a reason the answer is written and the override recorded.
    response = clerk_client.post(
        url,
        {"fact": "deceased.death_date", "value": "2026-11-19", "reason": "死亡診断書で確認"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    row = okuyami_case.facts.get(name="deceased.death_date")
    assert (row.value, row.source) == ("2026-11-19", "interview")
    override = FactOverride.objects.get(case=okuyami_case)
    assert (override.fact, override.old_value, override.old_source, override.new_value) == (
        "deceased.death_date",
        "2026-11-20",
        "registry",
        "2026-11-19",
    )


def test_clearing_a_registry_fact_needs_a_reason(clerk_client, residents, okuyami_case):
    _attach_taro(clerk_client, okuyami_case)
    url = reverse("case-forget", args=[okuyami_case.number])
    response = clerk_client.post(url, {"fact": "deceased.death_date"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "理由" in response.content.decode()
    assert okuyami_case.facts.filter(name="deceased.death_date").exists()
    clerk_client.post(url, {"fact": "deceased.death_date", "reason": "別人の記録"}, HTTP_HX_REQUEST="true")
    assert not okuyami_case.facts.filter(name="deceased.death_date").exists()
    override = FactOverride.objects.get(case=okuyami_case)
    assert (override.old_value, override.new_value, override.reason) == ("2026-11-20", None, "別人の記録")


def test_the_delivery_says_the_date_the_case_confirmed(clerk_client, residents, okuyami_case):
    from madoguchi.web.backoffice.models import Delivery

    _attach_taro(clerk_client, okuyami_case)
    clerk_client.post(
        reverse("registry-override", args=[okuyami_case.number]),
        {"fact": "deceased.death_date", "value": "2026-11-19", "reason": "死亡診断書で確認"},
    )
    finish_case(okuyami_case)
    payloads = [d.payload for d in Delivery.objects.filter(case=okuyami_case)]
    dated = [p for p in payloads if "死亡年月日" in p]
    assert dated, payloads
    assert {p["死亡年月日"] for p in dated} == {"2026-11-19"}


def test_a_finished_case_refuses_a_change(clerk, residents, okuyami_case):
    finish_case(okuyami_case)
    okuyami_case.refresh_from_db()
    assert okuyami_case.status != Case.Status.OPEN
    fact = current_catalog().facts["deceased.health_insurance"]
    with pytest.raises(FactRefused, match="案内済み"):
        save_answer(okuyami_case, fact, "kokuho", clerk)
    assert not okuyami_case.facts.filter(name="deceased.health_insurance").exists()
