"""Arrivals sources as plug-ins (decision 0013): where 来庁予定 records come from. The built-in ``file`` source
reads the file staff download from the 引越しワンストップ service and upload; its options say the layout."""

from __future__ import annotations

from typing import ClassVar, Literal

from madoguchi.plugins import Plugin, PluginOptions, PluginRegistry

from .records import MEMBER_ITEMS, RECORD_ITEMS, Arrival, parse_arrivals


class ArrivalsOptions(PluginOptions):
    pass


class ArrivalsSource(Plugin):
    Options: ClassVar[type[ArrivalsOptions]] = ArrivalsOptions

    def read(self, data: bytes, filename: str = "") -> list[Arrival]:
        raise NotImplementedError


ARRIVALS: PluginRegistry[ArrivalsSource] = PluginRegistry("arrivals source", ArrivalsSource, error=ValueError)


class FileOptions(ArrivalsOptions):
    format: Literal["auto", "csv", "json"] = "auto"
    encoding: Literal["auto", "utf-8", "cp932"] = "auto"
    # The municipality's own column names → the default items (docs/arrivals.md), e.g. {"予約番号": "受付番号"}.
    columns: dict[str, str] = {}


@ARRIVALS.register
class FileSource(ArrivalsSource):
    id = "file"
    title = "来庁予定ファイル（CSV・JSON、UTF-8・Shift_JIS）"
    Options = FileOptions
    options: FileOptions

    def read(self, data: bytes, filename: str = "") -> list[Arrival]:
        o = self.options
        return parse_arrivals(
            data, format=o.format, encoding=o.encoding, columns=o.columns, filename=filename
        )

    def check_config(self) -> list[str]:
        items = set(RECORD_ITEMS) | set(MEMBER_ITEMS)
        return [
            f"列名の対応表の「{theirs}」の行き先「{ours}」は既定の項目にありません"
            for theirs, ours in self.options.columns.items()
            if ours not in items
        ]

    def describe(self) -> str:
        return f"{self.options.format} / {self.options.encoding}"
