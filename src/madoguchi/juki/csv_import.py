"""CSV import of residents and households, all-or-nothing.

:func:`iter_records` reads a vendor's CSV through its :class:`Mapping` and yields good records while it
collects every problem as a :class:`RowError` (line, column, reason). A caller stores records as they come
inside one transaction and rolls back when the report has errors, so a bad file imports nothing and the
person fixing it sees every bad row at once. :func:`parse_csv` does the same in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from .mapping import Mapping
from .records import ITEMS, ITEMS_BY_KEY, ItemError, ResidentRecord

MAX_REPORTED = 100_000  # a file that is wrong throughout stops being reported here


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.line}行目" + (f" 「{self.column}」" if self.column else "")
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} 件のエラーがあるため、何も取り込みませんでした")


@dataclass
class ImportReport:
    rows: int = 0
    residents: int = 0
    households: set[str] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""
    _heads: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _atena: dict[str, int] = field(default_factory=dict, repr=False)
    _numbers: dict[str, int] = field(default_factory=dict, repr=False)

    def error(self, line: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(RowError(line, column, reason))

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "residents": self.residents,
            "households": len(self.households),
            "encoding": self.encoding,
            "errors": len(self.errors),
        }


def _detect(head: bytes, codec: str) -> str:
    if codec != "auto":
        return codec
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8-sig"
    # Some line is not UTF-8: a Shift_JIS file, or a UTF-8 file with a bad byte or two. Count the lines with
    # non-ASCII bytes that are valid UTF-8 against those that are not (Shift_JIS text is almost never valid
    # UTF-8), so one bad byte on line 41 is reported at line 41 instead of the whole file read as Shift_JIS.
    complete = head[: head.rfind(b"\n") + 1] or head
    good = bad = 0
    for line in complete.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return "utf-8-sig" if good > bad else "cp932"


def _raw_lines(stream: BinaryIO, head: bytes) -> Iterator[bytes]:
    if stream.seekable():
        stream.seek(stream.tell() - len(head))
        yield from stream  # binary line iteration: fast, splits on b"\n"
        return
    buffer, pos = head, 0
    while True:
        nl = buffer.find(b"\n", pos)
        if nl >= 0:
            yield buffer[pos : nl + 1]
            pos = nl + 1
            continue
        more = stream.read(1 << 20)
        if not more:
            if pos < len(buffer):
                yield buffer[pos:]
            return
        buffer, pos = buffer[pos:] + more, 0


def decoded_lines(stream: BinaryIO, codec: str, report) -> Iterator[str]:
    """The lines of a text file in UTF-8 (with or without BOM) or Shift_JIS (``codec="auto"`` tells them apart);
    a line that does not decode is reported at its number through ``report.error(line, column, reason)``
    and read with replacement characters, so every bad line is found in one pass."""
    head = stream.read(65536)
    codec = _detect(head, codec)
    report.encoding = "utf-8" if codec.startswith("utf-8") else "shift_jis"
    plain = codec.replace("-sig", "")
    label = "UTF-8" if codec.startswith("utf") else "Shift_JIS"
    for number, raw in enumerate(_raw_lines(stream, head), start=1):
        try:
            text = raw.decode(codec if number == 1 else plain)
        except UnicodeDecodeError:
            report.error(number, "", f"{label} として読めない文字があります（文字コードを確認してください）")
            text = raw.decode(plain, errors="replace")
        yield text


def iter_records(stream: BinaryIO, mapping: Mapping, report: ImportReport) -> Iterator[ResidentRecord]:
    """Yield every good record; collect every problem in ``report`` (check ``report.ok`` at the end)."""
    reader = csv.reader(
        decoded_lines(stream, mapping.codec, report), delimiter=mapping.delimiter, strict=True
    )
    try:
        header = next(reader)
    except StopIteration:
        report.error(1, "", "ファイルが空です")
        return
    except csv.Error as exc:
        report.error(1, "", f"CSVとして読めません: {exc}")
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    positions: list[tuple[int, object]] = []
    for item in ITEMS:
        column = mapping.header_for(item.name)
        if column in header:
            positions.append((header.index(column), item))
        elif item.required:
            report.error(1, column, f"必須の列「{column}」（{item.name}）が見出し行にありません")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    for h in dupes:
        report.error(1, h, "同じ見出しの列が複数あります")
    if not report.ok:
        return
    width = len(header)
    values = mapping.values
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.error(reader.line_num, "", f"CSVとして読めません: {exc}")
            continue
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        report.rows += 1
        if len(row) != width:
            report.error(line, "", f"列の数が見出し行と違います（{len(row)}列、見出しは{width}列）")
            continue
        data: dict = {"line": line}
        bad = False
        for pos, item in positions:
            text = row[pos]
            table = values.get(item.name)
            if table and text.strip() in table:
                text = table[text.strip()]
            if not text.strip():
                if item.required:
                    report.error(line, mapping.header_for(item.name), "空欄です（必須の項目）")
                    bad = True
                continue
            try:
                data[item.key] = item.parse(text)
            except ItemError as exc:
                report.error(line, mapping.header_for(item.name), str(exc))
                bad = True
        if bad:
            continue
        record = ResidentRecord(**data)
        if not _check_record(record, mapping, report):
            continue
        report.residents += 1
        report.households.add(record.setai_no)
        yield record
    _check_households(mapping, report)


def _check_record(record: ResidentRecord, mapping: Mapping, report: ImportReport) -> bool:
    line = record.line
    ok = True
    seen = report._atena.get(record.atena_no)
    if seen is not None:
        report.error(line, mapping.header_for("宛名番号"), f"宛名番号が{seen}行目と重複しています")
        ok = False
    else:
        report._atena[record.atena_no] = line
    if record.my_number:
        seen = report._numbers.get(record.my_number)
        if seen is not None:
            report.error(line, mapping.header_for("個人番号"), f"個人番号が{seen}行目と重複しています")
            ok = False
        else:
            report._numbers[record.my_number] = line
    if record.status == "deceased" and record.removal_date is None:
        report.error(line, mapping.header_for("消除年月日"), "住民状態が死亡なのに消除年月日がありません")
        ok = False
    if record.resident_kind != "foreign":
        for key in record.FOREIGN_ONLY:
            if getattr(record, key):
                name = ITEMS_BY_KEY[key].name
                report.error(
                    line, mapping.header_for(name), f"{name}は外国人住民の項目です（住民種別が日本人）"
                )
                ok = False
    if record.tsusho_kana and not record.tsusho:
        report.error(line, mapping.header_for("通称"), "通称フリガナがあるのに通称がありません")
        ok = False
    if record.handbook_type and record.handbook_grade is None:
        report.error(line, mapping.header_for("身体障害者手帳等級"), "障害種別があるのに等級がありません")
        ok = False
    # [first line, current householders, householders who died (the 世帯主変更 is still to come)]
    heads = report._heads.setdefault(record.setai_no, [line, 0, 0])
    if record.relationship == "世帯主":
        if record.is_current:
            heads[1] += 1
        elif record.status == "deceased":
            heads[2] += 1
    return ok


def _check_households(mapping: Mapping, report: ImportReport) -> None:
    column = mapping.header_for("続柄")
    for setai, (line, heads, deceased_heads) in report._heads.items():
        if heads == 0 and not deceased_heads:
            report.error(line, column, f"世帯番号 {setai} に世帯主がいません")
        elif heads > 1:
            report.error(line, column, f"世帯番号 {setai} に世帯主が{heads}人います")


def parse_csv(data: bytes | BinaryIO, mapping: Mapping) -> tuple[list[ResidentRecord], ImportReport]:
    """All records of a file in memory, or :class:`ImportFailed` with every error."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    report = ImportReport()
    records = list(iter_records(stream, mapping, report))
    if not report.ok:
        raise ImportFailed(sorted(report.errors, key=lambda e: e.line))
    return records, report


def households(records: Iterable[ResidentRecord]) -> dict[str, list[ResidentRecord]]:
    out: dict[str, list[ResidentRecord]] = {}
    for r in records:
        out.setdefault(r.setai_no, []).append(r)
    return out
