"""PC/SC transport through pyscard (optional extra ``madoguchi[card]``), imported only when used; registered as
``pcsc`` by :mod:`madoguchi.card.transport`."""

from __future__ import annotations

import time

from pydantic import Field

from .errors import NoCard, ReaderNotFound, TransportError, TransportUnavailable
from .transport_base import CardTransport, Connection, ReaderInfo, TransportOptions

INSTALL_HINT = (
    "pyscard is not installed: pip install 'madoguchi[card]' "
    "(on Linux it builds from source and needs libpcsclite-dev, swig, gcc and a running pcscd)"
)


def _pyscard():
    try:  # pyscard is optional (madoguchi[card]): imported on first use, so everything else runs without it
        import smartcard.scard
        import smartcard.System

        return smartcard
    except ImportError:
        raise TransportUnavailable(INSTALL_HINT) from None


class PcscOptions(TransportOptions):
    reader: str | None = Field(
        None, description="reader name, or a unique prefix of it; None: the reader with a card"
    )
    exclusive: bool = Field(
        True, description="connect in exclusive mode (no other process shares the session)"
    )
    wait_seconds: float = Field(0.0, ge=0, le=300, description="how long to wait for a card to be presented")


class _PcscConnection(Connection):
    def __init__(self, connection, reader: str):
        self._conn = connection
        self.reader = reader

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        # pyscard: optional (madoguchi[card]), imported only when a PC/SC reader is used
        from smartcard.Exceptions import SmartcardException

        try:
            data, sw1, sw2 = self._conn.transmit(list(apdu))
        except SmartcardException as exc:
            raise TransportError(
                f"reader {self.reader!r}: transmit failed ({exc.__class__.__name__})"
            ) from None
        return bytes(data), sw1, sw2

    def close(self) -> None:
        try:
            self._conn.disconnect()  # disposition set at connect: unpower, clearing the verified state
            self._conn.release()
        except Exception:  # noqa: BLE001,S110 - closing a vanished card must not hide the real outcome
            pass


class PcscTransport(CardTransport):
    id = "pcsc"
    title = "PC/SC card reader (pyscard)"
    Options = PcscOptions

    def _system_readers(self):
        sc = _pyscard()
        # pyscard: optional (madoguchi[card]), imported only when a PC/SC reader is used
        from smartcard.Exceptions import SmartcardException

        try:
            return sc.System.readers()
        except SmartcardException as exc:
            raise TransportUnavailable(
                f"PC/SC service not available ({exc.__class__.__name__}); is pcscd running?"
            ) from None
        except Exception as exc:  # noqa: BLE001 - pyscard raises plain errors for a missing service too
            raise TransportUnavailable(f"PC/SC service not available ({exc}); is pcscd running?") from None

    def _present(self, name: str) -> bool | None:
        # pyscard: optional (madoguchi[card]), imported only when a PC/SC reader is used
        from smartcard import scard

        try:
            hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != scard.SCARD_S_SUCCESS:
                return None
            try:
                hresult, states = scard.SCardGetStatusChange(ctx, 0, [(name, scard.SCARD_STATE_UNAWARE)])
                if hresult != scard.SCARD_S_SUCCESS:
                    return None
                return bool(states[0][1] & scard.SCARD_STATE_PRESENT)
            finally:
                scard.SCardReleaseContext(ctx)
        except Exception:  # noqa: BLE001 - presence is advisory
            return None

    def readers(self) -> list[ReaderInfo]:
        return [ReaderInfo(str(r), self._present(str(r))) for r in self._system_readers()]

    def _choose(self, readers: list[ReaderInfo]) -> str:
        want = self.options.reader
        if not readers:
            raise ReaderNotFound("no PC/SC reader found")
        if want:
            exact = [r for r in readers if r.name == want]
            if exact:
                return exact[0].name
            candidates = [r for r in readers if r.name.startswith(want)]
        else:
            candidates = list(readers)
        if not candidates:
            names = ", ".join(r.name for r in readers)
            raise ReaderNotFound(f"no reader named {want!r} (readers: {names})")
        if len(candidates) > 1:
            with_card = [r for r in candidates if r.card_present]
            if len(with_card) == 1:
                return with_card[0].name
            if not with_card:
                raise NoCard("no card on " + ", ".join(r.name for r in candidates))
            names = ", ".join(r.name for r in candidates)
            raise ReaderNotFound(f"several readers match; name one with --reader ({names})")
        return candidates[0].name

    def connect(self) -> Connection:
        sc = _pyscard()
        # pyscard: optional (madoguchi[card]), imported only when a PC/SC reader is used
        from smartcard import scard
        from smartcard.Exceptions import CardConnectionException, NoCardException

        deadline = time.monotonic() + self.options.wait_seconds
        while True:
            try:
                name = self._choose(self.readers())
            except NoCard:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
                continue
            reader = next(r for r in sc.System.readers() if str(r) == name)
            conn = reader.createConnection()
            mode = scard.SCARD_SHARE_EXCLUSIVE if self.options.exclusive else scard.SCARD_SHARE_SHARED
            try:
                conn.connect(mode=mode, disposition=scard.SCARD_UNPOWER_CARD)
                return _PcscConnection(conn, name)
            except (NoCardException, CardConnectionException) as exc:
                if time.monotonic() >= deadline:
                    if isinstance(exc, NoCardException):
                        raise NoCard(f"no card on reader {name!r}") from None
                    raise TransportError(f"cannot connect to the card on {name!r} ({exc})") from None
                time.sleep(0.2)

    def check_config(self) -> list[str]:
        try:
            _pyscard()
        except TransportUnavailable as exc:
            return [exc.message]
        try:
            readers = self.readers()
        except TransportUnavailable as exc:
            return [exc.message]
        if not readers:
            return ["no PC/SC reader connected"]
        try:
            self._choose(readers)
        except NoCard:
            return []  # configuration is fine; the card is simply not there yet
        except ReaderNotFound as exc:
            return [exc.message]
        return []

    def describe(self) -> str:
        return f"pcsc:{self.options.reader or '(any)'}"
