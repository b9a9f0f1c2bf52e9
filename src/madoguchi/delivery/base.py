"""The plug-in contract for delivery targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError


class DeliveryError(Exception):
    """A delivery failed and may succeed later (receiver down, timeout, disk full): retry with backoff."""

    retryable = True


class PermanentDeliveryError(DeliveryError):
    """A delivery that cannot succeed by retrying (a character the encoding cannot hold, HTTP 4xx):
    goes to the dead letters at once for an operator to inspect."""

    retryable = False


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


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliveryTargetPlugin:
    """Base class. Subclasses set ``options_model`` and implement ``deliver``; registered by a stable id."""

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    options_model: ClassVar[type[Options]] = Options

    def __init__(self, target_id: str, options: dict[str, Any] | Options):
        self.target_id = target_id
        self.options = (
            options if isinstance(options, Options) else self.options_model.model_validate(options or {})
        )

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> list[str]:
        """Problems with ``options`` as one line each (empty when valid)."""
        try:
            cls.options_model.model_validate(options or {})
        except ValidationError as exc:
            out = []
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = "unknown option (check the spelling)"
                out.append(f"options.{where}: {msg}" if where else f"options: {msg}")
            return out
        return []

    def check_config(self) -> list[ConfigProblem]:
        """Configuration, connectivity and credentials: what an operator must fix (empty when ready)."""
        return []

    def deliver(self, record: DeliveryRecord) -> str:
        """Deliver one record; return a short receipt (file name, HTTP status). Raise DeliveryError."""
        raise NotImplementedError
