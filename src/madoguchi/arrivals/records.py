"""来庁予定 records and their default file layout (docs/arrivals.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from madoguchi.case.person import Person
from madoguchi.case.sources import from_arrival
from madoguchi.juki.csv_import import decoded_lines
from madoguchi.wareki import parse_date

# The default layout's items. A household's record is one row per member in CSV (rows with the same 受付番号
# belong together), or one object with a list 「世帯員」 in JSON.
RECORD_ITEMS = ("受付番号", "異動の種類", "来庁予定日", "異動予定日", "転出元住所", "転入先郵便番号", "転入先住所", "転入先方書", "連絡先電話番号")  # fmt: skip
MEMBER_ITEMS = ("氏名", "フリガナ", "生年月日", "性別", "続柄")
REQUIRED = ("受付番号", "来庁予定日", "転入先住所", "氏名", "生年月日", "性別", "続柄")
KINDS = {"転入": "tennyu", "転居": "tenkyo", "": "tennyu"}
MAX_RECORDS = 50_000
MAX_MEMBERS = 30
MAX_JSON_DEPTH = 8


@dataclass(frozen=True)
class ArrivalError:
    where: str  # 「3行目」, 「2件目の世帯員1人目」
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}" + (f" 「{self.item}」" if self.item else "") + f": {self.reason}"


class ArrivalsFailed(ValueError):
    def __init__(self, errors: list[ArrivalError]):
        self.errors = errors
        super().__init__(f"{len(errors)} 件の問題があるため、何も取り込みませんでした")


@dataclass(frozen=True)
class Arrival:
    """One household's 来庁予定: who comes, from where to where, when."""

    reference: str  # 受付番号 (the number the resident got with the online 転出届 / 来庁予約)
    event_id: str  # tennyu | tenkyo
    visit_date: date
    move_date: date | None
    from_address: str
    postal_code: str
    address: str
    katagaki: str
    phone: str
    members: tuple[Person, ...] = field(default_factory=tuple)

    @property
    def householder(self) -> Person | None:
        return next((m for m in self.members if m.zokugara == "世帯主"), None)


@dataclass
class _Collected:
    errors: list[ArrivalError] = field(default_factory=list)
    encoding: str = ""

    def error(self, line: int | str, column: str, reason: str) -> None:
        where = f"{line}行目" if isinstance(line, int) else line
        if len(self.errors) < 1000:
            self.errors.append(ArrivalError(where, column, reason))


def parse_arrivals(
    data: bytes,
    *,
    format: str = "auto",
    encoding: str = "auto",
    columns: Mapping[str, str] | None = None,
    filename: str = "",
) -> list[Arrival]:
    """Every record of a 来庁予定 file; raises :class:`ArrivalsFailed` listing every problem (then none is
    returned). ``columns`` maps a municipality's own column names to the default items."""
    found = _Collected()
    kind = format if format != "auto" else _guess_format(data, filename)
    rename = dict(columns or {})
    if kind == "json":
        groups = list(_json_groups(data, encoding, rename, found))
    else:
        groups = list(_csv_groups(data, encoding, rename, found))
    # Every household is checked even after a problem elsewhere: the person fixing the file sees them all.
    arrivals = [a for a in (_arrival(where, head, members, found) for where, head, members in groups) if a]
    if not groups and not found.errors:
        found.error("ファイル", "", "来庁予定が1件もありません")
    if found.errors:
        raise ArrivalsFailed(found.errors)
    return arrivals


def _guess_format(data: bytes, filename: str) -> str:
    name = filename.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".txt")):
        return "csv"
    return "json" if data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"[") else "csv"


def _text(data: bytes, encoding: str, found: _Collected) -> Iterator[str]:
    yield from decoded_lines(io.BytesIO(data), encoding, found)


# --- CSV: one row per member ---------------------------------------------------------------------------


def _csv_groups(data: bytes, encoding: str, rename: dict[str, str], found: _Collected):
    reader = csv.reader(_text(data, encoding, found), strict=True)
    try:
        header = [rename.get(h.strip().lstrip("\ufeff"), h.strip().lstrip("\ufeff")) for h in next(reader)]
    except StopIteration:
        found.error(1, "", "ファイルが空です")
        return
    except csv.Error as exc:
        found.error(1, "", f"CSVとして読めません（{exc}）")
        return
    missing = [item for item in REQUIRED if item not in header]
    if missing:
        found.error(1, "", "必要な列がありません: " + "、".join(missing))
        return
    known = set(RECORD_ITEMS) | set(MEMBER_ITEMS)
    unknown = [h for h in header if h and h not in known]
    if unknown:
        found.error(1, "", "知らない列があります（列名の対応表を確認してください）: " + "、".join(unknown))
        return
    groups: dict[str, tuple[str, dict, list]] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                found.error(
                    line, "", f"列の数が見出しと違います（見出し {len(header)} 列、この行 {len(row)} 列）"
                )
                continue
            values = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
            head = {k: values.get(k, "") for k in RECORD_ITEMS}
            member = {k: values.get(k, "") for k in MEMBER_ITEMS}
            ref = head["受付番号"]
            if not ref:
                found.error(line, "受付番号", "空です")
                continue
            if ref not in groups:
                if len(groups) >= MAX_RECORDS:
                    found.error(line, "", f"1つのファイルは {MAX_RECORDS} 件までです")
                    return
                groups[ref] = (f"{line}行目", head, [])
            else:
                first = groups[ref][1]
                for item in RECORD_ITEMS:
                    if head[item] != first[item]:
                        found.error(line, item, f"同じ受付番号 {ref} の前の行（{groups[ref][0]}）と違います")
            groups[ref][2].append((f"{line}行目", member))
    except csv.Error as exc:
        found.error(reader.line_num, "", f"CSVとして読めません（{exc}）")
        return
    yield from groups.values()


