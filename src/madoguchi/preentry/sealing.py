"""Encryption at rest of what residents enter on the pre-entry side (AES-256-GCM).

The key is ``MADOGUCHI_PREENTRY_KEY`` (32 random bytes, base64), or — for the demo — derived from the
deployment's secret key with HKDF. The associated data is the submission's token digest, so a sealed payload
copied into another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"


class SealError(Exception):
    """Wrong key or tampered data (never carries the plaintext)."""


def key_from(spec: str | None, fallback_secret: str) -> bytes:
    if spec:
        try:
            raw = base64.b64decode(spec, validate=True)
        except (binascii.Error, ValueError):
            raise SealError("MADOGUCHI_PREENTRY_KEY is not base64") from None
        if len(raw) != 32:
            raise SealError("MADOGUCHI_PREENTRY_KEY must be 32 bytes, base64-encoded")
        return raw
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"madoguchi-preentry", info=b"seal-v1")
    return hkdf.derive(fallback_secret.encode())


def seal(key: bytes, data: dict[str, Any], aad: str) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plain, aad.encode())


def unseal(key: bytes, blob: bytes, aad: str) -> dict[str, Any]:
    blob = bytes(blob)
    if len(blob) < 29 or blob[:1] != VERSION:
        raise SealError("not a sealed pre-entry")
    try:
        plain = AESGCM(key).decrypt(blob[1:13], blob[13:], aad.encode())
    except InvalidTag:
        raise SealError("the pre-entry does not open with this key") from None
    return json.loads(plain)
