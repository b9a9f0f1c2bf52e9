"""Resident records as the registry core sees them, and the 住民記録 standard's item names (A3–A9).

Each item has a stable key (used in code and the database), the standard's item name (used as the default CSV
header and in every error message), whether it is required, and a parser from CSV text to a value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jaconv

from madoguchi.card.mynumber import is_valid as my_number_valid
from madoguchi.case import vocab

from .dates import RegistryDate, RegistryDateError, parse_registry_date


class ItemError(ValueError):
    """A value that does not fit its item; the message is for the person fixing the file."""


# --- value parsers -----------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "y", "有", "あり", "有り", "○", "〇", "該当", "はい", "資格有", "受給"}
_FALSE = {"", "0", "false", "no", "n", "無", "なし", "無し", "×", "非該当", "いいえ", "資格無", "-"}


def parse_bool(text: str) -> bool:
    key = unicodedata.normalize("NFKC", text).strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ItemError(f"有/無（1/0）のどちらかを書いてください: {text!r}")


def parse_sex(text: str) -> str:
    try:
        return vocab.parse_sex(text).value
    except ValueError as exc:
        raise ItemError(str(exc)) from None


# 続柄 (A4): 世帯主; 夫, 妻, 夫（未届）, 妻（未届）, 子, 子（子の夫）, 子（子の妻）, 父, 母, 兄, 姉, 弟, 妹; chains of up to 4
# generations joined with 「の」; 縁故者; 同居人. Anything else is refused (祖父, 孫… are written 縁故者).
def parse_relationship(text: str) -> str:
    try:
        return vocab.parse_zokugara(text)
    except ValueError as exc:
        raise ItemError(str(exc)) from None


_KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ・]+$")


def parse_kana(text: str) -> str:
    value = jaconv.hira2kata(jaconv.h2z(text.strip(), kana=True, ascii=False, digit=False))
    if value and not _KATAKANA.match(value):
        raise ItemError(f"フリガナはカタカナで書いてください: {text!r}")
    return value


def parse_text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()  # legal names and addresses are kept exactly as written
        if len(value) > limit:
            raise ItemError(f"{limit}文字を超えています")
        if any(unicodedata.category(c) == "Cc" for c in value):
            raise ItemError("制御文字が含まれています")
        return value

    return parse


# 氏名（アルファベット） of a 外国人住民 (A3): Latin letters as on the residence card, with the separators names use.
_ALPHABET_NAME = re.compile(r"^[A-Za-z][A-Za-z ,.'\-]*$")


def parse_alphabet_name(text: str) -> str:
    # NFKC turns full-width letters into ASCII (an encoding accident); otherwise the name is kept as written.
    value = unicodedata.normalize("NFKC", text).strip()
    if len(value) > 100:
        raise ItemError("100文字を超えています")
    if not _ALPHABET_NAME.match(value):
        raise ItemError(
            f"英字（A〜Z）と空白・カンマ・ピリオド・ハイフン・アポストロフィで書いてください: {text!r}"
        )
    return value


def parse_number_id(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"\d{1,15}", value):
        raise ItemError("数字（15桁まで）で書いてください")
    return value


def parse_date(text: str) -> RegistryDate:
    try:
        return parse_registry_date(text)
    except RegistryDateError as exc:
        raise ItemError(str(exc)) from None


def parse_postal(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip().replace("〒", "")
    if not re.fullmatch(r"\d{3}-?\d{4}", value):
        raise ItemError("郵便番号は 123-4567 の形です")
    return value if "-" in value else f"{value[:3]}-{value[3:]}"


def parse_my_number(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("-", "")
    if not my_number_valid(value):
        # Never echo the value: it may be a real number with a typo.
        raise ItemError("個人番号が12桁でないか、検査用数字が合いません")
    return value


STATUSES = {"住民": "resident", "転出": "moved_out", "死亡": "deceased", "消除": "removed"}


def parse_status(text: str) -> str:
    key = unicodedata.normalize("NFKC", text).strip()
    if key in STATUSES:
        return STATUSES[key]
    if key in STATUSES.values():
        return key
    raise ItemError(f"住民状態は 住民・転出・死亡・消除 のいずれかです: {text!r}")


KINDS = {"日本人": "japanese", "外国人": "foreign", "1": "japanese", "2": "foreign"}


def parse_kind(text: str) -> str:
    key = unicodedata.normalize("NFKC", text).strip()
    if key in KINDS:
        return KINDS[key]
    raise ItemError(f"住民種別は 日本人・外国人 です: {text!r}")


CARE_LEVELS = ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5"]


def parse_care_level(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if value in CARE_LEVELS:
        return value
    raise ItemError(f"要介護状態区分は {'・'.join(CARE_LEVELS)} です: {text!r}")


def parse_grade(text: str) -> int:
    value = unicodedata.normalize("NFKC", text).strip().removesuffix("級")
    if value in {"1", "2", "3", "4", "5", "6"}:
        return int(value)
    raise ItemError(f"等級は1〜6です: {text!r}")


DISABILITY_TYPES = {
    "視覚": "visual",
    "聴覚": "hearing",
    "平衡": "balance",
    "音声言語": "speech",
    "音声・言語": "speech",
    "肢体": "limb",
    "肢体不自由": "limb",
    "内部": "internal",
}


def parse_disability_type(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if value in DISABILITY_TYPES:
        return DISABILITY_TYPES[value]
    if value in DISABILITY_TYPES.values():
        return value
    raise ItemError(f"障害種別は {'・'.join(list(DISABILITY_TYPES)[:7])} のいずれかです: {text!r}")


NENKIN_KINDS = {
    "第1号": "1",
    "1号": "1",
    "1": "1",
    "第2号": "2",
    "2号": "2",
    "2": "2",
    "第3号": "3",
    "3号": "3",
    "3": "3",
}


def parse_nenkin(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if value in NENKIN_KINDS:
        return NENKIN_KINDS[value]
    raise ItemError(f"国民年金の種別は 第1号・第2号・第3号 です: {text!r}")


@dataclass(frozen=True)
class Item:
    key: str
    name: str  # the standard's item name: default CSV header and error messages
    parse: Callable[[str], Any]
    required: bool = False


ITEMS: list[Item] = [
    Item("atena_no", "宛名番号", parse_number_id, True),
    Item("setai_no", "世帯番号", parse_number_id, True),
    Item("name", "氏名", parse_text(100), True),
    Item("kana", "氏名フリガナ", parse_kana),
    Item("kana_confirmed", "フリガナ確認フラグ", parse_bool),
    Item("birth_date", "生年月日", parse_date, True),
    Item("sex", "性別", parse_sex, True),
    Item("relationship", "続柄", parse_relationship, True),
    Item("postal_code", "郵便番号", parse_postal),
    Item("address", "住所", parse_text(200), True),
    Item("katagaki", "方書", parse_text(100)),
    Item("resident_since", "住民となった年月日", parse_date),
    Item("status", "住民状態", parse_status),
    Item("removal_reason", "消除事由", parse_text(20)),
    Item("removal_date", "消除年月日", parse_date),
    Item("resident_kind", "住民種別", parse_kind),
    # 外国人住民 only (A3; an error on a 日本人 row):
    Item("name_alphabet", "氏名（アルファベット）", parse_alphabet_name),
    Item("tsusho", "通称", parse_text(100)),
    Item("tsusho_kana", "通称フリガナ", parse_kana),
    Item("nationality", "国籍・地域", parse_text(40)),
    Item("my_number", "個人番号", parse_my_number),
    Item("kokuho", "国保資格", parse_bool),
    Item("kouki", "後期高齢者医療資格", parse_bool),
    Item("kaigo", "介護保険資格", parse_bool),
    Item("care_level", "要介護状態区分", parse_care_level),
    Item("nenkin_kind", "国民年金種別", parse_nenkin),
    Item("pension_recipient", "年金受給", parse_bool),
    Item("child_allowance", "児童手当受給", parse_bool),
    Item("handbook_grade", "身体障害者手帳等級", parse_grade),
    Item("handbook_type", "身体障害者手帳障害種別", parse_disability_type),
    Item("seal_registered", "印鑑登録", parse_bool),
]
ITEMS_BY_KEY = {i.key: i for i in ITEMS}
ITEMS_BY_NAME = {i.name: i for i in ITEMS}


@dataclass
class ResidentRecord:
    atena_no: str
    setai_no: str
    name: str
    birth_date: RegistryDate
    sex: str
    relationship: str
    address: str
    kana: str = ""
    kana_confirmed: bool = False
    postal_code: str = ""
    katagaki: str = ""
    resident_since: RegistryDate | None = None
    status: str = "resident"
    removal_reason: str = ""
    removal_date: RegistryDate | None = None
    resident_kind: str = "japanese"
    name_alphabet: str = ""
    tsusho: str = ""
    tsusho_kana: str = ""
    nationality: str = ""
    my_number: str = field(default="", repr=False)  # never in a repr (logs)
    kokuho: bool = False
    kouki: bool = False
    kaigo: bool = False
    care_level: str = ""
    nenkin_kind: str = ""
    pension_recipient: bool | None = None
    child_allowance: bool = False
    handbook_grade: int | None = None
    handbook_type: str = ""
    seal_registered: bool = False
    line: int = 0  # where it came from in the file (for messages)

    FOREIGN_ONLY = ("name_alphabet", "tsusho", "tsusho_kana", "nationality")

    @property
    def is_current(self) -> bool:
        return self.status == "resident"

    @property
    def death_date(self) -> date | None:
        if self.status == "deceased" and self.removal_date is not None:
            return self.removal_date.to_date()
        return None

    def age_on(self, day: date) -> int | None:
        born = self.birth_date.to_date()
        if born is None:
            if self.birth_date.year is None:
                return None
            return day.year - self.birth_date.year  # 不詳: roughly
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def search_key(text: str) -> str:
    """A folded key for search only (never stored as a legal name): NFKC (全角英数→半角, 半角カナ→全角),
    katakana for hiragana, no spaces, lower case."""
    value = unicodedata.normalize("NFKC", text or "")
    value = jaconv.hira2kata(value)
    return re.sub(r"[\s\u3000・･]", "", value).lower()


_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A number written in 漢数字 right before 丁目/番/号 (「一丁目」, 「二十三番」), not one inside a place name (三田町).
_KANJI_NUMBER = re.compile(r"([〇一二三四五六七八九十百]+)(?=丁目|番地|番|号|の|-)")
_DASHES = re.compile(r"[‐‑‒–—―−－ｰ─━]|(?<=\d)ー(?=\d)")
_BLOCK_WORDS = re.compile(r"(\d+)(?:丁目|番地|番|号|の)")


def _kanji_number(text: str) -> str:
    """「二十三」 → 「23」, 「百五」 → 「105」, 「一〇五」 → 「105」 (digit by digit when there is no 十/百)."""
    if "十" not in text and "百" not in text:
        return "".join(str(_KANJI_DIGITS[c]) for c in text)
    total, digit = 0, 0
    for c in text:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        else:
            total += (digit or 1) * (100 if c == "百" else 10)
            digit = 0
    return str(total + digit)


def address_search_key(text: str) -> str:
    """A folded key for address search only: :func:`search_key` with the block numbers written one way, so
    「中央町1-2-3」, 「中央町１－２－３」, 「中央町1丁目2番3号」 and 「中央町一丁目二番三号」 are the same key
    (``中央町1-2-3``). The address itself is stored as written."""
    value = unicodedata.normalize("NFKC", text or "")
    value = _KANJI_NUMBER.sub(lambda m: _kanji_number(m[1]), value)
    value = _DASHES.sub("-", value)
    value = _BLOCK_WORDS.sub(lambda m: m[1] + "-", value)
    value = re.sub(r"(?<=[\d-])の(?=\d)", "-", value)  # 「10番地の2」
    value = re.sub(r"-+", "-", search_key(value))
    return re.sub(r"(?<=\d)-(?=$|[^\d])", "", value)


def alias_keys(record: ResidentRecord) -> list[str]:
    """Search keys for a resident's other names (alphabet name, 通称, 通称フリガナ): each name folded as
    :func:`search_key`, once per word order starting at each word, so a search from any word finds it by prefix
    (NGUYEN VAN AN → nguyenvanan, vanannguyen, annguyenvan)."""
    keys: list[str] = []
    for text in (record.name_alphabet, record.tsusho, record.tsusho_kana):
        words = [w for w in re.split(r"[\s\u3000・･,]+", unicodedata.normalize("NFKC", text or "")) if w]
        for i in range(len(words)):
            key = search_key("".join(words[i:] + words[:i]))[:220]
            if key and key not in keys:
                keys.append(key)
    return keys
