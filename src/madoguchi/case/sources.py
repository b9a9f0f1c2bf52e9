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

import jaconv

from madoguchi.card.records import Attributes
from madoguchi.case.person import TEXT_ITEMS, Person
from madoguchi.case.vocab import SEX_LABELS, parse_sex, parse_zokugara
from madoguchi.juki.dates import RegistryDate
from madoguchi.juki.records import ResidentRecord
from madoguchi.wareki import parse_date

# The person items the card's 券面事項入力補助AP holds (the 4 情報).
CARD_ITEMS = ("name", "birth_date", "sex", "address")


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
        sex=record.sex if record.sex in SEX_LABELS else "",
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


# PERSON.json and the API: every field checked, each problem named by its field. The widths are the case's
# columns (the shell stores a person in them), so what passes here is stored whole.
ITEM_MAX_LENGTH = {
    "name": 100,
    "kana": 200,
    "postal_code": 8,
    "address": 300,
    "katagaki": 100,
    "phone": 20,
    "zokugara": 40,
    "relationship": 40,
}
JSON_ITEMS = (*TEXT_ITEMS, "kana_confirmed")
_SEX_ALIASES = {"male": "1", "female": "2", "M": "1", "F": "2"}


def read_person(
    raw: Any, *, items: tuple[str, ...] = JSON_ITEMS, sex_aliases: bool = False, source: str = "interview"
) -> tuple[Person, dict[str, str]]:
    """A person given as a JSON object: the person, and ``{field: message}`` for every field refused (the
    person then holds only the accepted fields). Dates in 西暦 or 和暦; 性別 as a code or a label (with
    ``sex_aliases`` also M/F, PERSON.json's old spelling)."""
    if raw is None:
        return Person(source=source), {}
    if not isinstance(raw, Mapping):
        return Person(source=source), {"": "氏名・生年月日などを項目とするオブジェクトで指定してください"}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if key not in items:
            errors[str(key)] = f"未知の項目です（使える項目: {', '.join(items)}）"
        elif value is None:
            continue
        elif key == "kana_confirmed":
            if isinstance(value, bool):
                values[key] = value
            else:
                errors[key] = "true か false で指定してください"
        elif not isinstance(value, str):
            errors[key] = "文字列で指定してください"
        else:
            try:
                parsed = _read_item(key, value, sex_aliases)
            except ValueError as exc:
                errors[key] = str(exc)
            else:
                if parsed is not None:
                    values[key] = parsed
    return from_staff(values, source=source), errors


def _read_item(key: str, value: str, sex_aliases: bool) -> Any:
    if not value.strip():
        if key in ("name", "kana") and value:
            raise ValueError("空白だけです")
        return None
    if key in ("birth_date", "death_date"):
        return parse_date(value)
    if key == "sex":
        return parse_sex(_SEX_ALIASES.get(value, value) if sex_aliases else value).value
    if key == "postal_code":
        digits = unicodedata.normalize("NFKC", value).replace("-", "").replace("〒", "").strip()
        if not re.fullmatch(r"\d{7}", digits):
            raise ValueError(f"郵便番号は 999-0001 のような7桁の数字です: 「{value}」")
        return f"{digits[:3]}-{digits[3:]}"
    if key == "phone":
        if not re.fullmatch(r"[0-9０-９\-－()（） ]{6,20}", value):
            raise ValueError(f"電話番号は数字とハイフンで書いてください: 「{value}」")
        return unicodedata.normalize("NFKC", value)
    if key == "zokugara":
        return parse_zokugara(value)
    limit = ITEM_MAX_LENGTH.get(key, 300)
    if len(value) > limit:
        raise ValueError(f"{limit}文字以内で指定してください")
    return value


def from_json(raw: Any, role: str) -> Person:
    """A person of PERSON.json (``applicant`` / ``deceased``). Raises ValueError naming ``role.field``."""
    person, errors = read_person(raw, items=TEXT_ITEMS, sex_aliases=True)
    if errors:
        field, message = next(iter(errors.items()))
        raise ValueError(f"{role}.{field}: {message}" if field else f"{role}: {message}")
    return person
