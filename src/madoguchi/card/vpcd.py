"""Connect a virtual card to vsmartcard-vpcd so it appears through pcscd as a "Virtual PCD" reader.

vpcd (inside pcscd) listens on TCP 35963; the card side connects. Framing: 2-byte big-endian length, payload.
A 1-byte payload is control: 00 power off, 01 power on, 02 reset (no reply), 04 get ATR (reply: ATR).
Anything longer is a command APDU; the reply is the response APDU.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from .virtual import ATR, VirtualCard

log = logging.getLogger("madoguchi.card.vpcd")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except TimeoutError:
            continue
        if not chunk:
            return None
        buf += chunk
    return buf


class VpcdClient:
    """Serves one ``VirtualCard`` to vpcd in a background thread until ``stop()``."""

    def __init__(self, card: VirtualCard, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.card = card
        self.host, self.port = host, port
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.connected = threading.Event()
        self.error: str | None = None

    def connect(self, timeout: float = 10.0) -> None:
        """Open the TCP connection, retrying while vpcd is not listening yet."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection((self.host, self.port), timeout=2)
                self._sock.settimeout(0.5)
                self.connected.set()
                return
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        f"cannot connect to vpcd at {self.host}:{self.port} ({exc})"
                    ) from None
                time.sleep(0.1)

    def serve(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._stop.is_set():
            try:
                head = _recv_exact(sock, 2) if not self._stop.is_set() else None
                if head is None:
                    break
                msg = _recv_exact(sock, int.from_bytes(head, "big"))
                if msg is None:
                    break
            except OSError as exc:
                if not self._stop.is_set():
                    self.error = str(exc)
                break
            reply = self.handle(msg)
            if reply is not None:
                try:
                    sock.sendall(len(reply).to_bytes(2, "big") + reply)
                except OSError as exc:
                    self.error = str(exc)
                    break

    def handle(self, msg: bytes) -> bytes | None:
        if len(msg) == 1:
            code = msg[0]
            if code in (0x00, 0x01, 0x02):
                self.card.reset()
                return None
            if code == 0x04:
                return ATR
            return None
        log.debug("vpcd: APDU of %d bytes", len(msg))
        return self.card.execute(msg)

    def start(self, timeout: float = 10.0) -> VpcdClient:
        self.connect(timeout)
        self._thread = threading.Thread(target=self.serve, name="vpcd-client", daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> VpcdClient:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
