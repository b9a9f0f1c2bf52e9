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
}

DELIVERY_ITEMS: tuple[str, ...] = tuple(i.name for i in ITEMS) + tuple(CASE_ITEMS)


def is_item(name: str) -> bool:
    return name in DELIVERY_ITEMS
