"""Issuer signature check of the 券面事項入力補助AP data, and the trust anchors (CA public keys).

Order: certificate (EF 0004) against a configured CA key → record signature (DF33) with the certificate's key
→ digests (DF31 over EF 0001 as stored, DF32 over EF 0002 from DF22 to the end).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import TrustConfigError
from .records import Attributes, Certificate, IntegrityRecord

CA_KEY_ENV = "MADOGUCHI_CARD_CA_KEY"
ANY_KEY_ID = b""  # a key file without a Key-Id line: matches any issuer id (documented as not pinned)

_KEY_ID_LINE = re.compile(r"^\s*Key-Id\s*:\s*([0-9A-Fa-f ]+)\s*$", re.MULTILINE)
_PEM_BLOCK = re.compile(
    r"-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----.*?-----END \1-----", re.DOTALL
)


def _load_key(kind: str, data: bytes):
    if kind == "CERTIFICATE":
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


@dataclass
class TrustStore:
    """CA public keys by 16-byte key id, and whether the J-LIS test hierarchy is accepted."""

    keys: dict[bytes, rsa.RSAPublicKey] = field(default_factory=dict)
    test_mode: bool = False
    sources: list[str] = field(default_factory=list)

    def add(self, key_id: bytes, key: rsa.RSAPublicKey, source: str = "") -> None:
        self.keys[key_id] = key
        if source:
            self.sources.append(source)

    def key_for(self, key_id: bytes) -> rsa.RSAPublicKey | None:
        return self.keys.get(key_id) or self.keys.get(ANY_KEY_ID)

    def add_file(self, path: str) -> None:
        """Load a key file: one or more PEM public keys, each optionally preceded by ``Key-Id: <32 hex>``."""
        try:
            with open(path, "rb") as fh:
                raw = fh.read(1 << 20)
        except OSError as exc:
            raise TrustConfigError(f"cannot read CA key file {path}: {exc.strerror}") from None
        text = raw.decode("latin-1")
        blocks = list(_PEM_BLOCK.finditer(text))
        if not blocks:
            try:
                key = serialization.load_der_public_key(raw)
            except (ValueError, TypeError):
                raise TrustConfigError(
                    f"{path}: not a CA key file (expected PEM '-----BEGIN PUBLIC KEY-----' or DER)"
                ) from None
            if not isinstance(key, rsa.RSAPublicKey):
                raise TrustConfigError(f"{path}: the CA key must be an RSA key")
            self.add(ANY_KEY_ID, key, path)
            return
        pos = 0
        for block in blocks:
            ids = _KEY_ID_LINE.findall(text, pos, block.start())
            key_id = ANY_KEY_ID
            if ids:
                try:
                    key_id = bytes.fromhex(ids[-1].replace(" ", ""))
                except ValueError:
                    key_id = b"?"
                if len(key_id) != 16:
                    raise TrustConfigError(f"{path}: Key-Id must be 16 bytes in hex")
            try:
                key = _load_key(block.group(1), block.group(0).encode("latin-1"))
            except (ValueError, TypeError) as exc:
                raise TrustConfigError(f"{path}: unreadable public key ({exc})") from None
            if not isinstance(key, rsa.RSAPublicKey):
                raise TrustConfigError(f"{path}: the CA key must be an RSA key")
            self.add(key_id, key, path)
            pos = block.end()


def key_file_text(key: rsa.RSAPublicKey, key_id: bytes | None, comment: str = "") -> str:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    head = f"# {comment}\n" if comment else ""
    if key_id:
        head += f"Key-Id: {key_id.hex()}\n"
    return head + pem


def production_store(keyfile: str | None = None) -> TrustStore:
    """Production trust: the key file given, else ``MADOGUCHI_CARD_CA_KEY``. The project ships no key."""
    path = keyfile or os.environ.get(CA_KEY_ENV)
    if not path:
        raise TrustConfigError(
            "no production CA key is configured: give the J-LIS CA public key file with --trust KEYFILE "
            f"or set {CA_KEY_ENV} (madoguchi ships no production key)"
        )
    store = TrustStore(test_mode=False)
    store.add_file(path)
    return store


@dataclass(frozen=True)
class SignatureResult:
    status: str  # "valid" | "invalid" | "not_checked"
    reason: str = ""
    issuer: str = ""
    subject: str = ""

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def _rsa_ok(key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(
    *,
    trust: TrustStore,
    certificate: Certificate,
    integrity: IntegrityRecord,
    attributes: Attributes,
    my_number_file: bytes | None,
) -> SignatureResult:
    """Check the whole chain. ``my_number_file`` None means EF 0001 was not read: DF31 is not compared."""
    ids = {"issuer": str(certificate.issuer), "subject": str(certificate.subject)}

    def invalid(reason: str) -> SignatureResult:
        return SignatureResult("invalid", reason, **ids)

    if not trust.test_mode and (certificate.issuer.is_test or certificate.subject.is_test):
        return invalid("test-hierarchy key (id 6…) refused: test mode is off")
    ca_key = trust.key_for(certificate.issuer.raw)
    if ca_key is None:
        return invalid(f"no configured CA key for issuer key id {certificate.issuer}")
    if not _rsa_ok(ca_key, certificate.signature, certificate.body):
        return invalid("certificate (EF 0004) signature does not verify with the CA key")
    try:
        card_key = certificate.public_key()
    except ValueError:
        return invalid("certificate holds an unusable RSA key")
    if not _rsa_ok(card_key, integrity.signature, integrity.signed_data):
        return invalid("integrity record (EF 0003) signature DF33 does not verify")
    if my_number_file is not None and hashlib.sha256(my_number_file).digest() != integrity.my_number_digest:
        return invalid("EF 0001 does not match its digest DF31 (data changed after signing)")
    if hashlib.sha256(attributes.digest_source).digest() != integrity.attributes_digest:
        return invalid("EF 0002 does not match its digest DF32 (data changed after signing)")
    return SignatureResult("valid", "", **ids)
