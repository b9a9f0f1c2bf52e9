"""CSV for core systems: per-vendor column lists of standard item names, UTF-8 or Shift_JIS, atomic files.

A character the encoding cannot hold is an error naming the record and the field — never a ``?``: a core
system that imports a wrong name is worse than one that imports nothing.
"""

from __future__ import annotations

import csv
import io
import os
import re
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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def neutralise(text: str) -> str:
    """A value a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written
    with a leading ``'``, the spreadsheet's mark for text; a plain signed number stays as it is."""
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


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
            text = "" if value is None else neutralise(str(value))
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


TEMP_MARK = ".madoguchi-"
_UNNAMED = [True]  # O_TMPFILE files can be given a name here (cleared on the first failure)


def _sweep_stale(folder: Path, name: str) -> None:
    """Remove the temporary files a killed writer of ``name`` left in ``folder`` (its pid is in the name and
    the process is gone): a record must not lie about in a half-written file."""
    for leftover in folder.glob(f".{name}{TEMP_MARK}*.tmp"):
        pid_text = leftover.name[len(name) + 1 + len(TEMP_MARK) :].split(".", 1)[0]
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except (ValueError, PermissionError, OSError):
            continue  # not ours, or a live process of another user


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the whole new one, never a part:
    a temporary file in the same folder (mode 0600), fsync, rename, fsync of the folder. Where the system
    has O_TMPFILE the temporary file has no name until it is complete, so a writer killed meanwhile leaves
    nothing; otherwise its name carries the writer's pid and the next write removes a dead writer's file."""
    path = Path(path)
    _sweep_stale(path.parent, path.name)
    tmp = None
    fd = -1
    if hasattr(os, "O_TMPFILE") and _UNNAMED[0]:
        try:
            fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except OSError:
            fd = -1  # a file system without O_TMPFILE
    try:
        if fd >= 0:
            _write_all(fd, data)
            tmp = str(path.parent / f".{path.name}{TEMP_MARK}{os.getpid()}.{os.urandom(4).hex()}.tmp")
            try:
                os.link(f"/proc/self/fd/{fd}", tmp, follow_symlinks=True)
            except OSError:  # no /proc to name the file by: the named temporary file below, from now on
                _UNNAMED[0] = False
                os.close(fd)
                fd, tmp = -1, None
        if fd < 0:
            fd, tmp = tempfile.mkstemp(
                prefix=f".{path.name}{TEMP_MARK}{os.getpid()}.", suffix=".tmp", dir=path.parent
            )
            _write_all(fd, data)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
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
