"""Slow clients do not hold the application (issue #13): ``madoguchi serve`` reads each request's body in
full, within ``MADOGUCHI_BODY_SECONDS``, before the request may take one of the process's application slots.

gunicorn's gthread worker hands a connection to a pool thread, which then reads the body as the application
asks for it; with one thread per worker (decision 0010) a client sending one byte every two seconds held the
whole worker and every request queued behind it. Here the pool has spare *connection* threads that only wait
for bytes (no GIL held), while at most ``slots`` threads per process run Django at a time — the single-
threaded application decision 0010 measured stays. A body not complete in time is answered 408 and its
connection closed. Headers are bounded by gunicorn (its 5 s wait for the first byte, the limit_request_*
sizes); production still runs behind a buffering proxy (docs/operations.md).
"""

from __future__ import annotations

import io
import logging
import socket
import threading

log = logging.getLogger("madoguchi.server")

CHUNK = 64 * 1024
TIMEOUT_PAGE = (
    "<!doctype html><html lang=ja><meta charset=utf-8><title>時間切れ</title>"
    "<p>送信に時間がかかりすぎたため、受け付けられませんでした。もう一度送信してください。</p></html>"
).encode()


class BodyTimeout(Exception):
    pass


def _read_body(environ, seconds: float) -> bytes:
    """The whole body, or BodyTimeout after ``seconds``: a timer shuts the socket's reading side, which wakes
    the blocked read (gunicorn's reader waits for the whole size asked for, so a per-recv timeout would not
    bound a client that sends a byte now and then)."""
    stream = environ["wsgi.input"]
    sock = environ.get("gunicorn.socket")
    expired = threading.Event()

    def expire():
        expired.set()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    length = environ.get("CONTENT_LENGTH") or ""
    remaining = int(length) if length.isdigit() else None
    parts = []
    try:
        while remaining is None or remaining > 0:
            try:
                chunk = stream.read(CHUNK if remaining is None else min(CHUNK, remaining))
            except Exception as exc:  # noqa: BLE001 - gunicorn's NoMoreData, a reset, a closed socket
                if expired.is_set():
                    raise BodyTimeout from exc
                raise
            if expired.is_set():
                raise BodyTimeout
            if not chunk:
                break
            parts.append(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    finally:
        timer.cancel()
    return b"".join(parts)


class BufferedBodies:
    """WSGI wrapper: the body is read (bounded in time) before the application runs, in one of ``slots``."""

    def __init__(self, app, *, slots: int, body_seconds: float):
        self.app = app
        self.slots = threading.BoundedSemaphore(max(1, slots))
        self.body_seconds = body_seconds

    def __call__(self, environ, start_response):
        has_body = (environ.get("CONTENT_LENGTH") or "0") not in ("", "0") or (
            environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        )
        if has_body:
            try:
                body = _read_body(environ, self.body_seconds)
            except BodyTimeout:
                log.warning(
                    "request body not complete within %.0f s: %s %s (answered 408)",
                    self.body_seconds,
                    environ.get("REQUEST_METHOD"),
                    environ.get("PATH_INFO"),
                )
                start_response(
                    "408 Request Timeout",
                    [
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Length", str(len(TIMEOUT_PAGE))),
                        ("Connection", "close"),
                    ],
                )
                return [TIMEOUT_PAGE]
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        with self.slots:
            result = self.app(environ, start_response)
            # Django's ordinary responses are complete here; a streaming one is iterated by gunicorn after.
            return result
