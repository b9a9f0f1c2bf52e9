"""Card transports: how APDUs reach a card. A registry with stable ids and typed (pydantic) options.

The protocol layer only needs ``Connection.transmit(apdu) -> (data, sw1, sw2)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from madoguchi.plugin_options import option_problems

from .errors import TransportError


@dataclass(frozen=True)
class ReaderInfo:
    name: str
    card_present: bool | None  # None: unknown


class Connection(ABC):
    """An open, exclusive session with one card. Closing it unpowers/resets the card."""

    reader: str = ""

    @abstractmethod
    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class TransportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CardTransport(ABC):
    id: ClassVar[str]
    title: ClassVar[str]
    Options: ClassVar[type[TransportOptions]]

    def __init__(self, options: TransportOptions):
        self.options = options

    @abstractmethod
    def readers(self) -> list[ReaderInfo]: ...

    @abstractmethod
    def connect(self) -> Connection: ...

    def check_config(self) -> list[str]:
        """Human-readable problems with this configuration on this machine (empty: looks usable)."""
        return []

    def describe(self) -> str:
        return self.id


TRANSPORTS: dict[str, type[CardTransport]] = {}


def register(cls: type[CardTransport]) -> type[CardTransport]:
    if cls.id in TRANSPORTS and TRANSPORTS[cls.id] is not cls:
        raise ValueError(f"transport id {cls.id!r} already registered")
    TRANSPORTS[cls.id] = cls
    return cls


def _load_builtin() -> None:
    from . import pcsc  # noqa: F401 - registers itself; imports pyscard only when used


def transport_ids() -> list[str]:
    _load_builtin()
    return sorted(TRANSPORTS)


def transport_class(transport_id: str) -> type[CardTransport]:
    _load_builtin()
    try:
        return TRANSPORTS[transport_id]
    except KeyError:
        known = ", ".join(sorted(TRANSPORTS))
        raise TransportError(f"unknown card transport {transport_id!r} (known: {known})") from None


def create(transport_id: str, options: dict | None = None) -> CardTransport:
    cls = transport_class(transport_id)
    try:
        opts = cls.Options(**(options or {}))
    except ValidationError as exc:
        raise TransportError(f"{transport_id} options: " + "; ".join(option_problems(exc))) from None
    return cls(opts)


def check_config(transport_id: str, options: dict | None = None) -> list[str]:
    """Problems with a transport id and its options, without raising."""
    try:
        cls = transport_class(transport_id)
    except TransportError as exc:
        return [exc.message]
    try:
        opts = cls.Options(**(options or {}))
    except ValidationError as exc:
        return [f"{transport_id} options: {p}" for p in option_problems(exc)]
    try:
        transport = cls(opts)
    except TransportError as exc:
        return [exc.message]
    return transport.check_config()


# --- the virtual card ------------------------------------------------------------------------------------


class VirtualOptions(TransportOptions):
    card: str = Field("demo", description="demo card id (see madoguchi.card.virtual.PROFILES)")
    t0_quirks: bool = Field(False, description="answer with 61 xx / 6C xx like a T=0 card")


class _VirtualConnection(Connection):
    def __init__(self, card, reader: str):
        self.card = card
        self.reader = reader
        self.closed = False

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        if self.closed:
            raise TransportError("connection closed")
        return self.card.transmit(bytes(apdu))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.card.reset()  # like SCARD_UNPOWER_CARD: the verified state is gone


@register
class VirtualTransport(CardTransport):
    """One virtual card that keeps its PIN counter for the lifetime of this object."""

    id = "virtual"
    title = "virtual My Number Card (fictional data)"
    Options = VirtualOptions

    def __init__(self, options: VirtualOptions):
        super().__init__(options)
        from .virtual import PROFILES, VirtualCard

        if options.card not in PROFILES:
            raise TransportError(f"unknown virtual card {options.card!r} (known: {', '.join(PROFILES)})")
        self.card = VirtualCard(options.card, t0_quirks=options.t0_quirks)

    @property
    def reader_name(self) -> str:
        return f"madoguchi virtual card ({self.options.card})"

    def readers(self) -> list[ReaderInfo]:
        return [ReaderInfo(self.reader_name, True)]

    def connect(self) -> Connection:
        self.card.reset()
        return _VirtualConnection(self.card, self.reader_name)

    def reinsert(self) -> None:
        """Back to the card's initial state (a fresh copy of the demo card)."""
        from .virtual import VirtualCard

        self.card = VirtualCard(self.options.card, t0_quirks=self.options.t0_quirks)

    def check_config(self) -> list[str]:
        return []

    def describe(self) -> str:
        return f"virtual:{self.options.card}"
