"""The server's keyring for 特定個人情報: ``MADOGUCHI_ENCRYPTION_KEY``, or (demo and development only) the
key file ``encryption_key`` that ``madoguchi demo`` writes into MADOGUCHI_HOME, like the secret key."""

from __future__ import annotations

import functools
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from madoguchi.juki.crypto import ENV, EncryptionError, Keyring, new_key
from madoguchi.privacy import write_private_file

KEY_FILE = "encryption_key"


def key_file():
    return settings.HOME / KEY_FILE


def ensure_demo_key() -> None:
    """Create the demo key file in MADOGUCHI_HOME when no key is configured (``madoguchi demo`` only)."""
    if os.environ.get(ENV):
        return
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private_file(path, new_key() + "\n")
    keyring.cache_clear()


@functools.lru_cache(maxsize=1)
def keyring() -> Keyring:
    spec = os.environ.get(ENV, "")
    if not spec:
        try:
            spec = key_file().read_text().strip()
        except FileNotFoundError:
            raise ImproperlyConfigured(
                f"{ENV} is not set: the registry and card readings need an encryption key (docs/registry.md)"
            ) from None
    try:
        return Keyring(spec)
    except EncryptionError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def my_number_context(atena_no: str) -> str:
    return f"resident.my_number:{atena_no}"


def evidence_context(case_id: int) -> str:
    return f"card.evidence:{case_id}"


def card_number_context(case_id: int) -> str:
    return f"card.my_number:{case_id}"


def my_number_index(number: str) -> str | None:
    """The keyed hash that makes a 個人番号 unique across the registry (never the number in clear); None
    for a resident without a number."""
    return keyring().keyed_hash(number, "resident.my_number") if number else None
