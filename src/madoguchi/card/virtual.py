"""A virtual My Number Card: the 券面事項入力補助AP's APDUs over an in-memory file system.

All people, numbers and addresses are fictional (架空県みどり市). Each ``VirtualCard`` starts from its
profile's initial state; the PIN counter blocks after 3 wrong tries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import apdu as a
from . import builder
from .mynumber import with_check_digit

ATR = bytes.fromhex("3B8A80010031C173C8400000900090")
PIN_TRIES = 3

SW_OK = b"\x90\x00"


@dataclass(frozen=True)
class CardProfile:
    id: str
    title: str
    my_number: str
    name: str
    address: str
    birth: str  # YYYYMMDD
    sex: str
    pin: str = "1234"
    tries_left: int = PIN_TRIES
    outer_form: str = "auto"
    tamper: tuple[str, str] | None = None  # (old, new) replaced in EF 0002 after signing


CITY = "架空県みどり市"

PROFILES: dict[str, CardProfile] = {
    p.id: p
    for p in [
        CardProfile(
            "demo",
            "ordinary fictional resident (PIN 1234)",
            with_check_digit("98765432109"),
            "窓口\u3000花子",
            f"{CITY}中央町１丁目２番３号",
            "19850415",
            "2",
        ),
        CardProfile(
            "long-address",
            "very long address (chunked reads, 82-form lengths)",
            with_check_digit("98765432110"),
            "架空\u3000一郎",
            f"{CITY}大字さくら台字東みどりが丘二丁目１２３４番地５６７"
            "　みどりが丘グリーンヒルズレジデンス・イーストウイング・セカンドステージ弐号棟"
            "　第１２３４５号室（管理棟北側エレベーターホール前　郵便受け番号９８７）",
            "19500101",
            "1",
            outer_form="82",
        ),
        CardProfile(
            "rare-kanji",
            "name with an ideographic variation sequence (葛 + U+E0100)",
            with_check_digit("98765432121"),
            "葛\U000e0100城\u3000𠮷子",
            f"{CITY}葛原２丁目８番地",
            "19920229",
            "2",
        ),
        CardProfile(
            "one-try-left",
            "PIN 1234, only one try left",
            with_check_digit("98765432132"),
            "残日\u3000一志",
            f"{CITY}北町３丁目１番１号",
            "19781103",
            "1",
            tries_left=1,
        ),
        CardProfile(
            "blocked",
            "PIN blocked",
            with_check_digit("98765432143"),
            "閉塞\u3000守",
            f"{CITY}南町４丁目５番６号",
            "19601231",
            "9",
            tries_left=0,
        ),
        CardProfile(
            "tampered",
            "address changed after signing (signature must fail)",
            with_check_digit("98765432154"),
            "改変\u3000次郎",
            f"{CITY}西町１丁目１番１号",
            "20000101",
            "1",
            tamper=("西町１丁目", "西町９丁目"),
        ),
    ]
}


@functools.cache
def card_files(profile_id: str) -> dict[int, bytes]:
    """The EF contents of a profile, signed by the process's virtual test CA."""
    p = PROFILES[profile_id]
    keys = builder.virtual_hierarchy()
    ef1 = builder.my_number_file(p.my_number)
    ef2 = builder.attributes_file(p.name, p.address, p.birth, p.sex, outer_form=p.outer_form)
    ef3 = builder.integrity_file(ef1, ef2, keys.card)
    if p.tamper:
        old, new = (s.encode("utf-8") for s in p.tamper)
        assert len(old) == len(new) and old in ef2
        ef2 = ef2.replace(old, new)
    return {
        a.EF_MY_NUMBER: ef1,
        a.EF_ATTRIBUTES: ef2,
        a.EF_INTEGRITY: ef3,
        a.EF_CERTIFICATE: keys.certificate(),
    }


