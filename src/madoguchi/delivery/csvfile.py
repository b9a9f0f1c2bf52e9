"""CSV for core systems: per-vendor column lists of standard item names, UTF-8 or Shift_JIS, atomic files.

A character the encoding cannot hold is an error naming the record and the field — never a ``?``: a core
system that imports a wrong name is worse than one that imports nothing.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from madoguchi.delivery.base import DeliveryRecord, PermanentDeliveryError

CODECS = {"utf-8": "utf-8", "shift_jis": "cp932"}  # Shift_JIS as Windows writes it (cp932: ①, 髙 …)
ENCODING_NAMES = {"utf-8": "UTF-8", "shift_jis": "Shift_JIS"}


class UnencodableError(PermanentDeliveryError):
    def __init__(self, record: DeliveryRecord, header: str, item: str, char: str, encoding: str):
        self.record, self.header, self.item, self.char = record, header, item, char
        where = header if header == item else f"{header}（{item}）"
        super().__init__(
            f"record {record.label()}: field {where}: the character {char!r} (U+{ord(char):04X}) "
            f"cannot be written in {ENCODING_NAMES.get(encoding, encoding)}"
        )


def render_csv(
    records: Iterable[DeliveryRecord],
    columns: Sequence[tuple[str, str]],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    line_ending: str = "\r\n",
    header: bool = True,
) -> bytes:
    """``columns`` is a list of (standard item name, vendor header). Raises UnencodableError."""
    codec = CODECS[encoding]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL)
    if header:
        _check_row(None, [(h, h, h) for _, h in columns], codec, encoding)
        writer.writerow([h for _, h in columns])
    for record in records:
        row = []
        for item, head in columns:
            value = record.items.get(item)
            text = "" if value is None else str(value)
            row.append((item, head, text))
        _check_row(record, row, codec, encoding)
        writer.writerow([text for _, _, text in row])
    data = buf.getvalue().encode(codec)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    return data


def _check_row(record: DeliveryRecord | None, row, codec: str, encoding: str) -> None:
    for item, head, text in row:
        try:
            text.encode(codec)
        except UnicodeEncodeError as exc:
            char = text[exc.start]
            if record is None:
                raise PermanentDeliveryError(
                    f"column header {head!r}: the character {char!r} cannot be written in "
                    f"{ENCODING_NAMES.get(encoding, encoding)}"
                ) from None
            raise UnencodableError(record, head, item, char, encoding) from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the whole new one, never a part:
    a temporary file in the same folder, fsync, rename, fsync of the folder."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
