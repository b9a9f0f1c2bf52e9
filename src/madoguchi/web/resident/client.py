"""The counter's client of the pre-entry API. The counter calls the public side, never the other way round.

MADOGUCHI_PREENTRY_URL      base address of the pre-entry deployment as the counter reaches it
MADOGUCHI_PREENTRY_API_KEY  the bearer key both sides share
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings


class PreentryUnavailable(Exception):
    """Not configured, unreachable, or refused: the message is for the clerk."""


def _config() -> tuple[str, str]:
    url = getattr(settings, "PREENTRY_URL", None) or os.environ.get("MADOGUCHI_PREENTRY_URL", "")
    key = getattr(settings, "PREENTRY_API_KEY", None) or os.environ.get("MADOGUCHI_PREENTRY_API_KEY", "")
    if not url or not key:
        raise PreentryUnavailable(
            "事前入力サーバーが設定されていません（MADOGUCHI_PREENTRY_URL / _API_KEY）。"
        )
    if not url.startswith(("http://", "https://")):
        raise PreentryUnavailable("MADOGUCHI_PREENTRY_URL は http:// か https:// で始めてください。")
    return url.rstrip("/"), key


def take(code: str, timeout: float = 8.0, clerk: str = "") -> dict[str, Any] | None:
    """The submission for ``code`` (deleted on the pre-entry side as it is read), or None if unknown/expired.
    ``clerk`` is an opaque key of the clerk asking: the API counts unknown codes per clerk."""
    url, key = _config()
    body = {"code": code, "clerk": clerk} if clerk else {"code": code}
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        f"{url}/api/v1/take",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read(256 * 1024))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        if exc.code == 429:
            raise PreentryUnavailable("照会が多すぎます。1分ほど待ってください。") from None
        raise PreentryUnavailable(f"事前入力サーバーがエラーを返しました（{exc.code}）。") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PreentryUnavailable(f"事前入力サーバーに接続できません（{exc}）。") from None
