"""Card transports: how APDUs reach a card. One registry (``TRANSPORTS``, a :class:`PluginRegistry`) with
stable ids and typed options: ``pcsc`` (a PC/SC reader, :mod:`madoguchi.card.pcsc`) and ``virtual`` (the
fictional demo card), both registered when this module is imported.

The protocol layer only needs ``Connection.transmit(apdu) -> (data, sw1, sw2)``
(:mod:`madoguchi.card.transport_base`).
"""

from __future__ import annotations

from pydantic import Field

from madoguchi.plugins import PluginRegistry

from .errors import TransportError
from .pcsc import PcscTransport
from .transport_base import CardTransport, Connection, ReaderInfo, TransportOptions
from .virtual import PROFILES, VirtualCard

__all__ = [
    "TRANSPORTS",
    "CardTransport",
    "Connection",
    "PcscTransport",
    "ReaderInfo",
    "TransportOptions",
    "VirtualTransport",
    "check_config",
    "create",
    "register",
    "transport_class",
    "transport_ids",
]

TRANSPORTS: PluginRegistry[CardTransport] = PluginRegistry(
    "card transport", CardTransport, error=TransportError
)
register = TRANSPORTS.register


def transport_ids() -> list[str]:
    return TRANSPORTS.ids()


def transport_class(transport_id: str) -> type[CardTransport]:
    """TransportError naming the known ids when there is none."""
    return TRANSPORTS.get(transport_id)


def create(transport_id: str, options: dict | None = None) -> CardTransport:
    return TRANSPORTS.create(transport_id, options)


def check_config(transport_id: str, options: dict | None = None) -> list[str]:
    """Problems with a transport id and its options, without raising."""
    return TRANSPORTS.check_config(transport_id, options)


register(PcscTransport)


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
        self.card = VirtualCard(self.options.card, t0_quirks=self.options.t0_quirks)

    def check_config(self) -> list[str]:
        return []

    def describe(self) -> str:
        return f"virtual:{self.options.card}"
