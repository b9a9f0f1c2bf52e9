"""Short command APDUs for the 券面事項入力補助AP (ISO 7816-4 cases 1-4, short form only)."""

from __future__ import annotations

KENHOJO_AID = bytes.fromhex("D3921000310001010408")

EF_MY_NUMBER = 0x0001
EF_ATTRIBUTES = 0x0002
EF_INTEGRITY = 0x0003
EF_CERTIFICATE = 0x0004
KEY_PIN = 0x0011

INS_SELECT = 0xA4
INS_VERIFY = 0x20
INS_READ_BINARY = 0xB0
INS_GET_RESPONSE = 0xC0

MAX_SHORT_OFFSET = 0x7FFF  # P1 bit 8 would mean an SFI


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    """Build a short APDU. ``le`` is 1..256 (256 is encoded as 00) or None for no Le."""
    for name, value in (("CLA", cla), ("INS", ins), ("P1", p1), ("P2", p2)):
        if not 0 <= value <= 0xFF:
            raise ValueError(f"{name} out of range: {value}")
    apdu = bytes([cla, ins, p1, p2])
    if data:
        if len(data) > 255:
            raise ValueError("data too long for a short APDU")
        apdu += bytes([len(data)]) + data
    if le is not None:
        if not 1 <= le <= 256:
            raise ValueError(f"Le out of range for a short APDU: {le}")
        apdu += bytes([le & 0xFF])
    return apdu


def select_df(aid: bytes) -> bytes:
    # P2=0C: no FCI wanted; always the full AID (the card also matches prefixes).
    return command(0x00, INS_SELECT, 0x04, 0x0C, aid)


def select_ef(fid: int) -> bytes:
    return command(0x00, INS_SELECT, 0x02, 0x0C, fid.to_bytes(2, "big"))


def verify(pin: bytes | None = None) -> bytes:
    """VERIFY on the current key EF (P2=80). Without data it only reports the retry counter."""
    return command(0x00, INS_VERIFY, 0x00, 0x80, pin or b"")


def read_binary(offset: int, le: int) -> bytes:
    if not 0 <= offset <= MAX_SHORT_OFFSET:
        raise ValueError(f"offset out of range for READ BINARY: {offset}")
    return command(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=le)


def get_response(le: int) -> bytes:
    return command(0x00, INS_GET_RESPONSE, 0x00, 0x00, le=le)


def describe(apdu: bytes) -> str:
    """A loggable description: header and lengths only, never the data (PIN, number)."""
    if len(apdu) < 4:
        return f"short APDU ({len(apdu)} bytes)"
    head = apdu[:4].hex(" ").upper()
    rest = len(apdu) - 4
    if rest == 0:
        return head
    if rest == 1:
        return f"{head} Le={apdu[4] or 256}"
    return f"{head} Lc={apdu[4]} data=<{apdu[4]} bytes hidden>"
