"""The plug-in contract for delivery targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ValidationError

from madoguchi.plugins import Plugin, PluginOptions, option_problems


class DeliveryError(Exception):
    """A delivery failed and may succeed later (receiver down, timeout, disk full): retry with backoff."""

    retryable = True


class PermanentDeliveryError(DeliveryError):
    """A delivery that cannot succeed by retrying (a character the encoding cannot hold, HTTP 4xx):
    goes to the dead letters at once for an operator to inspect."""

    retryable = False


class DeliveryPluginError(ValueError, KeyError):
    """An unknown delivery plug-in id, or options that do not fit the plug-in. Also a KeyError: ``get_plugin``
    raised one for an unknown id before the plug-in registries were one type."""

    __str__ = ValueError.__str__  # the message itself, not KeyError's repr of it


@dataclass(frozen=True)
class ConfigProblem:
    target: str
    message: str

    def __str__(self) -> str:
        return f"{self.target}: {self.message}"


@dataclass(frozen=True)
class DeliveryRecord:
    """One procedure of one case for one target. ``items`` maps standard item names to text (None = empty)."""

    key: str  # idempotency key: the same on every attempt
    target_id: str
    procedure_id: str
    case_number: str
    items: dict[str, str | None] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.case_number}/{self.procedure_id}"


class Options(PluginOptions):
    pass


class DeliveryTargetPlugin(Plugin):
    """Base class of the plug-ins of ``madoguchi.delivery.registry``: subclasses set ``id``, ``title`` and
    ``Options`` and implement ``deliver``. An instance is one target of the catalog (``target_id``)."""

    Options: ClassVar[type[Options]] = Options
    options: Options

    def __init__(self, target_id: str, options: dict[str, Any] | Options):
        super().__init__(
            options if isinstance(options, Options) else self.Options.model_validate(options or {})
        )
        self.target_id = target_id

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> list[str]:
        """Problems with ``options`` as one line each (``options.<name>: …``; empty when valid)."""
        try:
            cls.Options.model_validate(options or {})
        except ValidationError as exc:
            return option_problems(exc, prefix="options.", model=cls.Options)
        return []

    def check_config(self) -> list[ConfigProblem]:
        """Configuration, connectivity and credentials: what an operator must fix (empty when ready)."""
        return []

    def deliver(self, record: DeliveryRecord) -> str:
        """Deliver one record; return a short receipt (file name, HTTP status). Raise DeliveryError."""
        raise NotImplementedError
