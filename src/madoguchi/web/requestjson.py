"""The one reader of JSON request bodies (the integration API, the card posts): the body is bounded in size and
in nesting depth *before* it is parsed, so a hostile body (``[[[[…]]]]`` a hundred thousand deep) is a 400
with a message, never a ``RecursionError`` and a 500.

Messages are Japanese and name no parameter, Python type or internal id: callers show them as they are.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32

TOO_LARGE = "送られたデータが大きすぎます。"
NOT_JSON = "送られたデータを JSON として読めませんでした。"
TOO_DEEP = "送られたデータの入れ子が深すぎます。"
NOT_UTF8 = "送られたデータが UTF-8 の文字列ではありません。"
WRONG_TYPE = "JSON で送ってください（Content-Type: application/json）。"
HALF_CHARACTER = "送られたデータに読み取れない文字（対になっていないサロゲート）が含まれています。"

# A JSON string (with its escapes): what is inside one is not structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
# A JSON escape of half a UTF-16 pair (D800–DFFF): only then is the parsed value checked for a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class JsonBodyError(ValueError):
    """The body is refused; ``str(exc)`` is the Japanese message for the caller."""


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse(raw: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``raw``; JsonBodyError (a Japanese message) when too large, too deep or not JSON."""
    if len(raw) > max_bytes:
        raise JsonBodyError(TOO_LARGE)
    if nesting_depth(raw) > max_depth:
        raise JsonBodyError(TOO_DEEP)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonBodyError(NOT_UTF8) from None
    try:
        value = json.loads(text)
    except RecursionError:  # the scan above makes this unreachable; kept so no body can ever be a 500
        raise JsonBodyError(TOO_DEEP) from None
    except ValueError:
        raise JsonBodyError(NOT_JSON) from None
    # "\ud800" alone parses to a str no database can store (a 500 at the INSERT): refused here, for every
    # name, note and key of every JSON body. A pair (an emoji) is one character and passes.
    if _SURROGATE_ESCAPE.search(raw):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JsonBodyError(HALF_CHARACTER) from None
    return value


def read(request, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON body of ``request`` (Content-Type application/json), bounded like :func:`parse`."""
    if request.content_type != "application/json":
        raise JsonBodyError(WRONG_TYPE)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > max_bytes:
        raise JsonBodyError(TOO_LARGE)
    return parse(request.body, max_bytes=max_bytes, max_depth=max_depth)
