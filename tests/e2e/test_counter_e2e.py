"""A clerk completes an おくやみ case in real Chromium; the server restarts in the middle of it."""

from __future__ import annotations

import re
import subprocess

import pytest

pytestmark = pytest.mark.e2e

# A fictional family: 緑川 太郎 (82) died on 2026-11-20; he was in 後期高齢者医療, the householder, lived with
# his wife, received a pension and had care certification. Facts not listed get a neutral answer.
FAMILY = {
    "deceased.death_date": "令和8年11月20日",
    "deceased.birth_date": "1944-03-15",
    "deceased.health_insurance": "kouki",
    "deceased.care_certified": "true",
    "deceased.pension_recipient": "true",
    "deceased.disability_handbook": "false",
    "deceased.seal_registered": "true",
    "deceased.was_householder": "true",
    "household.remaining_members": "1",
    "household.remaining_members_15_or_older": "1",
    "deceased.child_allowance_recipient": "false",
    "deceased.real_estate_in_city": "true",
    "deceased.light_vehicle": "false",
    "deceased.municipal_housing": "false",
    "deceased.foreign_resident": "false",
    "funeral.held": "true",
    "funeral.host_is_applicant": "true",
}


def login(page, base: str, user: str = "madoguchi", password: str = "madoguchi-demo") -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/$"))


def current_fact(page) -> str | None:
    form = page.locator("form.question")
    if form.count() == 0:
        return None
    return form.get_attribute("data-fact")


def answer_current(page, answers: dict[str, str] = FAMILY) -> str:
    """Answer the question on screen from ``answers`` (or neutrally), the way a clerk would click or type."""
    fact = current_fact(page)
    form = page.locator("form.question")
    value = answers.get(fact)
    text_input = form.locator("input[name=value]")
    if text_input.count():
        if value is None:
            value = "2026-11-22" if "date-input" in (text_input.get_attribute("class") or "") else "0"
        text_input.fill(value)
        text_input.press("Enter")
    else:
        buttons = form.locator("button[name=value]")
        if value is None:
            value = (
                "false"
                if form.locator("button[value=false]").count()
                else buttons.first.get_attribute("value")
            )
        form.locator(f"button[name=value][value='{value}']").click()
    # htmx swaps the panels; wait until the question changed (or all are answered).
    page.wait_for_function(
        "f => { const q = document.querySelector('form.question'); return !q || q.dataset.fact !== f; }",
        arg=fact,
    )
    return fact


