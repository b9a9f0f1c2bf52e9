"""What a card transport is: the plug-in base class and the connection it opens. The registry and the built-in
transports are in :mod:`madoguchi.card.transport`.

The protocol layer only needs ``Connection.transmit(apdu) -> (data, sw1, sw2)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from madoguchi.plugins import Plugin, PluginOptions


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


class TransportOptions(PluginOptions):
    pass


class CardTransport(Plugin, ABC):
    """A plug-in of :data:`madoguchi.card.transport.TRANSPORTS`: sets ``id``, ``title`` and ``Options``."""

    Options: ClassVar[type[TransportOptions]] = TransportOptions
    options: TransportOptions

    @abstractmethod
    def readers(self) -> list[ReaderInfo]: ...

    @abstractmethod
    def connect(self) -> Connection: ...

    def check_config(self) -> list[str]:
        """Human-readable problems with this configuration on this machine (empty: looks usable)."""
        return []