# --- JSON: one object per household --------------------------------------------------------------------


def _json_groups(data: bytes, encoding: str, rename: dict[str, str], found: _Collected):
    text = "".join(_text(data, encoding, found))
    if found.errors:
        return
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        found.error("ファイル", "", f"JSONとして読めません（{getattr(exc, 'msg', '入れ子が深すぎます')}）")
        return
    if _depth(doc) > MAX_JSON_DEPTH:
        found.error("ファイル", "", "JSONの入れ子が深すぎます")
        return
    records = doc.get("来庁予定") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        found.error("ファイル", "", "「来庁予定」の一覧（配列）がありません")
        return
    if len(records) > MAX_RECORDS:
        found.error("ファイル", "", f"1つのファイルは {MAX_RECORDS} 件までです")
        return
    for n, raw in enumerate(records, start=1):
        where = f"{n}件目"
        if not isinstance(raw, dict):
            found.error(where, "", "オブジェクトではありません")
            continue
        raw = {rename.get(k, k): v for k, v in raw.items()}
        unknown = [k for k in raw if k not in RECORD_ITEMS and k != "世帯員"]
        if unknown:
            found.error(where, "", "知らない項目があります: " + "、".join(map(str, unknown)))
            continue
        head = {k: _json_text(raw.get(k), where, k, found) for k in RECORD_ITEMS}
        members_raw = raw.get("世帯員")
        if not isinstance(members_raw, list) or not members_raw:
            found.error(where, "世帯員", "世帯員の一覧（配列）がありません")
            continue
        members = []
        for i, m in enumerate(members_raw, start=1):
            at = f"{where}の世帯員{i}人目"
            if not isinstance(m, dict):
                found.error(at, "", "オブジェクトではありません")
                continue
            m = {rename.get(k, k): v for k, v in m.items()}
            unknown = [k for k in m if k not in MEMBER_ITEMS]
            if unknown:
                found.error(at, "", "知らない項目があります: " + "、".join(map(str, unknown)))
                continue
            members.append((at, {k: _json_text(m.get(k), at, k, found) for k in MEMBER_ITEMS}))
        for item in REQUIRED:
            if item in RECORD_ITEMS and not head[item]:
                found.error(where, item, "空です")
        yield where, head, members


def _json_text(value: Any, where: str, item: str, found: _Collected) -> str:
    if value is None:
        return ""
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and item in ("受付番号", "連絡先電話番号")
    ):
        return str(value)
    if not isinstance(value, str):
        found.error(where, item, "文字列ではありません")
        return ""
    return value.strip()


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


# --- one household ---------------------------------------------------------------------------------------


def _arrival(
    where: str, head: dict, members: Iterable[tuple[str, dict]], found: _Collected
) -> Arrival | None:
    before = len(found.errors)
    kind = KINDS.get(head["異動の種類"])
    if kind is None:
        found.error(where, "異動の種類", f"「転入」か「転居」です（「{head['異動の種類']}」）")
    dates: dict[str, date | None] = {}
    for item in ("来庁予定日", "異動予定日"):
        text = head[item]
        dates[item] = None
        if text:
            try:
                dates[item] = parse_date(text)
            except ValueError as exc:
                found.error(where, item, str(exc))
    if kind == "tennyu" and not head["転出元住所"]:
        found.error(where, "転出元住所", "転入では必要です")
    people: list[Person] = []
    seen: dict[tuple[str, object], str] = {}
    members = list(members)
    if len(members) > MAX_MEMBERS:
        found.error(where, "", f"世帯員は {MAX_MEMBERS} 人までです")
        members = members[:MAX_MEMBERS]
    for at, values in members:
        for item in REQUIRED:
            if item in MEMBER_ITEMS and not values[item]:
                found.error(at, item, "空です")
        if any(not values[i] for i in REQUIRED if i in MEMBER_ITEMS):
            continue
        try:
            person = from_arrival(values)
        except ValueError as exc:
            item, _, reason = str(exc).partition(": ")
            found.error(at, item, reason or str(exc))
            continue
        key = (person.name.replace(" ", "").replace("\u3000", ""), person.birth)
        if key in seen:
            found.error(at, "氏名", f"同じ方（氏名と生年月日が同じ）が {seen[key]} にもいます")
            continue
        seen[key] = at
        people.append(person)
    if sum(1 for p in people if p.zokugara == "世帯主") > 1:
        found.error(where, "続柄", "世帯主が2人以上います")
    if len(found.errors) > before or kind is None or dates["来庁予定日"] is None:
        return None
    return Arrival(
        reference=head["受付番号"],
        event_id=kind,
        visit_date=dates["来庁予定日"],
        move_date=dates["異動予定日"],
        from_address=head["転出元住所"],
        postal_code=head["転入先郵便番号"],
        address=head["転入先住所"],
        katagaki=head["転入先方書"],
        phone=head["連絡先電話番号"],
        members=tuple(people),
    )