def test_okuyami_case_end_to_end_with_restart(page, madoguchi_server, pdftotext, tmp_path):
    base = madoguchi_server.url
    login(page, base)
    page.click("button[name=event][value=okuyami]")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    number = page.locator("[data-testid=case-number]").inner_text()
    case_url = page.url

    # The first question is the date of death; the list already shows what every family needs.
    assert current_fact(page) == "deceased.death_date"
    assert page.locator("[data-procedure='okuyami.shibou-todoke']").count() == 1

    answered = [answer_current(page) for _ in range(4)]
    assert answered[0] == "deceased.death_date"
    rows_before = page.locator("[data-testid=answers] tr[data-fact]").count()
    assert rows_before == 4

    # The server process is restarted mid-case; the page reloads and everything is still there.
    madoguchi_server.restart()
    page.goto(case_url)
    assert page.locator("[data-testid=answers] tr[data-fact]").count() == rows_before
    assert "令和8年11月20日（2026年11月20日）" in page.locator("[data-testid=answers]").inner_text()

    for _ in range(60):
        if current_fact(page) is None:
            break
        fact = answer_current(page)
        assert fact not in answered, f"{fact} was asked twice"
        answered.append(fact)
    assert current_fact(page) is None, "the guide kept asking"
    assert page.locator("[data-testid=all-answered]").count() == 1
    # Only questions that matter were asked: never more than the dictionary holds, and nothing already given.
    assert len(answered) == len(set(answered))

    # Procedures appear with reasons, counters and deadlines.
    panel = page.locator("#procedure-panel")
    kouki = panel.locator(
        "[data-procedure='okuyami.kouki-soushitsu'], [data-procedure^='okuyami.kouki']"
    ).first
    assert kouki.count() == 1
    assert "後期高齢者医療" in kouki.inner_text()
    assert panel.locator("[data-procedure='okuyami.kokuho-soushitsu']").count() == 0
    assert "期限" in panel.inner_text()
    assert int(page.locator("[data-testid=applicable-count]").inner_text()) >= 10
    assert page.locator("[data-testid=undetermined]").count() == 0

    # Mark the death registration as done today with a note.
    proc = panel.locator("[data-procedure='okuyami.shibou-todoke']")
    # One click sets the plan: only this card is redrawn, the page does not jump and the focus stays.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 3)")
    button = page.locator("[id='mark-okuyami.shibou-todoke-today']")
    button.scroll_into_view_if_needed()
    scroll_before = page.evaluate("window.scrollY")
    button.click()
    page.wait_for_selector("[data-procedure='okuyami.shibou-todoke'].plan-today")
    assert button.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.id") == "mark-okuyami.shibou-todoke-today"
    assert abs(page.evaluate("window.scrollY") - scroll_before) < 5
    # The memo sits in the details; saving it keeps the plan.
    proc.locator("summary").click()
    proc.locator("input[name=note]").fill("葬儀社が提出済み")
    page.click("[id='note-save-okuyami.shibou-todoke']")
    page.wait_for_function(
        "() => document.querySelector(\"[data-procedure='okuyami.shibou-todoke'] summary\")"
        "?.textContent.includes('メモあり')"
    )
    assert "plan-today" in (proc.get_attribute("class") or "")
    # The filter shows only what is done today.
    page.click(".procedure-filter [data-filter=today]")
    assert proc.is_visible()
    assert panel.locator("[data-procedure='okuyami.kouki-soushitsu']").first.is_hidden()
    page.click(".procedure-filter [data-filter='']")
    assert panel.locator("[data-procedure='okuyami.kouki-soushitsu']").first.is_visible()

    # Finish → the guidance sheet, then its PDF with the case number and the procedures in its text.
    page.click("[data-testid=finish-start]")
    page.wait_for_url(re.compile(r".*/finish$"))
    page.click("text=終えて担当課へ送る")
    page.wait_for_url(re.compile(r".*/sheet$"))
    sheet = page.locator("article.sheet").inner_text()
    assert number in sheet and "死亡届" in sheet and "市役所以外での手続き" in sheet
    response = page.request.get(f"{base}/cases/{number}/sheet.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "手続き案内票" in text and number in text and "死亡届" in text and "後期高齢者医療" in text
    assert page.csp_errors == []


def test_keyboard_only_answers(page, madoguchi_server):
    base = madoguchi_server.url
    login(page, base)
    page.focus("button[name=event][value=okuyami]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    # The date field has the focus as soon as the page is there: type and press Enter.
    page.wait_for_function("() => document.activeElement?.matches('form.question input.date-input')")
    page.keyboard.type("R8.11.20")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('form.question')?.dataset.fact !== 'deceased.death_date'"
    )
    # After the swap the focus is on the next question's first control: Enter answers it.
    first = page.evaluate(
        "document.activeElement && document.activeElement.closest('form.question') !== null"
    )
    assert first, "focus was not moved to the new question"
    before = page.locator("form.question").get_attribute("data-fact")
    if page.evaluate("document.activeElement.tagName") == "INPUT":
        is_date = page.evaluate("document.activeElement.classList.contains('date-input')")
        page.keyboard.type("1944-03-15" if is_date else "1")
    page.keyboard.press("Enter")
    page.wait_for_function("f => document.querySelector('form.question')?.dataset.fact !== f", arg=before)
    assert page.locator("[data-testid=answers] tr[data-fact]").count() == 2
    assert page.csp_errors == []


def test_shintai_techo_case_lists_schemes(page, madoguchi_server):
    """A resident just granted a 1級 limb handbook: the guide lists the schemes they can now use."""
    answers = {
        "applicant.application_date": "2026-11-27",
        "applicant.birth_date": "昭和50年6月1日",
        "applicant.handbook_status": "granted",
        "applicant.disability_grade": "1",
        "applicant.disability_type": "limb",
    }
    login(page, madoguchi_server.url)
    page.click("button[name=event][value=shintai-techo]")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    seen = []
    for _ in range(60):
        if current_fact(page) is None:
            break
        seen.append(answer_current(page, answers))
    assert current_fact(page) is None
    assert len(seen) == len(set(seen))
    panel = page.locator("#procedure-panel").inner_text()
    assert int(page.locator("[data-testid=applicable-count]").inner_text()) >= 8
    assert "障害者控除" in panel or "特別障害者" in panel
    assert page.locator("[data-testid=undetermined]").count() == 0


def test_refused_inputs_are_shown_next_to_their_field(page, madoguchi_server):
    """htmx drops non-2xx answers by default: a refused date, a refused person field and a failure of the
    server must each say why on the page, in the form that sent them (#12 item 1)."""
    base = madoguchi_server.url
    login(page, base)
    page.click("button[name=event][value=okuyami]")
    page.wait_for_url(re.compile(r".*/cases/\d{4}-\d{6}/$"))
    date = page.locator("form.question input.date-input")
    date.fill("今日")
    date.press("Enter")
    error = page.locator("form.question [data-testid=error], #question-panel [data-testid=error]")
    error.wait_for()
    assert "日付" in error.inner_text() or "日" in error.inner_text()
    assert current_fact(page) == "deceased.death_date"  # still the same question
    assert page.locator("form.question input.date-input").input_value() in {"今日", ""}

    # A person form lies outside the panels it redraws: its refusal stands in that form.
    person = page.locator("details.person[data-role=deceased]")
    if not person.evaluate("d => d.open"):
        person.locator("summary").click()
    form = person.locator("form.person-form")
    form.locator("input[name=birth_date]").fill("13月40日")
    form.locator("button[type=submit]").click()
    message = form.locator(".form-error[role=alert]")
    message.wait_for()
    assert "生年月日" in message.inner_text()
    assert page.locator("#question-panel > [data-testid=error]").count() == 0  # said once, where it belongs
    assert form.locator("input[name=birth_date]").input_value() == "13月40日"  # kept as typed
    assert page.evaluate("document.activeElement.name") == "birth_date"

    # A failure that is not about the input (here: the session ended) still says something in the form.
    page.context.clear_cookies()
    form.locator("input[name=birth_date]").fill("1944-03-15")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => !document.querySelector('details.person[data-role=deceased] .form-error')?.textContent"
        ".includes('生年月日')"
    )
    assert form.locator(".form-error").inner_text().strip() != ""
    assert "Traceback" not in page.content()
