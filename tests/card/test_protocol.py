"""The protocol against APDU transcripts: exact bytes sent, PIN rules, chunking, 61 xx / 6C xx."""

from __future__ import annotations

import pytest
from card_testdata import Scripted

from madoguchi.card import errors
from madoguchi.card.protocol import KenhojoAP
from madoguchi.card.reading import read_card
from madoguchi.card.virtual import card_files

H = bytes.fromhex
SELECT_AP = H("00A4040C0AD3921000310001010408")
SELECT_PIN = H("00A4020C020011")
QUERY = H("00200080")
VERIFY_1234 = H("002000800431323334")
OK = H("9000")


def test_full_read_transcript(recorder, hierarchy):
    r = recorder("demo")
    reading = read_card(r, "1234", trust=hierarchy.trust_store())
    files = card_files("demo")
    assert r.sent == [
        SELECT_AP,
        SELECT_PIN,
        QUERY,
        VERIFY_1234,
        H("00A4020C020001"),
        H("00B0000000"),  # physical read of EF 0001: Le=256, card returns the 17 bytes
        H("00A4020C020002"),
        H("00B0000000"),
        H("00A4020C020003"),
        H("00B0000000"),
        H("00B0010050"),  # EF 0003 is 336 bytes: the rest (80) at offset 256
        H("00A4020C020004"),
        H("00B0000000"),
        H("00B0010000"),
        H("00B0020038"),  # EF 0004 is 568 bytes: 256 + 256 + 56
    ]
    assert reading.signature.status == "valid"
    assert reading.files.my_number == files[1]
    assert reading.my_number.masked.endswith(files[1][-6:-2].decode())
    # The query never spends a try; exactly one VERIFY with data was sent.
    assert sum(1 for a in r.sent if a[:2] == H("0020") and len(a) > 4) == 1


def test_long_address_is_read_in_chunks(recorder, hierarchy):
    r = recorder("long-address")
    reading = read_card(r, "1234", trust=hierarchy.trust_store())
    size = len(card_files("long-address")[2])
    assert size > 256
    reads = [a for a in r.sent[r.sent.index(H("00A4020C020002")) :][:3]]
    assert reads[1] == H("00B0000000")
    assert reads[2] == H("00B00100") + bytes([size - 256])
    assert reading.attributes.address.endswith("９８７）")
    assert reading.signature.valid


def test_wrong_pin_reports_tries_and_never_retries(recorder):
    r = recorder("demo")
    with pytest.raises(errors.WrongPin) as exc:
        read_card(r, "9999", trust=None)
    assert exc.value.tries_left == 2
    assert r.sent == [SELECT_AP, SELECT_PIN, QUERY, H("002000800439393939")]


def test_one_try_left_requires_confirmation(recorder):
    r = recorder("one-try-left")
    with pytest.raises(errors.LastTryConfirmationRequired):
        read_card(r, "1234", trust=None)
    assert r.sent == [SELECT_AP, SELECT_PIN, QUERY]  # no VERIFY with data
    reading = read_card(r, "1234", trust=None, confirm_last_try=True)
    assert reading.attributes.family_name == "残日"


def test_last_try_wrong_blocks(recorder):
    r = recorder("one-try-left")
    with pytest.raises(errors.PinBlocked):
        read_card(r, "0000", trust=None, confirm_last_try=True)
    assert r.received[-1][1:] == (0x63, 0xC0)
    r.sent.clear()
    with pytest.raises(errors.PinBlocked):
        read_card(r, "1234", trust=None, confirm_last_try=True)
    assert r.sent == [SELECT_AP, SELECT_PIN, QUERY]  # blocked: no VERIFY with data


def test_three_wrong_tries_block_the_virtual_card(recorder):
    r = recorder("demo")
    for left in (2, 1):
        with pytest.raises(errors.WrongPin) as exc:
            read_card(r, "0000", trust=None, confirm_last_try=True)
        assert exc.value.tries_left == left
    with pytest.raises(errors.PinBlocked):
        read_card(r, "0000", trust=None, confirm_last_try=True)
    with pytest.raises(errors.PinBlocked):
        read_card(r, "1234", trust=None)


