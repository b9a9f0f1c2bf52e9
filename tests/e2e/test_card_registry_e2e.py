"""The clerk reads the `demo` card through the card agent (a wrong PIN first: tries left are shown), finds
the deceased in the resident registry, and the guide never asks what the registry answered."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def login(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "madoguchi")
    page.fill("#id_password", "madoguchi-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/$"))


def test_card_and_registry_fill_the_case(browser, card_agent_server):
    from madoguchi.card.virtual import PROFILES

    number = PROFILES["demo"].my_number
    base = card_agent_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)
    csp_errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))
    sent_to_server: list[str] = []
    page.on(
        "request",
        lambda r: r.url.startswith(base) and r.method == "POST" and sent_to_server.append(r.post_data or ""),
    )
    try:
        login(page, base)
        page.click("button[name=event][value=okuyami]")
        page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
        case_url = page.url

        # The card: tries left before the PIN, a wrong PIN shows the tries left, then the right one.
        page.click("[data-testid=card-read]")
        status = page.locator("[data-testid=card-status]")
        page.wait_for_function(
            "() => /残り 3 回/.test(document.querySelector('[data-testid=card-status]').textContent)"
        )
        assert not page.locator("#card-last-try").is_visible()
        page.fill("[data-testid=card-pin]", "9999")
        page.click("[data-testid=card-pin-submit]")
        page.wait_for_function(
            "() => /残り 2 回/.test(document.querySelector('[data-testid=card-status]').textContent)"
        )
        assert "暗証番号が違います" in status.inner_text()
        assert page.locator("[data-testid=card-pin]").input_value() == ""
        # A second wrong PIN: one try left, and the clerk must confirm before the last attempt.
        page.fill("[data-testid=card-pin]", "0000")
        page.click("[data-testid=card-pin-submit]")
        page.wait_for_function(
            "() => /残り 1 回/.test(document.querySelector('[data-testid=card-status]').textContent)"
        )
        assert page.locator("#card-last-try").is_visible()
        page.fill("[data-testid=card-pin]", "1234")
        page.click("[data-testid=card-pin-submit]")
        page.wait_for_function(
            "() => /チェック/.test(document.querySelector('[data-testid=card-status]').textContent)"
        )
        page.check("#card-confirm-last")
        page.fill("[data-testid=card-pin]", "1234")
        page.click("[data-testid=card-pin-submit]")
        page.wait_for_selector("[data-testid=card-reading]")
        reading = page.locator("[data-testid=card-reading]").inner_text()
        assert "窓口\u3000花子" in reading and "有効" in reading and "テスト用カード" in reading
        assert page.locator("[data-testid=card-my-number-masked]").inner_text() == "********" + number[-4:]
        applicant = page.locator("details.person[data-role=applicant] summary").inner_text()
        assert "窓口\u3000花子" in applicant and "カード" in applicant
        # The PIN never went to the server, and the page never shows the full number.
        assert not any("1234" in body and "pin" in body for body in sent_to_server)
        assert not any("9999" in body or "0000" in body for body in sent_to_server)
        assert number not in page.content()

        # The registry: find the deceased and set him on the case.
        page.click("[data-testid=registry-search-link]")
        page.fill("[data-testid=search-name]", "窓口　太郎")
        page.click("[data-testid=search-submit]")
        row = page.locator("[data-testid=registry-results] tr", has_text="窓口\u3000太郎")
        assert "死亡" in row.inner_text()
        row.locator("[data-testid=attach]").click()
        page.wait_for_url(case_url)

        registry_facts = set()
        for tr in page.locator("[data-testid=answers] tr[data-fact]").all():
            if tr.locator(".source").inner_text().strip() == "住基":
                registry_facts.add(tr.get_attribute("data-fact"))
        assert {
            "deceased.birth_date",
            "deceased.death_date",
            "deceased.health_insurance",
            "deceased.was_householder",
            "deceased.care_certified",
            "household.remaining_members",
        } <= registry_facts
        deceased = page.locator("details.person[data-role=deceased] summary").inner_text()
        assert "窓口\u3000太郎" in deceased and "住基" in deceased

        # The clerk overrides a registry value with a reason (the family says the registry is out of date).
        page.locator("[data-testid=override] summary").click()
        row = page.locator("[data-testid=override] tr[data-fact='deceased.care_certified']")
        row.locator("select[name=value]").select_option("false")
        row.locator("input[name=reason]").fill("認定は先月取り消し済み（家族の申出）")
        row.locator("button[type=submit]").click()
        page.wait_for_url(case_url)
        answer = page.locator("[data-testid=answers] tr[data-fact='deceased.care_certified']")
        assert answer.locator(".source").inner_text().strip() != "住基"

        # The guide asks the rest, never what the registry answered.
        asked = []
        for _ in range(60):
            form = page.locator("form.question")
            if form.count() == 0:
                break
            fact = form.get_attribute("data-fact")
            assert fact not in registry_facts, f"the guide asked {fact}, which the registry answered"
            asked.append(fact)
            form.locator("button[name=skip]").click()
            page.wait_for_function(
                "f => { const q = document.querySelector('form.question'); return !q || q.dataset.fact !== f; }",
                arg=fact,
            )
        assert page.locator("form.question").count() == 0
        assert asked, "some questions are still for the family (e.g. the funeral)"
        assert not csp_errors, csp_errors
    finally:
        context.close()


def test_typing_less_kana_and_postal_code_suggestions(browser, card_agent_server):
    """For a person typed by hand: kana suggestions (confirmed by the clerk) and 郵便番号 → 住所."""
    base = card_agent_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, base)
        page.click("button[name=event][value=shintai-techo]")
        page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
        details = page.locator("details.person[data-role=applicant]")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        form = details.locator("form")
        form.locator("input[name=name]").fill("山田\u3000太郎")
        form.locator("input[name=name]").press("Tab")
        suggestion = form.locator(".kana-suggestions button").first
        assert "ヤマダ\u3000タロウ" in suggestion.inner_text()
        assert form.locator("input[name=kana]").input_value() == ""  # nothing filled without the clerk
        suggestion.click()
        assert form.locator("input[name=kana]").input_value() == "ヤマダ\u3000タロウ"
        assert not form.locator("input[name=kana_confirmed]").is_checked()  # confirmed only with the resident
        form.locator("input[name=postal_code]").fill("999-0003")
        form.locator("input[name=postal_code]").press("Tab")
        page.wait_for_function(
            "() => document.querySelector('details.person[data-role=applicant] input[name=address]').value !== ''"
        )
        assert form.locator("input[name=address]").input_value() == "架空県みどり市北町"
    finally:
        context.close()
