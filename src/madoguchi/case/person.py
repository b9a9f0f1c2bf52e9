"""One person on a case, in the 住民記録 standard's items that a counter uses.

Every source becomes a :class:`Person` through one mapping (:mod:`madoguchi.case.sources`): the card's
券面事項, a registry record, staff input. Forms, the guidance sheet, delivery and the API read this one shape.
Legal names are kept exactly as given, never normalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from madoguchi.case.vocab import sex_label


class BirthDate(Protocol):
    """A date that may be 不詳 or not a calendar date (standard A6): madoguchi.juki.dates.RegistryDate.

    A protocol, so the case core does not depend on the registry package (which uses the case vocabulary)."""

    unknown: bool

    def to_date(self) -> date | None: ...

    def display(self) -> str: ...


SOURCES = (
    "interview",
    "registry",
    "card",
    "resident",
    "arrivals",
)  # staff, 住民記録, カード, 本人入力, 来庁予定


@dataclass(frozen=True, slots=True)
class Person:
    name: str = ""  # 氏名 as recorded
    kana: str = ""  # 氏名のフリガナ (katakana)
    kana_confirmed: bool = False  # フリガナ確認フラグ: staff confirmed it with the person
    kyuuji: str = ""  # 旧氏
    tsusho: str = ""  # 通称 (foreign residents)
    tsusho_kana: str = ""
    name_alphabet: str = ""  # 氏名（アルファベット） (foreign residents)
    birth_date: BirthDate | None = None  # may be 不詳 or a non-calendar date (standard A6)
    sex: str = ""  # 性別 code (madoguchi.case.vocab.Sex); '' = not known
    postal_code: str = ""
    address: str = ""
    katagaki: str = ""  # 方書
    phone: str = ""
    zokugara: str = ""  # 世帯主との続柄, the standard's list
    relationship: str = ""  # how they relate to the case's subject, as said at the counter (長男, 配偶者)
    death_date: date | None = None
    atena_no: str = ""  # 宛名番号: the core system's key
    setai_no: str = ""  # 世帯番号
    resident_kind: str = ""  # japanese | foreign ('' = not from the registry)
    nationality: str = ""  # 国籍・地域
    source: str = "interview"  # where the identity came from (SOURCES)

    @property
    def birth(self) -> date | None:
        """The calendar birth date, or None when 不詳, not a calendar date or not known."""
        return self.birth_date.to_date() if self.birth_date is not None else None

    @property
    def sex_label(self) -> str:
        return sex_label(self.sex)

    def item(self, name: str) -> Any:
        """An item as forms read it: dates as calendar dates (None when 不詳), everything else as stored."""
        if name == "birth_date":
            return self.birth
        return getattr(self, name)


def call_name(person: Person) -> str:
    """How the clerk and the sheet name a person of the household: 「長男 太郎さん」 (続柄 and given name);
    '' when neither is known."""
    given = person.name.replace("\u3000", " ").split(" ")[-1].strip() if person.name else ""
    named = f"{given}さん" if given else ""
    return " ".join(part for part in (person.zokugara or person.relationship, named) if part)


# The items a person's text input may give (the counter's form, PERSON.json, the API), in display order.
TEXT_ITEMS = (
    "name",
    "kana",
    "birth_date",
    "death_date",
    "sex",
    "postal_code",
    "address",
    "katagaki",
    "phone",
    "zokugara",
    "relationship",
)
