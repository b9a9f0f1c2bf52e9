"""The counter's kept fragments (procedure cards, answered rows, person forms): what a clerk sees is what
the case holds, and a kept fragment never carries another session's CSRF token."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.web.counter.models import Case, Role
from madoguchi.web.counter.services import current_catalog
from madoguchi.web.counter.templatetags.counter_tags import FragmentCache, fragments_for

from .conftest import make_user
from .test_counter import answer, new_case

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _page(client: Client, case: Case) -> str:
    response = client.get(reverse("case-detail", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_session_gets_its_own_token_in_kept_fragments(db):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(make_user("clerk-a", Role.COUNTER_CLERK))
    second.force_login(make_user("clerk-b", Role.COUNTER_CLERK))
    helper = Client()
    helper.force_login(make_user("clerk-c", Role.COUNTER_CLERK))
    case = new_case(helper)
    answer(helper, case, "ev.date", "2026-11-20")
    answer(helper, case, "p.insurance", "kokuho")

    page_a = _page(first, case)
    kept = len(fragments_for(current_catalog()).items)
    page_b = _page(second, case)
    assert len(fragments_for(current_catalog()).items) == kept  # the second page came from kept fragments
    assert 'data-procedure="kokuho"' in page_b and 'data-fact="p.insurance"' in page_b

    tokens_a, tokens_b = set(TOKEN.findall(page_a)), set(TOKEN.findall(page_b))
    assert len(tokens_b) == 1 and not tokens_a & tokens_b  # one token per response, never the other's
    mark = reverse("case-mark", args=[case.number])
    data = {"procedure": "always", "plan": "today", "note": ""}
    assert second.post(mark, {**data, "csrfmiddlewaretoken": tokens_a.pop()}).status_code == 403
    assert second.post(mark, {**data, "csrfmiddlewaretoken": tokens_b.pop()}).status_code == 302


def test_cards_show_the_latest_plan_note_and_answer(clerk_client):
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-11-20")
    page = _page(clerk_client, case)
    assert 'id="mark-always-today" value="today" aria-pressed="false"' in page
    clerk_client.post(
        reverse("case-mark", args=[case.number]),
        {"procedure": "always", "plan": "today", "note": "窓口で受付"},
    )
    page = _page(clerk_client, case)
    card = page[page.index('data-procedure="always"') :]
    card = card[: card.index("</article>")]
    assert 'id="mark-always-today" value="" aria-pressed="true"' in card and 'value="窓口で受付"' in card

    answer(clerk_client, case, "ev.date", "2026-11-25")  # a new date moves the deadline in the card
    page = _page(clerk_client, case)
    assert "令和8年12月1日" in page  # 7 days counting the first day from 2026-11-25
    rows = page[page.index('data-testid="answers"') :]
    assert "2026" in rows and "11月25日" in rows and "11月20日" not in rows


def test_one_click_redraws_only_that_card_and_keeps_the_note(clerk_client):
    case = new_case(clerk_client)
    answer(clerk_client, case, "ev.date", "2026-11-20")
    mark = reverse("case-mark", args=[case.number])
    hx = {"HTTP_HX_REQUEST": "true"}
    clerk_client.post(mark, {"procedure": "always", "note": "窓口で受付", "fragment": "procedure"}, **hx)
    response = clerk_client.post(
        mark, {"procedure": "always", "plan": "today", "fragment": "procedure"}, **hx
    )
    card = response.content.decode()
    assert response.status_code == 200
    assert card.strip().startswith("<article") and card.count("<article") == 1  # only this card
    assert 'data-procedure="always"' in card and 'data-plan="today"' in card
    assert 'id="mark-always-today" value="" aria-pressed="true"' in card  # pressing it again clears it
    assert 'value="窓口で受付"' in card  # the plan click kept the note
    assert "<details" in card and '<details class="p-details" open' not in card

    # Saving the memo keeps the plan, and the details stay open for the focus in them.
    response = clerk_client.post(
        mark, {"procedure": "always", "note": "届出人は長男", "fragment": "procedure"}, **hx
    )
    card = response.content.decode()
    assert 'data-plan="today"' in card and 'value="届出人は長男"' in card and 'class="p-details" open' in card

    # A refused memo keeps what was typed, says why next to it, and changes nothing.
    response = clerk_client.post(
        mark, {"procedure": "always", "note": "あ" * 501, "fragment": "procedure"}, **hx
    )
    card = response.content.decode()
    assert response.status_code == 422 and "500文字以内" in card and 'aria-invalid="true"' in card
    assert "あ" * 501 in card
    response = clerk_client.post(mark, {"procedure": "always", "plan": "", "fragment": "procedure"}, **hx)
    card = response.content.decode()
    assert 'data-plan="none"' in card and 'value="届出人は長男"' in card


def test_fragment_cache_keeps_at_most_its_limit():
    cache = FragmentCache(limit=3)
    rendered = []
    for n in range(5):
        cache.get_or_render(("k", n), lambda n=n: rendered.append(n) or f"<p>{n}</p>")
    assert list(cache.items) == [("k", 2), ("k", 3), ("k", 4)]
    assert cache.get_or_render(("k", 3), lambda: "new") == "<p>3</p>"  # a hit renders nothing
    cache.get_or_render(("k", 5), lambda: "<p>5</p>")
    assert ("k", 3) in cache.items and ("k", 2) not in cache.items  # least recently used goes first
    assert rendered == [0, 1, 2, 3, 4]


def test_state_after_an_answer_is_what_reading_the_case_again_gives(clerk, clerk_client):
    from datetime import date

    from madoguchi.web.counter.services import current_catalog, load_state, record_answer

    case = new_case(clerk_client)
    facts = current_catalog().facts
    steps = [
        ("ev.date", date(2026, 11, 20), False),
        ("p.insurance", "kokuho", False),
        ("p.pension", None, True),  # 「わからない」
        ("p.insurance", "kouki", False),  # a changed answer
        ("p.pension", True, False),  # a skipped one answered after all
    ]
    for name, value, skipped in steps:
        state = record_answer(load_state(case), facts[name], value, clerk, skipped=skipped)
        fresh = load_state(case)
        assert state.known == fresh.known and state.skipped == fresh.skipped
        assert {n: (r.sequence, r.skipped, r.value) for n, r in state.rows.items()} == {
            n: (r.sequence, r.skipped, r.value) for n, r in fresh.rows.items()
        }
        assert [o.id for o in state.result.applicable] == [o.id for o in fresh.result.applicable]
        assert [q.fact.name for q in state.result.questions] == [q.fact.name for q in fresh.result.questions]


def test_person_form_shows_each_change_of_any_field(clerk_client):
    case = new_case(clerk_client)
    url = reverse("case-person", args=[case.number])
    base = {"role": "applicant", "name": "緑川\u3000花子", "kana": "", "address": "架空県みどり市本町1番"}
    for changed in (
        {},
        {"phone": "0120-000-000"},
        {"address": "架空県みどり市北町2番"},
        {"kana": "ミドリカワ"},
    ):
        clerk_client.post(url, {**base, **changed})
        page = _page(clerk_client, case)
        form = page[page.index('data-role="applicant"') :]
        form = form[: form.index("</details>")]
        for value in {**base, **changed}.values():
            if value and value != "applicant":
                assert f'value="{value}"' in form, (changed, value)
