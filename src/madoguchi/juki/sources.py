"""Registry sources as plug-ins: where resident records come from (CSV files now; a core system's API later).

Each source has a stable id, typed options (pydantic) and ``check_config()`` returning problems in words, in
one :class:`madoguchi.plugins.PluginRegistry` (``SOURCES``) like the card transports. A source yields
:class:`ResidentRecord` objects into an :class:`ImportReport`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from madoguchi.plugins import Plugin, PluginOptions, PluginRegistry

from .csv_import import ImportReport, iter_records
from .mapping import MappingError, load_mapping
from .records import ResidentRecord


class SourceOptions(PluginOptions):
    pass


class RegistrySource(Plugin, ABC):
    """A plug-in of ``SOURCES``: sets ``id``, ``title`` and ``Options``."""

    Options: ClassVar[type[SourceOptions]] = SourceOptions
    options: SourceOptions

    @abstractmethod
    def records(self, report: ImportReport) -> Iterator[ResidentRecord]: ...

    def check_config(self) -> list[str]:
        return []


SOURCES: PluginRegistry[RegistrySource] = PluginRegistry("registry source", RegistrySource, error=ValueError)
register = SOURCES.register


def source_ids() -> list[str]:
    return SOURCES.ids()


def source_class(source_id: str) -> type[RegistrySource]:
    """ValueError naming the known ids when there is none."""
    return SOURCES.get(source_id)


def create(source_id: str, options: dict | None = None) -> RegistrySource:
    return SOURCES.create(source_id, options)


def check_config(source_id: str, options: dict | None = None) -> list[str]:
    """Problems with a source's configuration, in words (an empty list when it is usable)."""
    return SOURCES.check_config(source_id, options)


class CsvOptions(SourceOptions):
    path: str
    mapping: str = "standard"


@register
class CsvSource(RegistrySource):
    """A CSV export of the 住民記録 system (item names of the standard, or a vendor mapping)."""

    id = "csv"
    title = "CSVファイル（住民記録システムの出力）"
    Options = CsvOptions

    def check_config(self) -> list[str]:
        problems = []
        path = Path(self.options.path)
        if not path.is_file():
            problems.append(f"no such file: {path}")
        try:
            load_mapping(self.options.mapping)
        except MappingError as exc:
            problems.append(str(exc))
        return problems

    def records(self, report: ImportReport) -> Iterator[ResidentRecord]:
        mapping = load_mapping(self.options.mapping)
        with open(self.options.path, "rb") as fh:
            yield from iter_records(fh, mapping, report)
