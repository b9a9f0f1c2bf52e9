"""A clerk prints the application forms of an おくやみ case in real Chromium, after correcting a value."""

from __future__ import annotations

import re
import subprocess

import pytest

from .test_counter_e2e import answer_current, current_fact, login

pytestmark = pytest.mark.e2e

# A fictional family: 国民健康保険, householder, funeral held by the visitor, a house in the city.
FAMILY = {
    "deceased.death_date": "令和8年11月20日",
    "deceased.birth_date": "1950-02-11",
    "deceased.health_insurance": "kokuho",
    "deceased.was_householder": "true",
    "household.remaining_members": "2",
    "household.remaining_members_15_or_older": "2",
    "funeral.held": "true",
    "funeral.host_is_applicant": "true",
    "deceased.care_certified": "true",
    "deceased.real_estate_in_city": "true",
    "deceased.resident_tax_payer": "true",
}


def test_forms_are_corrected_and_printed(page, madoguchi_server, pdftotext, tmp_path):
    base = madoguchi_server.url
    login(page, base)
    page.click("button[name=event][value=okuyami]")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    number = page.locator("[data-testid=case-number]").inner_text()
    for _ in range(80):
        if current_fact(page) is None:
            break
        answer_current(page, FAMILY)
    assert current_fact(page) is None

    page.click("[data-testid=forms-link]")
    page.wait_for_url(re.compile(r".*/forms/$"))
    table = page.locator("[data-testid=form-table]").inner_text()
    assert (
        "国民健康保険 資格喪失届" in table and "葬祭費支給申請書" in table and "相続人代表者指定届" in table
    )

    # Type the visitor's name on the 葬祭費 form: it becomes the case's applicant and fills every form.
    page.click("text=国民健康保険 葬祭費支給申請書")
    page.wait_for_url(re.compile(r".*/forms/kokuho-sousaihi/$"))
    page.fill("[data-testid=input-applicant_name]", "緑川　花子")
    page.click("[data-testid=save-applicant_name]")
    page.wait_for_selector("text=案件の情報にも反映しました")
    assert "緑川　花子" in page.locator("[data-testid=value-applicant_name]").inner_text()
    page.fill("[data-testid=input-bank_number]", "1234567")
    page.click("[data-testid=save-bank_number]")
    page.wait_for_selector("text=修正しました")

    page.goto(f"{base}/cases/{number}/forms/")
    assert "入力・修正 2" in page.locator("[data-testid=form-stats]").inner_text()
    response = page.request.get(f"{base}/cases/{number}/forms/bundle.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "bundle.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "申請書・届出書一式" in flat and number in flat
    assert flat.count("緑川花子") >= 3  # the corrected name is on every form the visitor signs
    assert "1234567" in flat or "1 2 3 4 5 6 7" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    assert page.csp_errors == []
