"""Fixtures for the card tests: synthetic files, keys and an APDU-recording transport."""

from __future__ import annotations

import os
import sys

import pytest

# Shared helpers live next to this file; make them importable whatever pytest's --import-mode is.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from card_testdata import ADDRESS, NAME, NUMBER, Recorder

from madoguchi.card import builder
from madoguchi.card.virtual import VirtualCard


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "pcsc: goes through real pcscd + vsmartcard-vpcd (skipped when absent unless CI=true)"
    )


@pytest.fixture(scope="session")
def hierarchy() -> builder.VirtualHierarchy:
    return builder.virtual_hierarchy()


@pytest.fixture(scope="session")
def card_files(hierarchy):
    ef1 = builder.my_number_file(NUMBER)
    ef2 = builder.attributes_file(NAME, ADDRESS, "19900401", "1")
    ef3 = builder.integrity_file(ef1, ef2, hierarchy.card)
    ef4 = hierarchy.certificate()
    return {"ef1": ef1, "ef2": ef2, "ef3": ef3, "ef4": ef4}


@pytest.fixture
def recorder():
    def make(profile="demo", **kw):
        return Recorder(VirtualCard(profile, **kw))

    return make
