"""Status word → typed error."""

from __future__ import annotations

from .errors import (
    CardStatusError,
    FileNotFoundOnCard,
    NotMyNumberCard,
    NotVerified,
    PinBlocked,
    UnexpectedStatus,
    WrongPin,
)

_MEANINGS = {
    (0x67, 0x00): "wrong length",
    (0x6A, 0x86): "incorrect P1-P2",
    (0x6A, 0x88): "referenced data not found",
    (0x6D, 0x00): "instruction not supported",
    (0x6E, 0x00): "class not supported",
    (0x68, 0x81): "logical channel not supported",
    (0x6B, 0x00): "offset outside the file",
    (0x62, 0x82): "end of file reached",
    (0x63, 0x00): "verification failed, no counter reported",
}


def is_ok(sw1: int, sw2: int) -> bool:
    return (sw1, sw2) == (0x90, 0x00)


def error_for(sw1: int, sw2: int, command: str = "") -> CardStatusError:
    """The typed error for a non-success status word of ``command``."""
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        tries = sw2 & 0x0F
        return PinBlocked(sw1, sw2, command) if tries == 0 else WrongPin(tries, sw1, sw2, command)
    if (sw1, sw2) in ((0x69, 0x84), (0x69, 0x83)):
        return PinBlocked(sw1, sw2, command)
    if (sw1, sw2) == (0x69, 0x82):
        return NotVerified(sw1, sw2, command)
    if (sw1, sw2) == (0x6A, 0x82):
        if command == "SELECT AP":
            return NotMyNumberCard(sw1, sw2, command)
        return FileNotFoundOnCard(sw1, sw2, command)
    meaning = _MEANINGS.get((sw1, sw2), "unexpected status")
    return UnexpectedStatus(f"card error: {meaning}", sw1, sw2, command)


def check(sw1: int, sw2: int, command: str = "") -> None:
    if not is_ok(sw1, sw2):
        raise error_for(sw1, sw2, command)
