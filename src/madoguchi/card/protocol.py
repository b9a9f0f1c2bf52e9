"""The 券面事項入力補助AP protocol over any transport offering ``transmit(apdu) -> (data, sw1, sw2)``.

Short APDUs only. ``61 xx`` and ``6C xx`` are handled here because pyscard does not. The PIN is never
retried by this code: one VERIFY per call, and a wrong PIN raises ``WrongPin`` with the tries left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from . import apdu as a
from . import status
from .errors import CardDataError, LastTryConfirmationRequired, PinBlocked, PinFormatError, UnexpectedStatus
from .tlv import object_size

log = logging.getLogger("madoguchi.card.protocol")

MAX_FILE_SIZE = 8192  # far above any EF of this AP; stops a misbehaving card from looping us
MAX_RESPONSE_CHAINS = 64


class Transmitter(Protocol):
    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]: ...


@dataclass(frozen=True)
class PinStatus:
    tries_left: int | None  # None: the card did not report a counter
    verified: bool = False  # the card said 90 00 to the query: already verified in this session
    sw: tuple[int, int] = (0x90, 0x00)

    @property
    def blocked(self) -> bool:
        return self.tries_left == 0


@dataclass(frozen=True)
class CardFiles:
    """Raw EF contents as read (EF 0001 physical, with filler). ``my_number`` None when not read."""

    my_number: bytes | None
    attributes: bytes
    integrity: bytes
    certificate: bytes


def _has_le(apdu: bytes) -> bool:
    return len(apdu) == 5 or (len(apdu) > 5 and len(apdu) == 6 + apdu[4])


def check_pin_format(pin: str) -> bytes:
    if not isinstance(pin, str) or len(pin) != 4 or not pin.isascii() or not pin.isdigit():
        raise PinFormatError()
    return pin.encode("ascii")


class KenhojoAP:
    def __init__(self, transport: Transmitter):
        self.transport = transport

    # --- raw exchange ------------------------------------------------------------------------------------

    def _exchange(self, apdu: bytes, what: str) -> tuple[bytes, int, int]:
        """Send ``apdu``; follow ``61 xx`` with GET RESPONSE and resend once on ``6C xx``."""
        data, sw1, sw2 = self._send(apdu, what)
        if sw1 == 0x6C and _has_le(apdu):
            data, sw1, sw2 = self._send(apdu[:-1] + bytes([sw2]), what)
        chunks = [data]
        for _ in range(MAX_RESPONSE_CHAINS):
            if sw1 != 0x61:
                break
            data, sw1, sw2 = self._send(a.get_response(sw2 or 256), what + " GET RESPONSE")
            chunks.append(data)
        else:
            raise UnexpectedStatus("card keeps answering 61 xx", sw1, sw2, what)
        return b"".join(chunks), sw1, sw2

    def _send(self, apdu: bytes, what: str) -> tuple[bytes, int, int]:
        data, sw1, sw2 = self.transport.transmit(apdu)
        # Never the data: it may be a PIN (command) or the 個人番号 (response).
        log.debug("%s: %s -> %d bytes, SW %02X %02X", what, a.describe(apdu), len(data), sw1, sw2)
        return bytes(data), sw1, sw2

    # --- commands -------------------------------------------------------------------------------------

    def select_ap(self) -> None:
        _, sw1, sw2 = self._exchange(a.select_df(a.KENHOJO_AID), "SELECT AP")
        status.check(sw1, sw2, "SELECT AP")

    def select_ef(self, fid: int) -> None:
        what = f"SELECT EF {fid:04X}"
        _, sw1, sw2 = self._exchange(a.select_ef(fid), what)
        status.check(sw1, sw2, what)

    def pin_status(self) -> PinStatus:
        """Tries left, without spending one (VERIFY with no data)."""
        self.select_ef(a.KEY_PIN)
        _, sw1, sw2 = self._exchange(a.verify(), "VERIFY (query)")
        if (sw1, sw2) == (0x90, 0x00):
            return PinStatus(None, verified=True, sw=(sw1, sw2))
        if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
            return PinStatus(sw2 & 0x0F, sw=(sw1, sw2))
        if (sw1, sw2) in ((0x69, 0x84), (0x69, 0x83)):
            return PinStatus(0, sw=(sw1, sw2))
        if (sw1, sw2) == (0x63, 0x00):
            return PinStatus(None, sw=(sw1, sw2))
        raise status.error_for(sw1, sw2, "VERIFY (query)")

    def verify_pin(self, pin: str, *, confirm_last_try: bool = False) -> None:
        """Query the counter, then one VERIFY. Refuses when blocked, and with one try left unless confirmed."""
        pin_bytes = check_pin_format(pin)
        before = self.pin_status()
        if before.verified:
            return
        if before.blocked:
            raise PinBlocked(*before.sw, "VERIFY (query)")
        if before.tries_left == 1 and not confirm_last_try:
            raise LastTryConfirmationRequired(1)
        _, sw1, sw2 = self._exchange(a.verify(pin_bytes), "VERIFY")
        status.check(sw1, sw2, "VERIFY")

    def read_binary(self, offset: int, le: int, what: str) -> tuple[bytes, bool]:
        """One READ BINARY; returns (data, end_of_file)."""
        data, sw1, sw2 = self._exchange(a.read_binary(offset, le), what)
        if (sw1, sw2) == (0x90, 0x00):
            return data, False
        if (sw1, sw2) in ((0x6B, 0x00), (0x62, 0x82)):
            return data, True
        raise status.error_for(sw1, sw2, what)

    def read_ef(self, fid: int, *, physical: bool = False) -> bytes:
        """Read a whole EF in ≤256-byte chunks.

        physical: until the card returns a short chunk or end of file (keeps the filler; needed for DF31).
        Otherwise: exactly the first TLV, its length taken from its header.
        """
        self.select_ef(fid)
        what = f"READ BINARY {fid:04X}"
        buf = b""
        total: int | None = None
        while True:
            want = 256 if total is None else min(256, total - len(buf))
            if want <= 0:
                break
            chunk, eof = self.read_binary(len(buf), want, what)
            buf += chunk
            if len(buf) > MAX_FILE_SIZE:
                raise CardDataError(
                    f"file larger than {MAX_FILE_SIZE} bytes", file=f"{fid:04X}", offset=len(buf)
                )
            if total is None and not physical:
                total = object_size(buf, file=f"{fid:04X}")
            if eof or len(chunk) < want or not chunk:
                break
        if total is not None:
            if len(buf) < total:
                raise CardDataError(
                    f"file ended after {len(buf)} bytes, the object needs {total}",
                    file=f"{fid:04X}",
                    offset=len(buf),
                )
            buf = buf[:total]
        return buf

    def read_files(self, *, read_my_number: bool = True) -> CardFiles:
        """Read EF 0001-0004 (after a successful VERIFY)."""
        return CardFiles(
            my_number=self.read_ef(a.EF_MY_NUMBER, physical=True) if read_my_number else None,
            attributes=self.read_ef(a.EF_ATTRIBUTES),
            integrity=self.read_ef(a.EF_INTEGRITY),
            certificate=self.read_ef(a.EF_CERTIFICATE),
        )
