"""Hand-off tokens and codes (standards §B10).

A pre-entry gets two secrets, both random and single-use:

* a **token** of 128 random bits, written as 26 characters of Crockford base32 (digits and capitals only, so
  a QR code holds it in alphanumeric mode and a USB scanner types it without shift-state trouble); the QR code
  holds ``MDG1:`` followed by the token and nothing else — never personal data;
* a short **code** of 50 random bits (10 characters, shown ``XXXXX-XXXXX``) for the clerk to type when there
  is no scanner.

Only SHA-256 digests of both are stored, so a copy of the pre-entry database does not let anyone take a
submission. Neither is ever accepted by the public side: only the counter's authenticated API looks them up,
which is what makes the short code safe against enumeration (see docs/resident.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
QR_PREFIX = "MDG1:"
TOKEN_LENGTH = 26  # 130 bits of characters, 128 random bits used
CODE_LENGTH = 10  # 50 random bits
PAIRING_CODE_LENGTH = 6  # digits: the resident's screen at the counter (short-lived, typed on a tablet)

_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _base32(bits: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(ALPHABET[bits & 31])
        bits >>= 5
    return "".join(reversed(chars))


def new_token() -> str:
    return _base32(secrets.randbits(128), TOKEN_LENGTH)


def new_code() -> str:
    return _base32(secrets.randbits(5 * CODE_LENGTH), CODE_LENGTH)


def new_pairing_code() -> str:
    return f"{secrets.randbelow(10**PAIRING_CODE_LENGTH):0{PAIRING_CODE_LENGTH}d}"


def format_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def qr_payload(token: str) -> str:
    return QR_PREFIX + token


def normalize(text: str) -> str | None:
    """What a clerk typed or a scanner sent → a bare token or code, or None when it cannot be one.

    Accepts full-width characters, lower case, spaces and hyphens, the ``MDG1:`` prefix, and the usual
    misreadings (O for 0, I/L for 1)."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    t = unicodedata.normalize("NFKC", text).strip().upper()
    if t.startswith(QR_PREFIX):
        t = t[len(QR_PREFIX) :]
    t = "".join(c for c in t if c not in " -_\t").translate(_FOLD)
    if len(t) not in (TOKEN_LENGTH, CODE_LENGTH) or any(c not in ALPHABET for c in t):
        return None
    return t


def is_token(value: str) -> bool:
    return len(value) == TOKEN_LENGTH


def digest(value: str) -> str:
    """The stored form of a token or code (hex SHA-256)."""
    return hashlib.sha256(value.encode("ascii")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
