"""From raw EF files to the decoded, checked result handed to the CLI, the agent and the server."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field

from japanera import EraDate

from . import gaiji, records
from .errors import CardDataError
from .mynumber import MyNumber
from .protocol import CardFiles, KenhojoAP, Transmitter
from .signature import ANY_KEY_ID, SignatureResult, TrustStore, verify


def wareki(d: datetime.date) -> str | None:
    """和暦 for display, e.g. 平成2年4月1日 (元年 for the first year)."""
    try:
        era = EraDate.from_date(d).era
        year = d.year - era.since.year + 1
    except Exception:  # noqa: BLE001 - display only; an era library gap must not fail a read
        return None
    if era is None:
        return None
    return f"{era.kanji}{'元' if year == 1 else year}年{d.month}月{d.day}日"


@dataclass
class CardReading:
    my_number: MyNumber | None
    attributes: records.Attributes
    signature: SignatureResult
    warnings: list[str] = field(default_factory=list)
    files: CardFiles | None = None
    test_mode: bool = False  # test-hierarchy keys were accepted: always shown with the result

    def public_dict(self) -> dict:
        """The fields safe to print or show: the 個人番号 only masked."""
        a = self.attributes
        return {
            "my_number_masked": self.my_number.masked if self.my_number else None,
            "name": a.name,
            "family_name": a.family_name,
            "given_name": a.given_name,
            "address": a.address,
            "birth_date": a.birth_date.isoformat(),
            "birth_date_wareki": wareki(a.birth_date),
            "sex": a.sex,
            "sex_label": a.sex_label,
            "signature": self.signature.status,
            "signature_reason": self.signature.reason,
            "test_mode": self.test_mode,
            "warnings": list(self.warnings),
        }

    def evidence(self) -> dict[str, str]:
        """Raw files, base64 (特定個人情報: to be stored encrypted, for later re-verification)."""
        if not self.files:
            return {}
        out = {
            "ef0002": self.files.attributes,
            "ef0003": self.files.integrity,
            "ef0004": self.files.certificate,
        }
        if self.files.my_number is not None:
            out["ef0001"] = self.files.my_number
        return {k: base64.b64encode(v).decode("ascii") for k, v in sorted(out.items())}


def files_from_evidence(evidence: dict[str, str]) -> CardFiles:
    """The raw files back from ``CardReading.evidence()`` (e.g. stored with a case), for re-verification."""
    try:
        raw = {k: base64.b64decode(v, validate=True) for k, v in evidence.items()}
    except (ValueError, TypeError, AttributeError):
        raise CardDataError("evidence is not valid base64") from None
    if "ef0002" not in raw:
        raise CardDataError("evidence lacks EF 0002")
    return CardFiles(
        my_number=raw.get("ef0001"),
        attributes=raw["ef0002"],
        integrity=raw.get("ef0003", b""),
        certificate=raw.get("ef0004", b""),
    )


def decode(
    files: CardFiles,
    trust: TrustStore | None,
    repertoire: gaiji.Repertoire | None = None,
) -> CardReading:
    """Parse and check ``files``. Malformed data raises ``CardDataError``; a bad signature does not raise."""
    number = records.parse_my_number(files.my_number) if files.my_number is not None else None
    attrs = records.parse_attributes(files.attributes)
    warnings = list(attrs.warnings)
    warnings += gaiji.find(attrs.name, "氏名", repertoire)
    warnings += gaiji.find(attrs.address, "住所", repertoire)

    have_sig = bool(files.integrity) or bool(files.certificate)
    if have_sig and not (files.integrity and files.certificate):
        raise CardDataError(
            "the integrity record (EF 0003) and the certificate (EF 0004) go together; one is missing"
        )
    if not have_sig:
        result = SignatureResult("not_checked", "no integrity record / certificate given")
    else:
        integrity = records.parse_integrity(files.integrity)
        certificate = records.parse_certificate(files.certificate)
        if trust is None:
            result = SignatureResult("not_checked", "no CA key configured (--trust)")
        else:
            result = verify(
                trust=trust,
                certificate=certificate,
                integrity=integrity,
                attributes=attrs,
                my_number_file=files.my_number,
            )
            if ANY_KEY_ID in trust.keys:
                warnings.append("CA key not pinned to a key id (add a 'Key-Id:' line to the key file)")
        if result.status == "invalid":
            warnings.append(f"署名が無効です / signature invalid: {result.reason}")
    return CardReading(number, attrs, result, warnings, files, test_mode=bool(trust and trust.test_mode))


def read_card(
    transport: Transmitter,
    pin: str,
    *,
    trust: TrustStore | None,
    confirm_last_try: bool = False,
    read_my_number: bool = True,
    repertoire: gaiji.Repertoire | None = None,
) -> CardReading:
    """The counter flow: select the AP, check tries left, one VERIFY, read, decode and check."""
    ap = KenhojoAP(transport)
    ap.select_ap()
    ap.verify_pin(pin, confirm_last_try=confirm_last_try)
    files = ap.read_files(read_my_number=read_my_number)
    return decode(files, trust, repertoire)
