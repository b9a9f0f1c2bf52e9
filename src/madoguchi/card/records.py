"""Decoding of EF 0001 (個人番号), 0002 (基本4情報), 0003 (integrity record) and 0004 (certificate)."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

from madoguchi.case.vocab import SEX_LABELS

from . import mynumber
from .errors import CardDataError
from .tlv import Tlv, read_children, read_tlv, read_top

TAG_MY_NUMBER = 0xFF10
TAG_ATTRIBUTES = 0xFF20
TAG_OFFSETS = 0xDF21
TAG_NAME = 0xDF22
TAG_ADDRESS = 0xDF23
TAG_BIRTH = 0xDF24
TAG_SEX = 0xDF25
TAG_INTEGRITY = 0xFF30
TAG_DIGEST_MY_NUMBER = 0xDF31
TAG_DIGEST_ATTRIBUTES = 0xDF32
TAG_SIGNATURE = 0xDF33
TAG_CVC = 0x7F21
TAG_CVC_BODY = 0x5F4E
TAG_CVC_SIGNATURE = 0x5F37
TAG_RSA_EXPONENT = 0x90
TAG_RSA_MODULUS = 0x91

IDEOGRAPHIC_SPACE = "\u3000"


# --- EF 0001 -----------------------------------------------------------------------------------------


def parse_my_number(raw: bytes) -> mynumber.MyNumber:
    file = "0001"
    top = read_top(raw, TAG_MY_NUMBER, file=file)
    value = top.value(raw)
    if len(value) != 12:
        raise CardDataError(
            f"個人番号 must be 12 bytes, found {len(value)}", file=file, offset=top.start, tag=top.tag
        )
    for i, b in enumerate(value):
        if not 0x30 <= b <= 0x39:
            raise CardDataError(
                "個人番号 holds a non-digit byte", file=file, offset=top.value_start + i, tag=top.tag
            )
    text = value.decode("ascii")
    if not mynumber.is_valid(text):
        raise CardDataError(
            "個人番号 check digit does not match", file=file, offset=top.value_start + 11, tag=top.tag
        )
    return mynumber.MyNumber(text)


# --- EF 0002 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attributes:
    name: str
    family_name: str
    given_name: str
    address: str
    birth_date: datetime.date
    sex: str  # raw code as on the card
    digest_source: bytes  # bytes covered by DF32
    warnings: tuple[str, ...] = field(default=())

    @property
    def sex_label(self) -> str:
        return SEX_LABELS.get(self.sex, "不明")


def _text(raw: bytes, tlv: Tlv, what: str, file: str) -> str:
    value = tlv.value(raw)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardDataError(
            f"{what} is not valid UTF-8 ({exc.reason})",
            file=file,
            offset=tlv.value_start + exc.start,
            tag=tlv.tag,
        ) from None
    if not text.strip(" \u3000"):
        raise CardDataError(f"{what} is empty", file=file, offset=tlv.start, tag=tlv.tag)
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cs"):
            offset = tlv.value_start + len(text[:i].encode("utf-8"))
            raise CardDataError(
                f"{what} holds control character U+{ord(ch):04X}", file=file, offset=offset, tag=tlv.tag
            )
    return text


def parse_attributes(raw: bytes) -> Attributes:
    file = "0002"
    top = read_top(raw, TAG_ATTRIBUTES, file=file)
    children = read_children(raw, top, file=file)
    expected = [TAG_OFFSETS, TAG_NAME, TAG_ADDRESS, TAG_BIRTH, TAG_SEX]
    for want, got in zip(expected, children, strict=False):
        if got.tag != want:
            raise CardDataError(
                f"expected tag {want:X}, found {got.tag:X}", file=file, offset=got.start, tag=got.tag
            )
    if len(children) < len(expected):
        at = children[-1].end if children else top.value_start
        missing = expected[len(children)]
        raise CardDataError(f"tag {missing:X} missing", file=file, offset=at)
    offsets_tlv, name_tlv, address_tlv, birth_tlv, sex_tlv = children[:5]
    warnings = [f"EF 0002: unknown tag {c.tag:X} at offset {c.start} ignored" for c in children[5:]]

    # The offset table is checked against where the objects really are, never used to find them.
    table = offsets_tlv.value(raw)
    if len(table) != 8:
        raise CardDataError(
            f"offset table must be 8 bytes, found {len(table)}",
            file=file,
            offset=offsets_tlv.start,
            tag=TAG_OFFSETS,
        )
    for i, tlv in enumerate((name_tlv, address_tlv, birth_tlv, sex_tlv)):
        said = int.from_bytes(table[2 * i : 2 * i + 2], "big")
        if said != tlv.start:
            raise CardDataError(
                f"offset table says tag {tlv.tag:X} starts at {said}, but it starts at {tlv.start}",
                file=file,
                offset=offsets_tlv.value_start + 2 * i,
                tag=TAG_OFFSETS,
            )

    name = _text(raw, name_tlv, "氏名", file)
    address = _text(raw, address_tlv, "住所", file)

    birth_raw = birth_tlv.value(raw)
    if len(birth_raw) != 8 or not all(0x30 <= b <= 0x39 for b in birth_raw):
        raise CardDataError(
            "生年月日 must be 8 ASCII digits (YYYYMMDD)", file=file, offset=birth_tlv.start, tag=TAG_BIRTH
        )
    text = birth_raw.decode("ascii")
    try:
        birth = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CardDataError(
            "生年月日 is not a valid date", file=file, offset=birth_tlv.value_start, tag=TAG_BIRTH
        ) from None

    sex_raw = sex_tlv.value(raw)
    if len(sex_raw) != 1 or not 0x30 <= sex_raw[0] <= 0x39:
        raise CardDataError("性別 must be one ASCII digit", file=file, offset=sex_tlv.start, tag=TAG_SEX)
    sex = sex_raw.decode("ascii")
    if sex not in SEX_LABELS:
        warnings.append(f"性別: unknown code {sex!r}, shown as 不明")

    if IDEOGRAPHIC_SPACE in name:
        family, given = name.split(IDEOGRAPHIC_SPACE, 1)
        if IDEOGRAPHIC_SPACE in given:
            warnings.append("氏名: more than one U+3000; split at the first one")
    else:
        family, given = name, ""
        warnings.append("氏名: no U+3000 between family and given name; not split")

    return Attributes(
        name=name,
        family_name=family,
        given_name=given,
        address=address,
        birth_date=birth,
        sex=sex,
        digest_source=raw[name_tlv.start : top.end],
        warnings=tuple(warnings),
    )


# --- EF 0003 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityRecord:
    my_number_digest: bytes
    attributes_digest: bytes
    signature: bytes
    signed_data: bytes  # DF31 and DF32 TLVs as written


def parse_integrity(raw: bytes) -> IntegrityRecord:
    file = "0003"
    top = read_top(raw, TAG_INTEGRITY, file=file)
    children = read_children(raw, top, file=file)
    expected = [(TAG_DIGEST_MY_NUMBER, 32), (TAG_DIGEST_ATTRIBUTES, 32), (TAG_SIGNATURE, 256)]
    if len(children) != 3:
        raise CardDataError(
            f"expected 3 objects (DF31, DF32, DF33), found {len(children)}", file=file, offset=top.start
        )
    for (tag, size), tlv in zip(expected, children, strict=True):
        if tlv.tag != tag:
            raise CardDataError(
                f"expected tag {tag:X}, found {tlv.tag:X}", file=file, offset=tlv.start, tag=tlv.tag
            )
        if tlv.length != size:
            raise CardDataError(
                f"expected {size} bytes, found {tlv.length}", file=file, offset=tlv.start, tag=tag
            )
    d1, d2, sig = children
    return IntegrityRecord(d1.value(raw), d2.value(raw), sig.value(raw), raw[d1.start : d2.end])


# --- EF 0004 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyId:
    raw: bytes

    @property
    def hierarchy(self) -> str:
        first = self.raw[:1]
        return {b"5": "production", b"6": "test"}.get(first, "unknown")

    @property
    def is_test(self) -> bool:
        # The J-LIS test hierarchy: ids beginning with ASCII "6" (e.g. 6000033).
        return self.raw[:1] == b"6"

    def __str__(self) -> str:
        r = self.raw
        if len(r) == 16 and r[:7].isdigit() and r[9:12].isdigit():
            return f"{r[:7].decode()}-{r[7:9].hex()}-{r[9:12].decode()}-{r[12:].hex()}"
        return r.hex()


@dataclass(frozen=True)
class Certificate:
    issuer: KeyId
    subject: KeyId
    exponent: int
    modulus: int
    body: bytes  # the signed 5F4E value
    signature: bytes

    def public_key(self):
        return RSAPublicNumbers(self.exponent, self.modulus).public_key()


def parse_certificate(raw: bytes) -> Certificate:
    file = "0004"
    top = read_top(raw, TAG_CVC, file=file)
    children = read_children(raw, top, file=file)
    if [c.tag for c in children] != [TAG_CVC_BODY, TAG_CVC_SIGNATURE]:
        raise CardDataError("expected 5F4E (body) then 5F37 (signature)", file=file, offset=top.value_start)
    body_tlv, sig_tlv = children
    if body_tlv.length < 32 + 4:
        raise CardDataError("certificate body too short", file=file, offset=body_tlv.start, tag=TAG_CVC_BODY)
    if sig_tlv.length != 256:
        raise CardDataError(
            f"signature must be 256 bytes, found {sig_tlv.length}",
            file=file,
            offset=sig_tlv.start,
            tag=TAG_CVC_SIGNATURE,
        )
    b = body_tlv.value_start
    key_start = b + 32
    exp_tlv = read_tlv(raw, key_start, body_tlv.end, file=file)
    if exp_tlv.tag != TAG_RSA_EXPONENT:
        raise CardDataError(
            f"expected tag 90 (exponent), found {exp_tlv.tag:X}",
            file=file,
            offset=exp_tlv.start,
            tag=exp_tlv.tag,
        )
    mod_tlv = read_tlv(raw, exp_tlv.end, body_tlv.end, file=file)
    if mod_tlv.tag != TAG_RSA_MODULUS:
        raise CardDataError(
            f"expected tag 91 (modulus), found {mod_tlv.tag:X}",
            file=file,
            offset=mod_tlv.start,
            tag=mod_tlv.tag,
        )
    if mod_tlv.end != body_tlv.end:
        raise CardDataError(
            "unexpected bytes after the modulus", file=file, offset=mod_tlv.end, tag=TAG_CVC_BODY
        )
    exponent = int.from_bytes(exp_tlv.value(raw), "big")
    modulus = int.from_bytes(mod_tlv.value(raw), "big")
    if not 1 <= exp_tlv.length <= 4 or exponent < 3 or exponent % 2 == 0:
        raise CardDataError(
            "RSA exponent is not usable", file=file, offset=exp_tlv.start, tag=TAG_RSA_EXPONENT
        )
    if mod_tlv.length != 256 or modulus.bit_length() != 2048 or modulus % 2 == 0:
        raise CardDataError(
            "RSA modulus must be 2048 bits", file=file, offset=mod_tlv.start, tag=TAG_RSA_MODULUS
        )
    return Certificate(
        issuer=KeyId(raw[b : b + 16]),
        subject=KeyId(raw[b + 16 : b + 32]),
        exponent=exponent,
        modulus=modulus,
        body=body_tlv.value(raw),
        signature=sig_tlv.value(raw),
    )
