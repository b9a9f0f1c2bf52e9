"""Per-vendor column mappings: which column of a vendor's CSV holds which 住民記録 standard item.

A mapping is a small TOML file::

    id = "vendor-a"
    encoding = "shift_jis"        # utf-8 | shift_jis | auto (BOM, else UTF-8, else Shift_JIS)
    delimiter = ","
    [columns]                     # standard item name = the vendor's column header
    "宛名番号" = "ATENA_NO"
    "氏名" = "SHIMEI"
    [values."性別"]                # optional: the vendor's value = the standard's value
    "M" = "男"
    "F" = "女"

Items not listed keep the standard's item name as header (so the built-in ``standard`` mapping is empty).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .records import ITEMS, ITEMS_BY_NAME

ENCODINGS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "cp932": "cp932",
    "windows-31j": "cp932",
    "auto": "auto",
}


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Mapping:
    id: str = "standard"
    encoding: str = "auto"
    delimiter: str = ","
    columns: dict[str, str] = field(default_factory=dict)  # standard item name -> vendor header
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # item name -> {vendor: standard}

    def header_for(self, item_name: str) -> str:
        return self.columns.get(item_name, item_name)

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding.lower()]


STANDARD = Mapping()


def mapping_from_dict(data: dict, origin: str = "mapping") -> Mapping:
    problems = []
    unknown_keys = set(data) - {"id", "encoding", "delimiter", "columns", "values"}
    if unknown_keys:
        problems.append(f"unknown keys {', '.join(sorted(unknown_keys))}")
    encoding = str(data.get("encoding", "auto"))
    if encoding.lower() not in ENCODINGS:
        problems.append(f"encoding must be one of utf-8, shift_jis, auto (got {encoding!r})")
    delimiter = str(data.get("delimiter", ","))
    if len(delimiter) != 1:
        problems.append("delimiter must be one character")
    columns = data.get("columns", {}) or {}
    values = data.get("values", {}) or {}
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        problems.append("[columns] maps standard item names to column headers (text)")
        columns = {}
    for name in columns:
        if name not in ITEMS_BY_NAME:
            known = "、".join(i.name for i in ITEMS)
            problems.append(f"[columns] {name!r} is not a standard item name (known: {known})")
    headers = list(columns.values())
    dupes = {h for h in headers if headers.count(h) > 1}
    if dupes:
        problems.append(f"[columns] the same header is mapped twice: {', '.join(sorted(dupes))}")
    if not isinstance(values, dict):
        problems.append("[values] must be tables of vendor value = standard value")
        values = {}
    for name, table in values.items():
        if name not in ITEMS_BY_NAME:
            problems.append(f"[values] {name!r} is not a standard item name")
        elif not isinstance(table, dict):
            problems.append(f"[values.{name}] must map vendor values to standard values")
    if problems:
        raise MappingError(f"{origin}: " + "; ".join(problems))
    return Mapping(
        id=str(data.get("id", Path(origin).stem)),
        encoding=encoding,
        delimiter=delimiter,
        columns=dict(columns),
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
    )


def load_mapping(spec: str | None) -> Mapping:
    """``None`` or ``standard`` → the standard item names; otherwise a TOML file path."""
    if spec in (None, "", "standard"):
        return STANDARD
    path = Path(spec)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"cannot read the mapping {spec}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:  # located, as every file the registry import reads
        line = raw.count(b"\n", 0, exc.start) + 1
        raise MappingError(
            f"{spec}: line {line}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{spec}: not a TOML mapping file ({exc})") from None
    return mapping_from_dict(data, str(spec))