class VirtualCard:
    """Executes command APDUs like the card would (subset used by madoguchi, plus common errors).

    ``t0_quirks`` makes it answer like a T=0 card: ``6C xx`` when Le is wrong and ``61 xx`` + GET RESPONSE
    for data, so the protocol layer's handling can be exercised.
    """

    PROTECTED = (a.EF_MY_NUMBER, a.EF_ATTRIBUTES, a.EF_INTEGRITY)

    def __init__(self, profile: str | CardProfile = "demo", *, t0_quirks: bool = False):
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.files = dict(card_files(self.profile.id)) if isinstance(profile, str) else {}
        self.t0_quirks = t0_quirks
        self.tries_left = self.profile.tries_left
        self.powered = True
        self._pending = b""
        self.reset()

    @classmethod
    def from_files(cls, profile: CardProfile, files: dict[int, bytes], **kw) -> VirtualCard:
        card = cls(profile, **kw)
        card.files = dict(files)
        return card

    # --- power ------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Power cycle: the selection and the verified state are lost; the PIN counter is not."""
        self.in_ap = False
        self.current_ef: int | None = None
        self.verified = False
        self._pending = b""

    @property
    def blocked(self) -> bool:
        return self.tries_left <= 0

    # --- APDUs ------------------------------------------------------------------------------------------

    def transmit(self, command: bytes) -> tuple[bytes, int, int]:
        resp = self.execute(command)
        return resp[:-2], resp[-2], resp[-1]

    def execute(self, command: bytes) -> bytes:
        if len(command) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = command[:4]
        body = command[4:]
        if cla != 0x00:
            return b"\x6e\x00"
        data, le = b"", None
        if len(body) == 1:
            le = body[0] or 256
        elif len(body) > 1:
            lc = body[0]
            if lc == 0 or len(body) not in (1 + lc, 2 + lc):
                return b"\x67\x00"
            data = body[1 : 1 + lc]
            if len(body) == 2 + lc:
                le = body[-1] or 256
        if ins == a.INS_SELECT:
            return self._select(p1, p2, data, le)
        if ins == a.INS_VERIFY:
            return self._verify(p1, p2, data)
        if ins == a.INS_READ_BINARY:
            return self._read_binary(p1, p2, data, le)
        if ins == a.INS_GET_RESPONSE and self.t0_quirks:
            return self._get_response(le)
        return b"\x6d\x00"

    def _select(self, p1, p2, data, le) -> bytes:
        if p2 != 0x0C or le is not None:
            return b"\x6a\x86"
        if p1 == 0x04:
            self.reset()  # selecting a DF drops the verified state
            if data == a.KENHOJO_AID:
                self.in_ap = True
                return SW_OK
            return b"\x6a\x82"
        if p1 == 0x02:
            if len(data) != 2:
                return b"\x67\x00"
            fid = int.from_bytes(data, "big")
            if self.in_ap and (fid in self.files or fid == a.KEY_PIN):
                self.current_ef = fid
                return SW_OK
            return b"\x6a\x82"
        return b"\x6a\x86"

    def _verify(self, p1, p2, data) -> bytes:
        if (p1, p2) != (0x00, 0x80):
            return b"\x6a\x86"
        if self.current_ef != a.KEY_PIN:
            return b"\x6a\x88"
        if self.blocked:
            return b"\x69\x84"
        if not data:
            return SW_OK if self.verified else bytes([0x63, 0xC0 | self.tries_left])
        if data == self.profile.pin.encode("ascii"):
            self.tries_left = PIN_TRIES
            self.verified = True
            return SW_OK
        self.verified = False
        self.tries_left -= 1
        return bytes([0x63, 0xC0 | self.tries_left])

    def _read_binary(self, p1, p2, data, le) -> bytes:
        if data or le is None:
            return b"\x67\x00"
        if p1 & 0x80:
            return b"\x6a\x86"  # SFI addressing: not offered by this emulator
        if self.current_ef not in self.files:
            return b"\x69\x86"  # no current EF
        if self.current_ef in self.PROTECTED and not self.verified:
            return b"\x69\x82"
        content = self.files[self.current_ef]
        offset = (p1 << 8) | p2
        if offset >= len(content):
            return b"\x6b\x00"
        chunk = content[offset : offset + le]
        if self.t0_quirks:
            if le != len(chunk):
                return bytes([0x6C, len(chunk)])
            self._pending = chunk
            return bytes([0x61, len(chunk) & 0xFF])
        return chunk + SW_OK

    def _get_response(self, le) -> bytes:
        if not self._pending:
            return b"\x69\x85"
        n = min(le or 256, len(self._pending))
        out, self._pending = self._pending[:n], self._pending[n:]
        if self._pending:
            return out + bytes([0x61, len(self._pending) & 0xFF])
        return out + SW_OK
