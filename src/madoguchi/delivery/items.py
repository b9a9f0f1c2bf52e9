"""Item names a delivery may carry: the 住民記録 standard's item names (as the registry import uses them),
plus the items of the notification itself (届出・異動). A vendor mapping is a list of these names with the
vendor's column headers, never code."""

from __future__ import annotations

from madoguchi.juki.records import ITEMS

# Items about the notification (異動届 / 申請) rather than the resident record.
CASE_ITEMS: dict[str, str] = {
    "案件番号": "madoguchi case number",
    "手続ID": "catalog procedure id",
    "手続名": "procedure name",
    "担当課": "department name",
    "届出年月日": "date the case was finished at the counter",
    "異動年月日": "date of the life event (death date for おくやみ)",
    "異動事由": "life event name",
    "死亡年月日": "date of death",
    "届出人氏名": "applicant's name",
    "届出人氏名フリガナ": "applicant's kana",
    "届出人住所": "applicant's address",
    "届出人郵便番号": "applicant's postal code",
    "届出人電話番号": "applicant's phone",
    "届出人続柄": "applicant's relationship to the subject",
    "転入前住所": "the address moved from (転入: the 転出証明書's or the 来庁予定's 転出元)",
    "世帯主氏名": "the name of the moving household's 世帯主",
    "世帯員数": "how many persons of the household the notification is about",
}

DELIVERY_ITEMS: tuple[str, ...] = tuple(i.name for i in ITEMS) + tuple(CASE_ITEMS)


def is_item(name: str) -> bool:
    return name in DELIVERY_ITEMS
