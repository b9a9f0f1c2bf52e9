"""One mapping from each source to a :class:`Person` and to the catalog's facts.

card (券面事項), registry (住民記録), staff input (the counter's person form), the resident's pre-entry answers
and PERSON.json / the API. The catalog decides which facts a source may fill: only facts of the life event whose
``sources:`` list that source.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from madoguchi.card.records import Attributes
from madoguchi.case.person import TEXT_ITEMS, Person
from madoguchi.case.vocab import SEX_LABELS, parse_sex, parse_zokugara
from madoguchi.juki.dates import RegistryDate
from madoguchi.juki.records import ResidentRecord
from madoguchi.wareki import parse_date


def from_card(attributes: Attributes) -> Person:
    """The card's 4 情報. A 性別 code outside the vocabulary stays unknown rather than guessed."""
    return Person(
        name=attributes.name,
        birth_date=RegistryDate.from_date(attributes.birth_date),
        sex=attributes.sex if attributes.sex in SEX_LABELS else "",
        address=attributes.address,
        source="card",
    )


def from_registry(record: ResidentRecord) -> Person:
    return Person(
        name=record.name,
        kana=record.kana,
        kana_confirmed=record.kana_confirmed,
        tsusho=record.tsusho,
        tsusho_kana=record.tsusho_kana,
        name_alphabet=record.name_alphabet,
        birth_date=record.birth_date,
        sex=record.sex,
        postal_code=record.postal_code,
        address=record.address,
        katagaki=record.katagaki,
        zokugara=record.relationship,
        death_date=record.death_date,
        atena_no=record.atena_no,
        setai_no=record.setai_no,
        resident_kind=record.resident_kind,
        nationality=record.nationality,
        source="registry",
    )


def from_staff(values: Mapping[str, Any], source: str = "interview") -> Person:
    """What staff typed (already validated by the form): dates as date objects, the rest as text."""
    born = values.get("birth_date")
    died = values.get("death_date")
    return Person(
        name=values.get("name") or "",
        kana=values.get("kana") or "",
        kana_confirmed=bool(values.get("kana_confirmed")),
        birth_date=RegistryDate.from_date(born) if isinstance(born, date) else None,
        death_date=died if isinstance(died, date) else None,
        sex=values.get("sex") or "",
        postal_code=values.get("postal_code") or "",
        address=values.get("address") or "",
        katagaki=values.get("katagaki") or "",
        phone=values.get("phone") or "",
        zokugara=values.get("zokugara") or "",
        relationship=values.get("relationship") or "",
        source=source,
    )


def person_facts(person: Person, role: str) -> dict[str, Any]:
    """The facts a person's identity states, named for the role (``applicant.birth_date``)."""
    out: dict[str, Any] = {}
    if person.birth is not None:
        out[f"{role}.birth_date"] = person.birth
    if person.death_date is not None:
        out[f"{role}.death_date"] = person.death_date
    if person.sex:
        out[f"{role}.sex"] = person.sex
    return out


def from_answers(values: Mapping[str, Any], role: str, source: str = "resident") -> Person:
    """The person a set of answers states (the resident's pre-entry: ``applicant.birth_date`` …): the inverse
    of :func:`person_facts`. Only what the answers say; the name comes from the card or the registry."""
    born = values.get(f"{role}.birth_date")
    died = values.get(f"{role}.death_date")
    sex = values.get(f"{role}.sex")
    return Person(
        birth_date=RegistryDate.from_date(born) if isinstance(born, date) else None,
        death_date=died if isinstance(died, date) else None,
        sex=sex if isinstance(sex, str) and sex in SEX_LABELS else "",
        source=source,
    )


def from_arrival(values: Mapping[str, str]) -> Person:
    """A member of a 来庁予定 record (the arrivals file's items 氏名, フリガナ, 生年月日, 性別, 続柄). Raises
    ValueError 「item: reason」 naming the item."""
    import jaconv

    try:
        born = parse_date(values.get("生年月日", ""))
    except ValueError as exc:
        raise ValueError(f"生年月日: {exc}") from None
    try:
        sex = parse_sex(values.get("性別", "")).value
    except ValueError as exc:
        raise ValueError(f"性別: {exc}") from None
    try:
        zokugara = parse_zokugara(values.get("続柄", ""))
    except ValueError as exc:
        raise ValueError(f"続柄: {exc}") from None
    kana = jaconv.hira2kata(jaconv.h2z(values.get("フリガナ", "").strip()))
    if kana and not re.fullmatch(r"[\u30A0-\u30FF\u3000 ]+", kana):
        raise ValueError("フリガナ: カタカナで書かれていません")
    return Person(
        name=values.get("氏名", "").strip(),
        kana=kana,
        kana_confirmed=False,  # a reading the resident typed online is confirmed at the counter
        birth_date=RegistryDate.from_date(born),
        sex=sex,
        zokugara=zokugara,
        source="arrivals",
    )


def accepted_facts(proposed: Mapping[str, Any], facts: Mapping[str, Any], event_id: str, source: str) -> dict:
    """What the catalog takes from ``source``: facts it defines for the life event that list the source."""
    out = {}
    for name, value in proposed.items():
        fact = facts.get(name)
        if fact is None or source not in (fact.sources or ()) or not fact.used_in(event_id):
            continue
        out[name] = value
    return out


# PERSON.json / the API: text values only, every one checked, errors naming ``role.field``.
_SEX_ALIASES = {"male": "1", "female": "2", "M": "1", "F": "2"}


def from_json(raw: Any, role: str) -> Person:
    """A person given as JSON (``applicant`` / ``deceased`` of PERSON.json). Raises ValueError naming the field."""
    if raw is None:
        return Person()
    if not isinstance(raw, Mapping):
        raise ValueError(f"{role}: expected an object with name, kana, birth_date, …")
    unknown = sorted(set(raw) - set(TEXT_ITEMS))
    if unknown:
        raise ValueError(f"{role}.{unknown[0]}: unknown field; known: {', '.join(TEXT_ITEMS)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{role}.{key}: expected text, got {type(value).__name__}")
        if key in ("birth_date", "death_date") and value.strip():
            try:
                values[key] = parse_date(value)
            except ValueError as exc:
                raise ValueError(f"{role}.{key}: {exc}") from None
        elif key == "sex" and value:
            try:
                values[key] = parse_sex(_SEX_ALIASES.get(value, value)).value
            except ValueError as exc:
                raise ValueError(f"{role}.sex: {exc}") from None
        elif key == "postal_code" and value:
            digits = unicodedata.normalize("NFKC", value).replace("-", "").replace("〒", "").strip()
            if not re.fullmatch(r"\d{7}", digits):
                raise ValueError(f"{role}.postal_code: expected 7 digits such as 999-0001, got {value!r}")
            values[key] = f"{digits[:3]}-{digits[3:]}"
        elif key == "phone" and value:
            if not re.fullmatch(r"[0-9０-９\-－()（） ]{6,20}", value):
                raise ValueError(f"{role}.phone: expected digits and hyphens, got {value!r}")
            values[key] = unicodedata.normalize("NFKC", value)
        elif key in ("name", "kana") and value and not value.strip():
            raise ValueError(f"{role}.{key}: only spaces")
        else:
            if len(value) > 300:
                raise ValueError(f"{role}.{key}: longer than 300 characters")
            values[key] = value
    return from_staff(values, source="interview")
