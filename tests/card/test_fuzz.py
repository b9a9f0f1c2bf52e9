"""Hypothesis over random and mutated EF files (and random card answers): only typed errors, never a crash.

The quick version always runs; the 100,000-example version is marked slow (CI runs it).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.card import builder, errors
from madoguchi.card.protocol import CardFiles, KenhojoAP
from madoguchi.card.reading import decode, read_card
from madoguchi.card.virtual import PROFILES, card_files

FILES = ("my_number", "attributes", "integrity", "certificate")


def _bases():
    out = []
    for profile in PROFILES:
        f = card_files(profile)
        out.append(CardFiles(f[1], f[2], f[3], f[4]))
    # Extra shapes: short and 82 outer forms, filler after EF 0002.
    ef2 = builder.attributes_file(
        "甲\u3000乙", "架空県みどり市", "20000101", "2", outer_form="short", filler=b"\x00\x00"
    )
    f = card_files("demo")
    out.append(CardFiles(f[1], ef2, f[3], f[4]))
    return out


BASES = _bases()
TRUST = builder.virtual_hierarchy().trust_store()

mutation = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "truncate", "extend", "swap_len"]),
    st.integers(min_value=0, max_value=1 << 16),
    st.integers(min_value=0, max_value=255),
)


def mutate(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for kind, pos, value in ops:
        i = pos % (len(b) + 1)
        if kind == "flip" and b:
            b[i % len(b)] ^= 1 << (value % 8)
        elif kind == "set" and b:
            b[i % len(b)] = value
        elif kind == "insert":
            b.insert(i, value)
        elif kind == "delete" and b:
            del b[i % len(b)]
        elif kind == "truncate":
            del b[i:]
        elif kind == "extend":
            b.extend(bytes([value]) * (pos % 7 + 1))
        elif kind == "swap_len" and len(b) > 3:
            # Length bytes are where parsers go wrong: hit the first few bytes hard.
            b[pos % 4] = value
    return bytes(b)


special = st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x83, 0xFF, 0xDF, 0x1F, 0x5F, 0x7F, 0x9F])
random_file = st.one_of(
    st.binary(max_size=700),
    st.lists(st.one_of(special, st.integers(0, 255)), max_size=120).map(bytes),
)


@st.composite
def fuzzed_files(draw):
    base = draw(st.sampled_from(BASES))
    which = draw(st.sampled_from(FILES))
    original = getattr(base, which)
    if draw(st.booleans()):
        new = draw(random_file)
    else:
        new = mutate(original, draw(st.lists(mutation, min_size=1, max_size=6)))
    files = {name: getattr(base, name) for name in FILES}
    files[which] = new
    return CardFiles(**files)


def check_decode(files: CardFiles) -> None:
    try:
        result = decode(files, TRUST)
    except errors.CardDataError as exc:
        assert exc.message  # says what and where
        return
    assert result.signature.status in ("valid", "invalid")


QUICK = settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=100_000, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@QUICK
@given(fuzzed_files())
def test_fuzz_decode_quick(files):
    check_decode(files)


@pytest.mark.slow
@SLOW
@given(fuzzed_files())
def test_fuzz_decode_100k(files):
    check_decode(files)


# --- random answers from a "card": the protocol raises only typed errors -------------------------------


class RandomCard:
    def __init__(self, answers):
        self.answers = list(answers)

    def transmit(self, apdu):
        if not self.answers:
            return b"", 0x6A, 0x82
        data, sw1, sw2 = self.answers.pop(0)
        return data, sw1, sw2


answer = st.tuples(
    st.one_of(st.just(b""), st.binary(max_size=300)),
    st.sampled_from([0x90, 0x61, 0x6C, 0x63, 0x69, 0x6A, 0x6B, 0x62, 0x67, 0x6D]),
    st.one_of(st.sampled_from([0x00, 0x01, 0x11, 0x82, 0x84, 0xC0, 0xC1, 0xC3]), st.integers(0, 255)),
)


@QUICK
@given(st.lists(answer, max_size=40), st.booleans())
def test_fuzz_card_answers(answers, confirm):
    try:
        read_card(RandomCard(answers), "1234", trust=TRUST, confirm_last_try=confirm)
    except errors.CardError as exc:
        assert exc.message


@QUICK
@given(st.lists(answer, max_size=20))
def test_fuzz_pin_status(answers):
    try:
        KenhojoAP(RandomCard(answers)).pin_status()
    except errors.CardError:
        pass


@QUICK
@given(fuzzed_files(), st.booleans())
def test_fuzz_files_read_through_the_protocol(files, t0):
    """Malformed files on a card: reading them over APDUs also ends in typed errors only."""
    from madoguchi.card.virtual import VirtualCard

    contents = {1: files.my_number, 2: files.attributes, 3: files.integrity, 4: files.certificate}
    card = VirtualCard.from_files(PROFILES["demo"], {k: v for k, v in contents.items() if v}, t0_quirks=t0)
    try:
        result = read_card(card, "1234", trust=TRUST)
    except errors.CardError as exc:
        assert exc.message
        return
    assert result.signature.status in ("valid", "invalid")


@QUICK
@given(st.binary(max_size=40), st.integers(0, 40))
def test_fuzz_tlv_reader(data, pos):
    from madoguchi.card import tlv

    for call in (lambda: tlv.read_tlv(data, pos), lambda: tlv.object_size(data)):
        try:
            call()
        except errors.CardDataError:
            pass
