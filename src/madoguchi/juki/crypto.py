"""Encryption at rest for 特定個人情報 (個人番号, card evidence): AES-256-GCM with keys from the environment.

``MADOGUCHI_ENCRYPTION_KEY`` holds one or more keys, newest first, comma-separated, each ``ID:BASE64`` (32
random bytes; ``ID`` is a short name such as ``2026a``) or just ``BASE64`` (id derived from the key). New
values are encrypted with the first key; any listed key decrypts. Rotation: put a new key first, keep the old
ones, run ``madoguchi registry rekey`` (re-encrypts everything with the first key), then drop the old keys.

A token is ``v1:ID:BASE64(nonce ‖ ciphertext ‖ tag)`` with a fresh 96-bit random nonce per value. The
associated data binds a value to its place (e.g. ``resident.my_number:<宛名番号>``), so a ciphertext copied
into another row or column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENV = "MADOGUCHI_ENCRYPTION_KEY"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class EncryptionError(Exception):
    """Wrong key, tampered data, or no key configured (the message never holds the plaintext)."""


def new_key() -> str:
    """A fresh key line: ``ID:BASE64``."""
    return f"k{secrets.token_hex(3)}:{base64.b64encode(os.urandom(32)).decode()}"


def _parse_key(entry: str) -> tuple[str, bytes]:
    entry = entry.strip()
    key_id, sep, b64 = entry.rpartition(":")
    if not sep:
        b64, key_id = entry, ""
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise EncryptionError(f"{ENV}: a key is not base64") from None
    if len(raw) != 32:
        raise EncryptionError(f"{ENV}: each key must be 32 bytes (AES-256), base64-encoded")
    if not key_id:
        key_id = hashlib.sha256(raw).hexdigest()[:8]
    if not _ID.match(key_id):
        raise EncryptionError(f"{ENV}: key ids are 1-16 letters, digits, _ or -")
    return key_id, raw


class Keyring:
    def __init__(self, spec: str):
        entries = [e for e in (spec or "").split(",") if e.strip()]
        if not entries:
            raise EncryptionError(f"no encryption key: set {ENV} (see docs/registry.md)")
        self.keys: dict[str, AESGCM] = {}
        self._index_keys: dict[str, bytes] = {}
        self.primary = ""
        for entry in entries:
            key_id, raw = _parse_key(entry)
            if key_id in self.keys:
                raise EncryptionError(f"{ENV}: key id {key_id} appears twice")
            self.keys[key_id] = AESGCM(raw)
            # A separate key for keyed hashes (an index that finds equal values without storing them).
            self._index_keys[key_id] = hmac.new(raw, b"madoguchi keyed index v1", hashlib.sha256).digest()
            self.primary = self.primary or key_id

    def __repr__(self) -> str:
        return f"Keyring(primary={self.primary!r}, ids={list(self.keys)})"

    def keyed_hash(self, value: str, purpose: str) -> str:
        """HMAC-SHA256 of ``value`` under a key derived from the primary key (hex): equal values give equal
        hashes, the value itself cannot be read back. ``purpose`` separates the indexes."""
        message = purpose.encode("utf-8") + b"\0" + value.encode("utf-8")
        return hmac.new(self._index_keys[self.primary], message, hashlib.sha256).hexdigest()

    def encrypt(self, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self.keys[self.primary].encrypt(nonce, plaintext, context.encode("utf-8"))
        return f"v1:{self.primary}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, context: str) -> bytes:
        try:
            version, key_id, b64 = token.split(":", 2)
        except (ValueError, AttributeError):
            raise EncryptionError("not an encrypted value") from None
        if version != "v1":
            raise EncryptionError(f"unknown format {version!r}")
        aes = self.keys.get(key_id)
        if aes is None:
            raise EncryptionError(f"encrypted with key {key_id!r}, which is not configured")
        try:
            blob = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionError("encrypted value is damaged") from None
        if len(blob) < 12 + 16:
            raise EncryptionError("encrypted value is damaged")
        try:
            return aes.decrypt(blob[:12], blob[12:], context.encode("utf-8"))
        except InvalidTag:
            raise EncryptionError("cannot decrypt: wrong key, wrong context or tampered data") from None

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1] if token.count(":") >= 2 else ""

    def encrypt_text(self, text: str, context: str) -> str:
        return self.encrypt(text.encode("utf-8"), context)

    def decrypt_text(self, token: str, context: str) -> str:
        return self.decrypt(token, context).decode("utf-8")
