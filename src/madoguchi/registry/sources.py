"""Registry sources as plug-ins: where resident records come from (CSV files now; a core system's API later).

Each source has a stable id, typed options (pydantic) and ``check_config()`` returning problems in words,
like the card transports. A source yields :class:`ResidentRecord` objects into an :class:`ImportReport`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from madoguchi.plugin_options import option_problems

from .csv_import import ImportReport, iter_records
from .mapping import MappingError, load_mapping
from .records import ResidentRecord


class SourceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegistrySource(ABC):
    id: str = ""
    title: str = ""
    Options: type[SourceOptions] = SourceOptions

    def __init__(self, options: SourceOptions):
        self.options = options

    @abstractmethod
    def records(self, report: ImportReport) -> Iterator[ResidentRecord]: ...

    def check_config(self) -> list[str]:
        return []


_SOURCES: dict[str, type[RegistrySource]] = {}


def register(cls: type[RegistrySource]) -> type[RegistrySource]:
    if not cls.id or cls.id in _SOURCES:
        raise ValueError(f"registry source id {cls.id!r} is empty or taken")
    _SOURCES[cls.id] = cls
    return cls


def source_ids() -> list[str]:
    return sorted(_SOURCES)


def source_class(source_id: str) -> type[RegistrySource]:
    try:
        return _SOURCES[source_id]
    except KeyError:
        raise ValueError(f"unknown registry source {source_id!r}; known: {', '.join(source_ids())}") from None


def create(source_id: str, options: dict | None = None) -> RegistrySource:
    cls = _SOURCES.get(source_id)
    if cls is None:
        raise ValueError(f"unknown registry source {source_id!r}; known: {', '.join(source_ids())}")
    try:
        return cls(cls.Options(**(options or {})))
    except ValidationError as exc:
        raise ValueError("; ".join(option_problems(exc))) from None


def check_config(source_id: str, options: dict | None = None) -> list[str]:
    """Problems with a source's configuration, in words (an empty list when it is usable)."""
    try:
        source = create(source_id, options)
    except ValueError as exc:
        return [str(exc)]
    return source.check_config()


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
