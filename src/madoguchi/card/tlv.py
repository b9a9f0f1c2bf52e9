"""A small lenient BER-TLV reader for the card's private-tag objects.

The card uses high-tag-number form even for small tags (FF 10, DF 21), non-minimal long lengths
(82 00 9F) and pads files with FF or 00. Strict DER libraries reject this, hence our own reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import CardDataError

FILLER = (0x00, 0xFF)


@dataclass(frozen=True)
class Tlv:
    tag: int
    start: int  # offset of the first tag byte in the buffer
    value_start: int
    end: int  # offset just past the value

    @property
    def length(self) -> int:
        return self.end - self.value_start

    def value(self, buf: bytes) -> bytes:
        return buf[self.value_start : self.end]

    def raw(self, buf: bytes) -> bytes:
        return buf[self.start : self.end]


def read_tlv(buf: bytes, pos: int, limit: int | None = None, *, file: str | None = None) -> Tlv:
    """Read one TLV starting at ``pos``; it must end at or before ``limit`` (default: end of buffer)."""
    limit = len(buf) if limit is None else limit
    start = pos
    if pos >= limit:
        raise CardDataError("expected a tag, found end of data", file=file, offset=pos)
    first = buf[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        # High tag number form: more bytes while bit 8 is set; we accept up to 3 tag bytes.
        while True:
            if pos >= limit:
                raise CardDataError("tag runs past end of data", file=file, offset=start)
            b = buf[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if pos - start >= 3:
                raise CardDataError("tag longer than 3 bytes", file=file, offset=start)
    if pos >= limit:
        raise CardDataError("length missing after tag", file=file, offset=pos, tag=tag)
    lb = buf[pos]
    pos += 1
    if lb < 0x80:
        length = lb
    elif lb == 0x80:
        raise CardDataError("indefinite length is not allowed", file=file, offset=pos - 1, tag=tag)
    elif lb in (0x81, 0x82):
        n = lb - 0x80
        if pos + n > limit:
            raise CardDataError("length bytes run past end of data", file=file, offset=pos - 1, tag=tag)
        length = int.from_bytes(buf[pos : pos + n], "big")
        pos += n
    else:
        raise CardDataError(f"unsupported length form 0x{lb:02X}", file=file, offset=pos - 1, tag=tag)
    end = pos + length
    if end > limit:
        raise CardDataError(
            f"value of {length} bytes runs past end of data ({limit - pos} available)",
            file=file,
            offset=start,
            tag=tag,
        )
    return Tlv(tag, start, pos, end)


def read_children(buf: bytes, parent: Tlv, *, file: str | None = None) -> list[Tlv]:
    """The TLVs that exactly fill ``parent``'s value (no filler inside a constructed object)."""
    children = []
    pos = parent.value_start
    while pos < parent.end:
        child = read_tlv(buf, pos, parent.end, file=file)
        children.append(child)
        pos = child.end
    return children


def read_top(buf: bytes, expected_tag: int, *, file: str) -> Tlv:
    """The single top-level object of a file; anything after it must be filler (FF / 00)."""
    if not buf:
        raise CardDataError("file is empty", file=file, offset=0)
    if all(b in FILLER for b in buf):
        raise CardDataError("file holds only filler bytes", file=file, offset=0)
    top = read_tlv(buf, 0, file=file)
    if top.tag != expected_tag:
        raise CardDataError(
            f"expected tag {expected_tag:X}, found {top.tag:X}", file=file, offset=0, tag=top.tag
        )
    for i in range(top.end, len(buf)):
        if buf[i] not in FILLER:
            raise CardDataError(
                f"unexpected byte 0x{buf[i]:02X} after the object (only FF/00 filler allowed)",
                file=file,
                offset=i,
            )
    return top


def object_size(buf: bytes, *, file: str | None = None) -> int | None:
    """Total size (header + value) of the TLV at the start of ``buf``; None if the header is incomplete."""
    pos = 0
    if not buf:
        return None
    if buf[0] & 0x1F == 0x1F:
        pos = 1
        while True:
            if pos >= len(buf):
                return None
            pos += 1
            if not buf[pos - 1] & 0x80:
                break
            if pos >= 3:
                raise CardDataError("tag longer than 3 bytes", file=file, offset=0)
    else:
        pos = 1
    if pos >= len(buf):
        return None
    lb = buf[pos]
    pos += 1
    if lb < 0x80:
        return pos + lb
    if lb in (0x81, 0x82):
        n = lb - 0x80
        if pos + n > len(buf):
            return None
        return pos + n + int.from_bytes(buf[pos : pos + n], "big")
    raise CardDataError(f"unsupported length form 0x{lb:02X}", file=file, offset=pos - 1)
