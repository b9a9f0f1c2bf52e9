import sqlite3

import pytest

from madoguchi.juki.crypto import EncryptionError, Keyring, new_key


def test_round_trip_and_context_binding():
    keys = Keyring(new_key())
    token = keys.encrypt_text("123456789018", "resident.my_number:1001")
    assert "123456789018" not in token
    assert keys.decrypt_text(token, "resident.my_number:1001") == "123456789018"
    with pytest.raises(EncryptionError):
        keys.decrypt_text(token, "resident.my_number:1002")  # copied into another row


def test_wrong_key_and_tampering():
    token = Keyring(new_key()).encrypt(b"secret", "c")
    with pytest.raises(EncryptionError, match="not configured"):
        Keyring(new_key()).decrypt(token, "c")
    same_id_other_key = Keyring("kx:" + new_key().split(":")[1])
    forged = "v1:kx:" + token.split(":", 2)[2]
    with pytest.raises(EncryptionError, match="wrong key"):
        same_id_other_key.decrypt(forged, "c")
    keys = Keyring(new_key())
    good = keys.encrypt(b"secret", "c")
    import base64

    prefix, body = good.rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    for position in (0, 12, len(raw) - 1):  # the nonce, the ciphertext, the tag
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        with pytest.raises(EncryptionError):
            keys.decrypt(f"{prefix}:{base64.b64encode(bytes(tampered)).decode()}", "c")
    for junk in ("", "plain", "v2:x:y", "v1:" + keys.primary + ":!!!"):
        with pytest.raises(EncryptionError):
            keys.decrypt(junk, "c")


def test_nonces_are_unique():
    keys = Keyring(new_key())
    tokens = {keys.encrypt(b"same", "c") for _ in range(2000)}
    assert len(tokens) == 2000
    import base64

    nonces = {base64.b64decode(t.split(":")[2])[:12] for t in tokens}
    assert len(nonces) == 2000


def test_rotation_old_keys_still_decrypt():
    old, new = new_key(), new_key()
    token = Keyring(old).encrypt(b"x", "c")
    rotated = Keyring(f"{new},{old}")
    assert rotated.decrypt(token, "c") == b"x"
    assert rotated.key_id_of(rotated.encrypt(b"x", "c")) == rotated.primary == new.split(":")[0]


def test_bad_key_configuration():
    for spec in (
        "",
        "notbase64!!",
        "k1:" + "QUJD",
        f"{new_key()},{new_key().split(':')[1]}"[:0] or "a b:QUJD",
    ):
        with pytest.raises(EncryptionError):
            Keyring(spec)


def test_never_plaintext_in_the_database(residents, settings, monkeypatch):
    from django.db import connection

    from madoguchi.card.virtual import PROFILES
    from madoguchi.web.juki.models import Resident
    from madoguchi.web.juki.rekey import rekey

    number = PROFILES["demo"].my_number
    hanako = Resident.objects.get(name="窓口\u3000花子")
    assert hanako.reveal_my_number() == number
    assert hanako.my_number_masked == "********" + number[-4:]

    def dump() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM registry_resident")
            return repr(cursor.fetchall())

    text = dump()
    assert number not in text
    assert "窓口" in text  # the dump does hold the table

    # Rotation: a new first key; rekey re-encrypts; the old key can then be dropped.
    from madoguchi.web.juki.encryption import keyring

    old = keyring().primary
    import os

    fresh = new_key()
    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", f"{fresh},{os.environ['MADOGUCHI_ENCRYPTION_KEY']}")
    keyring.cache_clear()
    counts = rekey()
    assert counts["residents"] == Resident.objects.exclude(my_number_encrypted="").count()
    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", fresh)
    keyring.cache_clear()
    assert Resident.objects.get(pk=hanako.pk).reveal_my_number() == number
    assert old not in dump()
    assert sqlite3  # noqa: B018 - the test database is SQLite or PostgreSQL; the dump goes through Django
