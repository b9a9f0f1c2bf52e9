from __future__ import annotations

import pytest

from madoguchi.card import apdu, errors, status


def test_builders_exact_bytes():
    assert apdu.select_df(apdu.KENHOJO_AID) == bytes.fromhex("00A4040C0AD3921000310001010408")
    assert apdu.select_ef(0x0011) == bytes.fromhex("00A4020C020011")
    assert apdu.select_ef(0x0001) == bytes.fromhex("00A4020C020001")
    assert apdu.verify() == bytes.fromhex("00200080")
    assert apdu.verify(b"1234") == bytes.fromhex("002000800431323334")
    assert apdu.read_binary(0, 256) == bytes.fromhex("00B0000000")
    assert apdu.read_binary(0x0123, 17) == bytes.fromhex("00B0012311")
    assert apdu.get_response(0x20) == bytes.fromhex("00C0000020")


@pytest.mark.parametrize("offset", [-1, 0x8000])
def test_read_binary_offset_limits(offset):
    with pytest.raises(ValueError):
        apdu.read_binary(offset, 1)


def test_short_apdu_limits():
    with pytest.raises(ValueError):
        apdu.command(0, 0xB0, 0, 0, le=257)
    with pytest.raises(ValueError):
        apdu.command(0, 0xD6, 0, 0, data=b"x" * 256)


def test_describe_hides_data():
    text = apdu.describe(apdu.verify(b"1234"))
    assert "31 32 33 34" not in text and "1234" not in text
    assert text.startswith("00 20 00 80") and "Lc=4" in text
    assert apdu.describe(apdu.read_binary(0, 256)) == "00 B0 00 00 Le=256"


@pytest.mark.parametrize(
    ("sw", "command", "cls", "tries"),
    [
        ((0x63, 0xC2), "VERIFY", errors.WrongPin, 2),
        ((0x63, 0xC1), "VERIFY", errors.WrongPin, 1),
        ((0x63, 0xC0), "VERIFY", errors.PinBlocked, 0),
        ((0x69, 0x84), "VERIFY", errors.PinBlocked, 0),
        ((0x69, 0x83), "VERIFY", errors.PinBlocked, 0),
        ((0x69, 0x82), "READ BINARY 0001", errors.NotVerified, None),
        ((0x6A, 0x82), "SELECT EF 0001", errors.FileNotFoundOnCard, None),
        ((0x6A, 0x82), "SELECT AP", errors.NotMyNumberCard, None),
        ((0x67, 0x00), "READ BINARY 0002", errors.UnexpectedStatus, None),
        ((0x6D, 0x00), "X", errors.UnexpectedStatus, None),
        ((0x12, 0x34), "X", errors.UnexpectedStatus, None),
    ],
)
def test_status_word_mapping(sw, command, cls, tries):
    err = status.error_for(*sw, command)
    assert type(err) is cls
    assert isinstance(err, errors.CardStatusError)
    assert (err.sw1, err.sw2) == sw
    assert f"{sw[0]:02X} {sw[1]:02X}" in err.message
    if tries is not None:
        assert err.to_dict()["tries_left"] == tries


def test_check_ok():
    status.check(0x90, 0x00, "X")
    with pytest.raises(errors.CardStatusError):
        status.check(0x6A, 0x82, "X")
