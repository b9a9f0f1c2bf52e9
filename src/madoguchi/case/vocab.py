"""The one vocabulary for 性別 and 続柄, shared by the card, the registry, forms, delivery and the screens.

性別 codes follow ISO 5218 as the My Number Card writes them (券面事項入力補助AP, DF25): 1 男, 2 女, 9 適用不能,
0 不明. 続柄 is the 住民記録 standard's list (v1.0 §1.1.11): 世帯主; 夫, 妻, 夫（未届）, 妻（未届）, 子, 子（子の夫）,
子（子の妻）, 父, 母, 兄, 姉, 弟, 妹; chains of up to four of them joined with 「の」 (妻の母); 縁故者; 同居人.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Sex(StrEnum):
    MALE = "1"
    FEMALE = "2"
    NOT_APPLICABLE = "9"
    UNKNOWN = "0"

    @property
    def label(self) -> str:
        return SEX_LABELS[self.value]


SEX_LABELS = {"1": "男", "2": "女", "9": "適用不能", "0": "不明"}
# What staff or a file may write for each code (labels, long forms, the codes themselves).
_SEX_WORDS = {"男": "1", "男性": "1", "女": "2", "女性": "2", "適用不能": "9", "不明": "0"}


def sex_label(code: str | None) -> str:
    """The label of a 性別 code; '' for no value (never a guess)."""
    return SEX_LABELS.get(code or "", "")


def parse_sex(text: str) -> Sex:
    """A 性別 code from a code or a label. Raises ValueError naming the allowed values."""
    key = unicodedata.normalize("NFKC", str(text)).strip()
    code = _SEX_WORDS.get(key, key)
    if code in SEX_LABELS:
        return Sex(code)
    raise ValueError(f"性別は 1（男）・2（女）・9（適用不能）・0（不明）です: 「{text}」")


_ZOKUGARA_BASE = r"(?:夫|妻|夫（未届）|妻（未届）|子|父|母|兄|姉|弟|妹)"
_ZOKUGARA = re.compile(
    rf"^(?:世帯主|縁故者|同居人|子（子の夫）|子（子の妻）|{_ZOKUGARA_BASE}(?:の{_ZOKUGARA_BASE}){{0,3}})$"
)


# The values a counter types most often (a suggestion list; any value of the standard is accepted).
COMMON_ZOKUGARA = (
    "世帯主",
    "妻",
    "夫",
    "子",
    "父",
    "母",
    "子の妻",
    "子の夫",
    "子の子",
    "兄",
    "姉",
    "弟",
    "妹",
    "同居人",
    "縁故者",
)


def parse_zokugara(text: str) -> str:
    """世帯主との続柄 as the standard writes it (half-width brackets become full-width). Raises ValueError."""
    value = unicodedata.normalize("NFKC", str(text)).strip().replace("(", "（").replace(")", "）")
    if _ZOKUGARA.match(value):
        return value
    raise ValueError(f"続柄が標準の値ではありません（祖父・孫などは「縁故者」）: 「{text}」")