def test_blocked_card_is_not_verified(recorder):
    r = recorder("blocked")
    with pytest.raises(errors.PinBlocked) as exc:
        read_card(r, "1234", trust=None)
    assert (exc.value.sw1, exc.value.sw2) == (0x69, 0x84)
    assert r.sent == [SELECT_AP, SELECT_PIN, QUERY]


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", "１２３４", "", None, 1234])
def test_pin_format_is_checked_before_anything_is_sent(recorder, pin):
    r = recorder("demo")
    ap = KenhojoAP(r)
    ap.select_ap()
    r.sent.clear()
    with pytest.raises(errors.PinFormatError):
        ap.verify_pin(pin)
    assert r.sent == []


def test_reads_before_verify_are_refused(recorder):
    r = recorder("demo")
    ap = KenhojoAP(r)
    ap.select_ap()
    with pytest.raises(errors.NotVerified):
        ap.read_ef(1, physical=True)
    assert ap.read_ef(4)[:2] == H("7F21")  # the certificate needs no PIN


def test_not_a_my_number_card():
    t = Scripted([(SELECT_AP, H("6A82"))])
    with pytest.raises(errors.NotMyNumberCard):
        KenhojoAP(t).select_ap()


def test_t0_card_61xx_and_6cxx(recorder, hierarchy):
    r = recorder("demo", t0_quirks=True)
    reading = read_card(r, "1234", trust=hierarchy.trust_store())
    assert reading.signature.valid
    i = r.sent.index(H("00A4020C020001"))
    assert r.sent[i + 1 : i + 4] == [H("00B0000000"), H("00B0000011"), H("00C0000011")]


def test_scripted_6c_then_61():
    ef1 = card_files("demo")[1]
    t = Scripted(
        [
            (H("00A4020C020001"), OK),
            (H("00B0000000"), H("6C11")),
            (H("00B0000011"), H("610A")),
            (H("00C000000A"), ef1[:10] + H("6107")),
            (H("00C0000007"), ef1[10:] + OK),
        ]
    )
    assert KenhojoAP(t).read_ef(1, physical=True) == ef1


def test_endless_61_is_an_error():
    script = [(H("00A4020C020001"), OK), (H("00B0000000"), H("6101"))]
    script += [(H("00C0000001"), H("AA6101"))] * 64
    with pytest.raises(errors.UnexpectedStatus):
        KenhojoAP(Scripted(script)).read_ef(1, physical=True)


def test_end_of_file_status_ends_a_physical_read():
    t = Scripted(
        [
            (H("00A4020C020001"), OK),
            (H("00B0000000"), b"\xaa" * 256 + OK),
            (H("00B0010000"), H("6B00")),
        ]
    )
    assert KenhojoAP(t).read_ef(1, physical=True) == b"\xaa" * 256


def test_truncated_file_is_a_data_error():
    t = Scripted([(H("00A4020C020002"), OK), (H("00B0000000"), H("FF2082010041") + OK)])
    with pytest.raises(errors.CardDataError) as exc:
        KenhojoAP(t).read_ef(2)
    assert "EF 0002" in exc.value.message


def test_query_answers():
    def status_for(resp):
        return KenhojoAP(Scripted([(SELECT_PIN, OK), (QUERY, resp)])).pin_status()

    assert status_for(H("63C3")).tries_left == 3
    assert status_for(H("9000")).verified
    assert status_for(H("6984")).blocked
    assert status_for(H("63C0")).blocked
    assert status_for(H("6300")).tries_left is None
    with pytest.raises(errors.UnexpectedStatus):
        status_for(H("6A86"))


def test_already_verified_sends_no_pin():
    t = Scripted([(SELECT_PIN, OK), (QUERY, OK)])
    KenhojoAP(t).verify_pin("1234")
    assert VERIFY_1234 not in t.sent


def test_transport_log_never_holds_pin_or_number(recorder, caplog):
    caplog.set_level("DEBUG", logger="madoguchi.card")
    r = recorder("demo")
    reading = read_card(r, "1234", trust=None)
    text = caplog.text
    assert "VERIFY" in text
    assert "1234" not in text and "31 32 33 34" not in text
    assert reading.my_number.reveal() not in text
