"""The built-in delivery targets: ``file_drop`` (CSV files in a folder the core system imports from, the
national default) and ``http`` (JSON POST with a token and an ``Idempotency-Key`` header), registered by
:mod:`madoguchi.delivery.registry`."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from madoguchi.delivery.base import (
    ConfigProblem,
    DeliveryError,
    DeliveryRecord,
    DeliveryTargetPlugin,
    Options,
    PermanentDeliveryError,
)
from madoguchi.delivery.csvfile import atomic_write, render_csv
from madoguchi.delivery.items import DELIVERY_ITEMS, is_item


def _expand(text: str) -> str:
    return os.path.expanduser(os.path.expandvars(text))


class FileDropOptions(Options):
    directory: str = Field(min_length=1, description="drop folder; ${VAR} is expanded")
    encoding: Literal["utf-8", "shift_jis"] = "utf-8"
    bom: bool = False
    line_ending: Literal["crlf", "lf"] = "crlf"
    prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_\-]*$", max_length=40)
    # The vendor's layout: a list of standard item names, each optionally mapped to the vendor's header
    # (``- 氏名`` or ``- {氏名: SHIMEI}``). Empty: the procedure's items under their standard names.
    columns: list[str | dict[str, str]] = Field(default_factory=list)
    min_free_bytes: int = Field(default=10 * 1024 * 1024, ge=0)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value):
        seen: set[str] = set()
        for entry in value:
            if isinstance(entry, dict):
                if len(entry) != 1:
                    raise ValueError("each column maps one item name to one header, e.g. {氏名: SHIMEI}")
                (item,) = entry
            else:
                item = entry
            if not is_item(item):
                raise ValueError(
                    f"{item!r} is not a 住民記録 standard item name (known: {'、'.join(DELIVERY_ITEMS)})"
                )
            if item in seen:
                raise ValueError(f"{item!r} is listed twice")
            seen.add(item)
        return value

    def column_pairs(self, items: list[str] | None = None) -> list[tuple[str, str]]:
        if not self.columns:
            return [(i, i) for i in items or []]
        out = []
        for entry in self.columns:
            if isinstance(entry, dict):
                ((item, head),) = entry.items()
                out.append((item, head))
            else:
                out.append((entry, entry))
        return out


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


class FileDrop(DeliveryTargetPlugin):
    id = "file_drop"
    title = "ファイル連携（CSV）"
    Options = FileDropOptions
    options: FileDropOptions

    @property
    def directory(self) -> Path:
        return Path(_expand(self.options.directory))

    def file_name(self, record: DeliveryRecord) -> str:
        return f"{self.options.prefix}{record.key}.csv"

    def render(self, record: DeliveryRecord) -> bytes:
        o = self.options
        return render_csv(
            [record],
            o.column_pairs(list(record.items)),
            encoding=o.encoding,
            bom=o.bom,
            line_ending="\r\n" if o.line_ending == "crlf" else "\n",
        )

    def check_config(self) -> list[ConfigProblem]:
        d = self.directory
        if not d.is_dir():
            return [ConfigProblem(self.target_id, f"連携フォルダ {d} がありません")]
        problems = []
        if not os.access(d, os.W_OK | os.X_OK):
            problems.append(ConfigProblem(self.target_id, f"連携フォルダ {d} に書き込めません"))
        elif _free_bytes(d) < self.options.min_free_bytes:
            problems.append(ConfigProblem(self.target_id, f"連携フォルダ {d} の空き容量がわずかです"))
        return problems

    def deliver(self, record: DeliveryRecord) -> str:
        data = self.render(record)  # encoding errors first: they are permanent
        d = self.directory
        name = self.file_name(record)
        try:
            if not d.is_dir():
                raise DeliveryError(f"連携フォルダ {d} がありません")
            if _free_bytes(d) < self.options.min_free_bytes + len(data):
                raise DeliveryError(
                    f"連携フォルダ {d} の空き容量が足りません（{self.options.min_free_bytes} バイト未満）"
                )
            atomic_write(d / name, data)
        except PermissionError as exc:
            raise DeliveryError(f"連携フォルダ {d} に書き込めません（{exc.strerror}）") from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DeliveryError(f"連携フォルダ {d} の空き容量が足りません") from None
            raise DeliveryError(f"{name} を書き込めませんでした（{exc.strerror or exc}）") from None
        return name


class HttpOptions(Options):
    url: str = Field(min_length=1, description="endpoint; ${VAR} is expanded")
    token_env: str | None = Field(
        default=None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="environment variable holding the token"
    )
    timeout: float = Field(default=10.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "${" not in value and urllib.parse.urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("url must start with http:// or https://")
        return value


class Http(DeliveryTargetPlugin):
    id = "http"
    title = "API連携（HTTP JSON）"
    Options = HttpOptions
    options: HttpOptions

    @property
    def url(self) -> str:
        return _expand(self.options.url)

    def token(self) -> str | None:
        return os.environ.get(self.options.token_env) if self.options.token_env else None

    def check_config(self) -> list[ConfigProblem]:
        problems = []
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return [ConfigProblem(self.target_id, f"送信先 {self.url} は http(s) のアドレスではありません")]
        if self.options.token_env and not self.token():
            problems.append(
                ConfigProblem(
                    self.target_id, f"認証トークン: 環境変数 {self.options.token_env} が設定されていません"
                )
            )
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=min(self.options.timeout, 3)):
                pass
        except OSError as exc:
            problems.append(
                ConfigProblem(self.target_id, f"{parts.hostname}:{port} に接続できません（{exc}）")
            )
        return problems

    def body(self, record: DeliveryRecord) -> dict:
        return {
            "idempotency_key": record.key,
            "case_number": record.case_number,
            "procedure_id": record.procedure_id,
            "items": record.items,
        }

    def deliver(self, record: DeliveryRecord) -> str:
        data = json.dumps(self.body(record), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": record.key,
            "User-Agent": "madoguchi-delivery/1",
        }
        token = self.token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url, data=data, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.options.timeout) as resp:  # noqa: S310 - configured target
                resp.read(65536)
                return f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            status = exc.code
            if status in (408, 425, 429) or status >= 500:
                raise DeliveryError(f"受信側が HTTP {status} を返しました") from None
            raise PermanentDeliveryError(f"受信側が HTTP {status} を返しました（再送しません）") from None
        except TimeoutError:
            raise DeliveryError(f"{self.options.timeout:g} 秒以内に応答がありません") from None
        except urllib.error.URLError as exc:
            raise DeliveryError(f"受信側に届きません（{exc.reason}）") from None
        except OSError as exc:
            raise DeliveryError(f"接続できませんでした（{exc}）") from None
