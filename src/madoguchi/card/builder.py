"""Builders of synthetic card files (EF 0001-0004) and of the test CA used by the virtual card.

Only for fictional data: the virtual card, demos and tests. Keys are generated at run time and cached
per process; they belong to a made-up test hierarchy (ids beginning with "6"), refused unless test mode.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import records as r
from .signature import TrustStore

# Test-hierarchy key ids (format: 7 digits, 08 05, 3 digits, 00 00 00 xx). Made up for madoguchi; the
# issuer differs from the J-LIS test CA id 6000033 so the two can never be confused in a key store.
VIRTUAL_CA_KEY_ID = b"6000999" + b"\x08\x05" + b"001" + b"\x00\x00\x00\x00"
VIRTUAL_CARD_KEY_ID = b"6000990" + b"\x08\x05" + b"001" + b"\x00\x00\x00\x01"


def tag_bytes(tag: int) -> bytes:
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")


def length_bytes(n: int, form: str = "auto") -> bytes:
    """``form``: auto (minimal), short, 81 or 82 (non-minimal long forms are legal on this card)."""
    if form == "auto":
        form = "short" if n < 0x80 else ("81" if n <= 0xFF else "82")
    if form == "short":
        if n >= 0x80:
            raise ValueError("too long for the short form")
        return bytes([n])
    if form == "81":
        return b"\x81" + n.to_bytes(1, "big")
    if form == "82":
        return b"\x82" + n.to_bytes(2, "big")
    raise ValueError(form)


def tlv(tag: int, value: bytes, form: str = "auto") -> bytes:
    return tag_bytes(tag) + length_bytes(len(value), form) + value


def my_number_file(number: str, filler: bytes = b"\xff\xff") -> bytes:
    return tlv(r.TAG_MY_NUMBER, number.encode("ascii")) + filler


def attributes_file(
    name: str, address: str, birth: str, sex: str, *, outer_form: str = "auto", filler: bytes = b""
) -> bytes:
    parts = [
        tlv(r.TAG_NAME, name.encode("utf-8")),
        tlv(r.TAG_ADDRESS, address.encode("utf-8")),
        tlv(r.TAG_BIRTH, birth.encode("ascii")),
        tlv(r.TAG_SEX, sex.encode("ascii")),
    ]
    value_len = 11 + sum(len(p) for p in parts)
    header = len(tag_bytes(r.TAG_ATTRIBUTES)) + len(length_bytes(value_len, outer_form))
    # Absolute offsets of DF22..DF25 from byte 0 of the file; DF21 itself is 11 bytes.
    offsets, pos = [], header + 11
    for part in parts:
        offsets.append(pos)
        pos += len(part)
    table = b"".join(o.to_bytes(2, "big") for o in offsets)
    return tlv(r.TAG_ATTRIBUTES, tlv(r.TAG_OFFSETS, table) + b"".join(parts), outer_form) + filler


def sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def integrity_file(ef0001: bytes | None, ef0002: bytes, signer: rsa.RSAPrivateKey) -> bytes:
    attrs = r.parse_attributes(ef0002)
    d1 = hashlib.sha256(ef0001 or b"").digest()
    d2 = hashlib.sha256(attrs.digest_source).digest()
    signed = tlv(r.TAG_DIGEST_MY_NUMBER, d1) + tlv(r.TAG_DIGEST_ATTRIBUTES, d2)
    value = signed + tlv(r.TAG_SIGNATURE, sign(signer, signed), "82")
    return tlv(r.TAG_INTEGRITY, value, "82")


def certificate_file(
    issuer_id: bytes, subject_id: bytes, subject_key: rsa.RSAPublicKey, ca: rsa.RSAPrivateKey
) -> bytes:
    nums = subject_key.public_numbers()
    body = (
        issuer_id
        + subject_id
        + tlv(r.TAG_RSA_EXPONENT, nums.e.to_bytes(3, "big"))
        + tlv(r.TAG_RSA_MODULUS, nums.n.to_bytes(256, "big"), "82")
    )
    value = tlv(r.TAG_CVC_BODY, body, "82") + tlv(r.TAG_CVC_SIGNATURE, sign(ca, body), "82")
    return tlv(r.TAG_CVC, value, "82")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class VirtualHierarchy:
    ca: rsa.RSAPrivateKey
    card: rsa.RSAPrivateKey
    ca_key_id: bytes = VIRTUAL_CA_KEY_ID
    card_key_id: bytes = VIRTUAL_CARD_KEY_ID

    def certificate(self) -> bytes:
        return certificate_file(self.ca_key_id, self.card_key_id, self.card.public_key(), self.ca)

    def trust_store(self):
        store = TrustStore(test_mode=True)
        store.add(self.ca_key_id, self.ca.public_key(), "virtual test CA")
        return store


@functools.lru_cache(maxsize=1)
def virtual_hierarchy() -> VirtualHierarchy:
    """The process-wide virtual test CA and card key (generated once per process)."""
    return VirtualHierarchy(ca=new_key(), card=new_key())
