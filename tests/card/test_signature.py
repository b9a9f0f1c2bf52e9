"""Signature chain: CA → certificate (EF 0004) → DF33 → digests DF31/DF32. Synthetic keys only."""

from __future__ import annotations

import pytest
from card_testdata import ADDRESS, NAME, NUMBER

from madoguchi.card import builder, records
from madoguchi.card.errors import TrustConfigError
from madoguchi.card.protocol import CardFiles
from madoguchi.card.reading import decode
from madoguchi.card.signature import CA_KEY_ENV, TrustStore, key_file_text, production_store


def _files(f, **over):
    d = {"my_number": f["ef1"], "attributes": f["ef2"], "integrity": f["ef3"], "certificate": f["ef4"]}
    d.update(over)
    return CardFiles(**d)


def _flip(data: bytes, index: int) -> bytes:
    b = bytearray(data)
    b[index] ^= 0x01
    return bytes(b)


def test_valid(card_files, hierarchy):
    r = decode(_files(card_files), hierarchy.trust_store())
    assert r.signature.status == "valid"
    assert r.public_dict()["signature"] == "valid"


def test_digest_covers_filler_of_ef0001(card_files, hierarchy):
    ef1 = card_files["ef1"][:-1] + b"\x00"  # filler changed: still parses, digest differs
    r = decode(_files(card_files, my_number=ef1), hierarchy.trust_store())
    assert r.signature.status == "invalid" and "DF31" in r.signature.reason


def test_tampered_name(card_files, hierarchy):
    ef2 = card_files["ef2"].replace("太郎".encode(), "次郎".encode())
    r = decode(_files(card_files, attributes=ef2), hierarchy.trust_store())
    assert r.signature.status == "invalid" and "DF32" in r.signature.reason
    assert r.attributes.given_name == "次郎"  # shown, but flagged: the caller must not auto-fill
    assert any("signature invalid" in w for w in r.warnings)


def test_tampered_signature(card_files, hierarchy):
    ef3 = _flip(card_files["ef3"], 200)
    r = decode(_files(card_files, integrity=ef3), hierarchy.trust_store())
    assert r.signature.status == "invalid" and "DF33" in r.signature.reason


def test_tampered_certificate_body(card_files, hierarchy):
    ef4 = _flip(card_files["ef4"], 100)  # inside the modulus
    r = decode(_files(card_files, certificate=ef4), hierarchy.trust_store())
    assert r.signature.status == "invalid" and "EF 0004" in r.signature.reason


def test_wrong_ca(card_files, hierarchy):
    store = TrustStore(test_mode=True)
    store.add(hierarchy.ca_key_id, builder.new_key().public_key())
    r = decode(_files(card_files), store)
    assert r.signature.status == "invalid"


def test_unknown_issuer_key_id(card_files, hierarchy):
    store = TrustStore(test_mode=True)
    store.add(b"6000033\x08\x05001\x00\x00\x00\x00", hierarchy.ca.public_key())
    r = decode(_files(card_files), store)
    assert r.signature.status == "invalid" and "no configured CA key" in r.signature.reason


def test_virtual_hierarchy_refused_without_test_mode(card_files, hierarchy):
    store = TrustStore(test_mode=False)
    store.add(hierarchy.ca_key_id, hierarchy.ca.public_key())
    r = decode(_files(card_files), store)
    assert r.signature.status == "invalid" and "test mode is off" in r.signature.reason


def test_production_hierarchy_accepted_without_test_mode():
    ca, card = builder.new_key(), builder.new_key()
    ca_id = b"5999999\x08\x05001\x00\x00\x00\x00"
    card_id = b"5999990\x08\x05001\x00\x00\x00\x01"
    ef1 = builder.my_number_file(NUMBER)
    ef2 = builder.attributes_file(NAME, ADDRESS, "19900401", "1")
    files = CardFiles(
        ef1,
        ef2,
        builder.integrity_file(ef1, ef2, card),
        builder.certificate_file(ca_id, card_id, card.public_key(), ca),
    )
    store = TrustStore(test_mode=False)
    store.add(ca_id, ca.public_key())
    assert decode(files, store).signature.status == "valid"


def test_without_my_number_file_df32_still_checked(card_files, hierarchy):
    r = decode(_files(card_files, my_number=None), hierarchy.trust_store())
    assert r.signature.status == "valid" and r.my_number is None
    ef2 = card_files["ef2"].replace("太郎".encode(), "次郎".encode())
    r = decode(_files(card_files, my_number=None, attributes=ef2), hierarchy.trust_store())
    assert r.signature.status == "invalid"


def test_not_checked_without_trust_or_files(card_files):
    assert decode(_files(card_files), None).signature.status == "not_checked"
    r = decode(_files(card_files, integrity=b"", certificate=b""), None)
    assert r.signature.status == "not_checked"


def test_key_file_round_trip(tmp_path, card_files, hierarchy):
    path = tmp_path / "ca.pem"
    path.write_text(key_file_text(hierarchy.ca.public_key(), hierarchy.ca_key_id, "test"))
    store = production_store(str(path))
    assert list(store.keys) == [hierarchy.ca_key_id]
    assert decode(_files(card_files), store).signature.reason.endswith("test mode is off")
    store.test_mode = True
    assert decode(_files(card_files), store).signature.valid


def test_key_file_without_key_id_is_not_pinned(tmp_path, card_files, hierarchy):
    path = tmp_path / "ca.pem"
    path.write_text(key_file_text(hierarchy.ca.public_key(), None))
    store = production_store(str(path))
    store.test_mode = True
    r = decode(_files(card_files), store)
    assert r.signature.valid
    assert any("not pinned" in w for w in r.warnings)


def test_production_needs_a_configured_key(monkeypatch):
    monkeypatch.delenv(CA_KEY_ENV, raising=False)
    with pytest.raises(TrustConfigError) as exc:
        production_store()
    assert "no production CA key is configured" in exc.value.message


@pytest.mark.parametrize(
    "content", [b"", b"hello", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_bad_key_files(tmp_path, content):
    path = tmp_path / "ca.pem"
    path.write_bytes(content)
    with pytest.raises(TrustConfigError):
        production_store(str(path))


def test_integrity_digests_match_reference_rules(card_files):
    import hashlib

    rec = records.parse_integrity(card_files["ef3"])
    assert rec.my_number_digest == hashlib.sha256(card_files["ef1"]).digest()
    attrs = records.parse_attributes(card_files["ef2"])
    start = card_files["ef2"].index(bytes.fromhex("DF22"))
    assert rec.attributes_digest == hashlib.sha256(card_files["ef2"][start:]).digest()
    assert attrs.digest_source == card_files["ef2"][start:]


def test_evidence_round_trip(recorder, hierarchy):
    from madoguchi.card.reading import files_from_evidence, read_card

    reading = read_card(recorder("demo"), "1234", trust=hierarchy.trust_store())
    again = decode(files_from_evidence(reading.evidence()), hierarchy.trust_store())
    assert again.signature.valid and again.my_number == reading.my_number


@pytest.mark.parametrize("evidence", [{}, {"ef0002": "%%%"}, {"ef0002": 5}])
def test_bad_evidence(evidence):
    from madoguchi.card.errors import CardDataError
    from madoguchi.card.reading import files_from_evidence

    with pytest.raises(CardDataError):
        files_from_evidence(evidence)
