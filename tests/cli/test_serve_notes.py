"""What `madoguchi serve` says about the card agent settings before it starts."""

from madoguchi.card.address import card_agent_notes


def test_card_agent_settings_that_work_give_no_note():
    assert card_agent_notes({}) == []
    assert card_agent_notes({"MADOGUCHI_CARD_AGENT_URL": "http://127.0.0.1:8791"}) == []


def test_the_old_variable_and_an_unreachable_address_are_named():
    notes = card_agent_notes(
        {
            "MADOGUCHI_CARD_AGENT_ORIGIN": "http://127.0.0.1:8791",
            "MADOGUCHI_CARD_AGENT_URL": "http://pc12:8791",
        }
    )
    assert len(notes) == 2
    assert (
        "MADOGUCHI_CARD_AGENT_ORIGIN is no longer read" in notes[0] and "MADOGUCHI_CARD_AGENT_URL" in notes[0]
    )
    assert "'http://pc12:8791'" in notes[1] and "127.0.0.1" in notes[1]
