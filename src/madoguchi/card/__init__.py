"""Reading the My Number Card's 券面事項入力補助AP: protocol, parsing, signature check, transports.

Pure Python; no Django. The APDU layer talks only to ``transmit(apdu) -> (data, sw1, sw2)``.
"""

from __future__ import annotations

from .errors import (
    CardDataError,
    CardError,
    CardStatusError,
    LastTryConfirmationRequired,
    NoCard,
    NotMyNumberCard,
    PinBlocked,
    PinFormatError,
    ReaderNotFound,
    TransportError,
    TransportUnavailable,
    TrustConfigError,
    WrongPin,
)

__all__ = [
    "CardDataError",
    "CardError",
    "CardStatusError",
    "LastTryConfirmationRequired",
    "NoCard",
    "NotMyNumberCard",
    "PinBlocked",
    "PinFormatError",
    "ReaderNotFound",
    "TransportError",
    "TransportUnavailable",
    "TrustConfigError",
    "WrongPin",
]
