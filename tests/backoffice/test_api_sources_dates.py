"""Issue #13 (low): the API does not accept facts as read from the card or the registry (it read neither),
nor impossible dates; each is a 400 with a message naming the field."""

from __future__ import annotations

import copy

import pytest

from madoguchi.web.api.cases import PayloadError, validate_payload

from . import test_api
from .conftest import KOKUHO_CASE
from .test_api import call

tokens = test_api.tokens  # the API tokens fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("source", ["card", "registry"])
def test_card_and_registry_sources_are_refused(routing_catalog, source):
    with pytest.raises(PayloadError) as info:
        validate_payload({**KOKUHO_CASE, "source": source})
    assert set(info.value.errors) == {"source"} and "resident" in info.value.errors["source"]
    assert validate_payload({**KOKUHO_CASE, "source": "interview"})["source"] == "interview"


@pytest.mark.parametrize(
    ("where", "value", "field"),
    [
        (("persons", "deceased", "death_date"), "2026-02-30", "persons.deceased.death_date"),
        (("persons", "deceased", "birth_date"), "0001-01-01", "persons.deceased.birth_date"),
        (("persons", "deceased", "death_date"), "9999-12-31", "persons.deceased.death_date"),
        (("persons", "deceased", "death_date"), "1930-01-01", "persons.deceased.death_date"),  # before birth
        (("facts", "ev.date"), "9999-12-31", "facts.ev.date"),
        (("facts", "p.birth"), "0001-01-01", "facts.p.birth"),
    ],
)
def test_impossible_dates_are_refused(routing_catalog, where, value, field):
    data = copy.deepcopy(KOKUHO_CASE)
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with pytest.raises(PayloadError) as info:
        validate_payload(data)
    assert field in info.value.errors
    message = info.value.errors[field]
    assert message and "day is out of range" not in message and "ValueError" not in message


def test_the_http_answer_refuses_with_the_message(client, tokens):
    r = call(client, "POST", "cases", tokens["clerk"], {**KOKUHO_CASE, "source": "card"})
    # The API's answer to a payload it refuses (docs: per-field errors, nothing written).
    assert r.status_code == 422 and r.json()["errors"]["source"]
