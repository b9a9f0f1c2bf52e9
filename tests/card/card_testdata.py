"""Shared synthetic data and fake transports for the card tests (imported by module name)."""

from __future__ import annotations

from madoguchi.card.mynumber import with_check_digit

NUMBER = with_check_digit("12345678901")  # the reference's synthetic worked example: 123456789018
NAME = "試験\u3000太郎"
ADDRESS = "架空県みどり市中央町１丁目２番３号"


class Recorder:
    """Wraps a card; records every command APDU and response for transcript assertions."""

    def __init__(self, card):
        self.card = card
        self.sent: list[bytes] = []
        self.received: list[tuple[bytes, int, int]] = []

    def transmit(self, apdu: bytes):
        self.sent.append(bytes(apdu))
        resp = self.card.transmit(apdu)
        self.received.append(resp)
        return resp


class Scripted:
    """Replies from a fixed script of (expected command, response bytes)."""

    def __init__(self, script: list[tuple[bytes, bytes]]):
        self.script = list(script)
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes):
        self.sent.append(bytes(apdu))
        expected, resp = self.script.pop(0)
        assert apdu == expected, f"sent {apdu.hex(' ')}, expected {expected.hex(' ')}"
        return resp[:-2], resp[-2], resp[-1]
