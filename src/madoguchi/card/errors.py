"""Typed errors of the card layer.

Every failure that can come from a card, a file or a transport is one of these, so callers (CLI, agent, web)
can show a message without a traceback. Messages never contain a PIN or a full 個人番号.
"""

from __future__ import annotations


class CardError(Exception):
    """Base class. ``code`` is a stable machine-readable identifier."""

    code = "card_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"error": self.code, "message": self.message}


# --- data (files as read from the card) -------------------------------------------------------------


class CardDataError(CardError):
    """A file does not have the expected structure. Says where: file, offset, tag."""

    code = "card_data"

    def __init__(
        self, problem: str, *, file: str | None = None, offset: int | None = None, tag: int | None = None
    ):
        self.problem = problem
        self.file = file
        self.offset = offset
        self.tag = tag
        where = []
        if file:
            where.append(f"EF {file}")
        if offset is not None:
            where.append(f"offset {offset} (0x{offset:X})")
        if tag is not None:
            where.append(f"tag {tag:X}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {problem}" if prefix else problem)


# --- status words ------------------------------------------------------------------------------------


class CardStatusError(CardError):
    """The card answered a command with an unexpected status word."""

    code = "card_status"

    def __init__(self, message: str, sw1: int, sw2: int, command: str = ""):
        self.sw1, self.sw2, self.command = sw1, sw2, command
        suffix = f" ({command}: SW {sw1:02X} {sw2:02X})" if command else f" (SW {sw1:02X} {sw2:02X})"
        super().__init__(message + suffix)


class WrongPin(CardStatusError):
    """VERIFY failed; ``tries_left`` more attempts before the PIN is blocked."""

    code = "wrong_pin"

    def __init__(self, tries_left: int, sw1: int = 0x63, sw2: int = 0xC0, command: str = "VERIFY"):
        self.tries_left = tries_left
        super().__init__(
            f"暗証番号が違います。残り{tries_left}回 / wrong PIN, {tries_left} tries left", sw1, sw2, command
        )

    def to_dict(self) -> dict:
        return {**super().to_dict(), "tries_left": self.tries_left}


class PinBlocked(CardStatusError):
    code = "pin_blocked"

    def __init__(self, sw1: int = 0x69, sw2: int = 0x84, command: str = "VERIFY"):
        super().__init__(
            "暗証番号がロックされています。市区町村の窓口で初期化が必要です / PIN blocked", sw1, sw2, command
        )

    def to_dict(self) -> dict:
        return {**super().to_dict(), "tries_left": 0}


class NotVerified(CardStatusError):
    code = "not_verified"

    def __init__(self, sw1: int = 0x69, sw2: int = 0x82, command: str = ""):
        super().__init__("security status not satisfied (PIN not verified)", sw1, sw2, command)


class FileNotFoundOnCard(CardStatusError):
    code = "not_found"

    def __init__(self, sw1: int = 0x6A, sw2: int = 0x82, command: str = ""):
        super().__init__("file or application not found", sw1, sw2, command)


class NotMyNumberCard(CardStatusError):
    code = "not_my_number_card"

    def __init__(self, sw1: int = 0x6A, sw2: int = 0x82, command: str = "SELECT AP"):
        super().__init__(
            "マイナンバーカードではありません / not a My Number Card (no 券面事項入力補助AP)",
            sw1,
            sw2,
            command,
        )


class UnexpectedStatus(CardStatusError):
    code = "unexpected_status"


# --- PIN handling on our side ------------------------------------------------------------------------


class PinFormatError(CardError):
    code = "pin_format"

    def __init__(self):
        super().__init__("暗証番号は4桁の数字です / the PIN must be exactly 4 digits")


class LastTryConfirmationRequired(CardError):
    """One try left: the clerk must confirm before the PIN is sent."""

    code = "confirm_last_try"

    def __init__(self, tries_left: int = 1):
        self.tries_left = tries_left
        super().__init__(
            "残り1回です。間違えるとロックされます。確認のうえ再度実行してください / "
            "one try left: confirm before sending the PIN"
        )

    def to_dict(self) -> dict:
        return {**super().to_dict(), "tries_left": self.tries_left}


# --- transport and configuration ---------------------------------------------------------------------


class TransportError(CardError):
    code = "transport"


class TransportUnavailable(TransportError):
    """The transport cannot work here (pyscard missing, no PC/SC service...)."""

    code = "transport_unavailable"


class ReaderNotFound(TransportError):
    code = "reader_not_found"


class NoCard(TransportError):
    code = "no_card"


class TrustConfigError(CardError):
    """The trust anchors (CA public keys) are missing or unreadable."""

    code = "trust_config"
