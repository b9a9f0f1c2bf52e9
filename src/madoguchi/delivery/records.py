"""The case → 住民記録 standard items mapping: what one procedure's delivery record says, from the case
snapshot alone (pure: tested without a database)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from madoguchi.case import CaseSnapshot, Person
from madoguchi.catalog.loader import Catalog
from madoguchi.catalog.models import Procedure

# Items only the registry knows (the core system's keys for the person, a foreign resident's other names):
# known when the case's subject was set from the registry, empty (None) when typed in.
REGISTRY_ITEMS = frozenset(
    ("宛名番号", "世帯番号", "住民種別", "氏名（アルファベット）", "通称", "通称フリガナ", "国籍・地域")
)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _text(value) -> str | None:
    return str(value) if value not in (None, "") else None


def record_items(
    snapshot: CaseSnapshot,
    catalog: Catalog,
    proc: Procedure,
    items: Iterable[str],
    person: str | None = None,
) -> dict[str, str | None]:
    """The standard items of one procedure, as text; None where the case does not know the value.
    ``person``: the id of the person a per-person procedure's record is about (each 世帯員 that moves);
    otherwise the record is about the event's subject."""
    event = catalog.events.get(snapshot.event_id)
    subject_role = event.subject if event else "applicant"
    party = snapshot.party(person) if person else None
    subject = party.person if party else (snapshot.person(subject_role) or Person())
    applicant = snapshot.person("applicant") or Person()
    event_date = snapshot.facts.get(event.date_fact) if event else None
    event_date = event_date if isinstance(event_date, date) else None
    dept = catalog.departments.get(proc.department)
    deceased = subject_role == "deceased"
    available: dict[str, str | None] = {
        "氏名": subject.name or None,
        "氏名フリガナ": subject.kana or None,
        "フリガナ確認フラグ": ("1" if subject.kana_confirmed else "0") if subject.kana else None,
        "生年月日": _iso(subject.birth),
        "性別": subject.sex_label or None,
        "郵便番号": subject.postal_code or None,
        "住所": subject.address or None,
        "続柄": subject.zokugara or None,
        "死亡年月日": _iso(subject.death_date) or (_iso(event_date) if deceased else None),
        "案件番号": snapshot.number,
        "手続ID": proc.id,
        "手続名": proc.name,
        "担当課": dept.name if dept else proc.department,
        "届出年月日": _iso(snapshot.finished_on),
        "異動年月日": _iso(event_date),
        "異動事由": (event.idou_jiyuu or event.name) if event else snapshot.event_id,
        "届出人氏名": applicant.name or None,
        "届出人氏名フリガナ": applicant.kana or None,
        "届出人住所": applicant.address or None,
        "届出人郵便番号": applicant.postal_code or None,
        "届出人電話番号": applicant.phone or None,
        "届出人続柄": applicant.relationship or None,
        "転入前住所": _text(snapshot.facts.get("move.from_address")),
    }
    roles = [r.id for r in event.repeated_roles] if event else []
    if roles:
        household = [party.person for role in roles for party in snapshot.of_role(role)]
        head = next((p for p in household if p.zokugara == "世帯主"), None)
        available["世帯主氏名"] = head.name if head else None
        available["世帯員数"] = str(len(household))
    if deceased:
        available["消除事由"] = "死亡"
        available["消除年月日"] = available["死亡年月日"]
    if subject.atena_no:  # set from the registry
        available.update(
            {
                "宛名番号": subject.atena_no,
                "世帯番号": subject.setai_no or None,
                "住民種別": "外国人" if subject.resident_kind == "foreign" else "日本人",
                "氏名（アルファベット）": subject.name_alphabet or None,
                "通称": subject.tsusho or None,
                "通称フリガナ": subject.tsusho_kana or None,
                "国籍・地域": subject.nationality or None,
            }
        )
    return {item: available.get(item) for item in items}
