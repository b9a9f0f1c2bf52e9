"""``madoguchi card-agent``: a small local HTTP service on the counter PC that reads the card for the page.

Binds 127.0.0.1 only. Every request needs the pairing token (``Authorization: Bearer …``); browsers are
accepted only from the configured origin (CORS). The PIN arrives in the request body, goes to the card and
nowhere else: it is never logged, stored or returned. See docs/card-agent.md.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import errors as e
from .address import LOOPBACK_HOSTS
from .protocol import KenhojoAP
from .reading import read_card
from .signature import TrustStore
from .transport import CardTransport, VirtualTransport

log = logging.getLogger("madoguchi.card.agent")

API_VERSION = 1
DEFAULT_PORT = 8791
MAX_BODY = 4096
MIN_TOKEN_LENGTH = 16

_STATUS_FOR = [
    (e.PinFormatError, HTTPStatus.BAD_REQUEST),
    (e.WrongPin, HTTPStatus.CONFLICT),
    (e.LastTryConfirmationRequired, HTTPStatus.CONFLICT),
    (e.PinBlocked, HTTPStatus.LOCKED),
    (e.NotMyNumberCard, HTTPStatus.UNPROCESSABLE_ENTITY),
    (e.CardDataError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (e.TransportError, HTTPStatus.SERVICE_UNAVAILABLE),
    (e.TrustConfigError, HTTPStatus.SERVICE_UNAVAILABLE),
    (e.CardError, HTTPStatus.BAD_GATEWAY),
]


class RequestError(Exception):
    def __init__(self, status: HTTPStatus, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class AgentConfig:
    token: str
    origin: str
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"

    def problems(self) -> list[str]:
        out = []
        if not self.token or len(self.token) < MIN_TOKEN_LENGTH:
            out.append(f"the pairing token must be at least {MIN_TOKEN_LENGTH} characters")
        if (
            not self.origin
            or not self.origin.startswith(("http://", "https://"))
            or self.origin.endswith("/")
        ):
            out.append(
                "the origin must look like https://madoguchi.example.lg.jp (scheme://host[:port], no path)"
            )
        if self.host not in LOOPBACK_HOSTS:
            out.append("the agent listens on the loopback interface only")
        return out


class CardAgent:
    """The agent's behaviour without HTTP: one card operation at a time."""

    def __init__(self, transport: CardTransport, trust: TrustStore | None):
        self.transport = transport
        self.trust = trust
        self._lock = threading.Lock()

    def status(self) -> dict:
        out: dict = {
            "agent": "madoguchi-card-agent",
            "api_version": API_VERSION,
            "transport": self.transport.describe(),
            "test_mode": bool(self.trust and self.trust.test_mode),
            "signature_check": self.trust is not None,
        }
        with self._lock:
            try:
                out["readers"] = [
                    {"name": r.name, "card_present": r.card_present} for r in self.transport.readers()
                ]
                with self.transport.connect() as conn:
                    ap = KenhojoAP(conn)
                    ap.select_ap()
                    pin = ap.pin_status()
                out["card"] = {
                    "present": True,
                    "reader": conn.reader,
                    "tries_left": pin.tries_left,
                    "blocked": pin.blocked,
                }
            except e.CardError as exc:
                out.setdefault("readers", [])
                out["card"] = {"present": False, **exc.to_dict()}
                if isinstance(exc, e.PinBlocked):
                    out["card"].update(present=True, tries_left=0, blocked=True)
        return out

    def read(self, pin: str, confirm_last_try: bool, read_my_number: bool = True) -> dict:
        with self._lock, self.transport.connect() as conn:
            reading = read_card(
                conn,
                pin,
                trust=self.trust,
                confirm_last_try=confirm_last_try,
                read_my_number=read_my_number,
            )
        return {
            "ok": True,
            "card": reading.public_dict(),
            # The full number only here: the counter page posts it to the server and never displays it.
            "my_number": reading.my_number.reveal() if reading.my_number else None,
            "evidence": reading.evidence(),
            "test_mode": bool(self.trust and self.trust.test_mode),
        }

    def reinsert(self) -> dict:
        if not isinstance(self.transport, VirtualTransport):
            raise RequestError(HTTPStatus.NOT_FOUND, "not_virtual", "only a virtual card can be re-inserted")
        with self._lock:
            self.transport.reinsert()
        return {"ok": True}


def _error_body(exc: e.CardError) -> tuple[HTTPStatus, dict]:
    for cls, status in _STATUS_FOR:
        if isinstance(exc, cls):
            return status, exc.to_dict()
    return HTTPStatus.BAD_GATEWAY, exc.to_dict()


def make_handler(agent: CardAgent, config: AgentConfig) -> type[BaseHTTPRequestHandler]:
    allowed_hosts = {f"127.0.0.1:{config.port}", f"localhost:{config.port}", f"[::1]:{config.port}"}
    token = config.token.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        server_version = "madoguchi-card-agent"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        # Logs carry method, path and status only; bodies (PIN) and headers (token) never.
        def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
            pass

        def log_request(self, code="-", size="-") -> None:
            log.info("%s %s -> %s", self.command, self.path.split("?")[0], code)

        def log_error(self, format: str, *args) -> None:  # noqa: A002
            log.warning("request error: %s", args[0] if args else "")

        # --- helpers ---------------------------------------------------------------------------------

        def _origin_ok(self) -> bool:
            origin = self.headers.get("Origin")
            return origin is None or origin == config.origin

        def _cors(self) -> None:
            if self.headers.get("Origin") == config.origin:
                self.send_header("Access-Control-Allow-Origin", config.origin)
                self.send_header("Vary", "Origin")

        def _send(self, status: HTTPStatus, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self._cors()
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            if status >= 400:
                # An unread body (it may hold a PIN) must never be parsed as the next request.
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def _check(self) -> None:
            if self.headers.get("Host") not in allowed_hosts:
                raise RequestError(HTTPStatus.FORBIDDEN, "bad_host", "unexpected Host header")
            if not self._origin_ok():
                raise RequestError(HTTPStatus.FORBIDDEN, "bad_origin", "origin not allowed")
            auth = self.headers.get("Authorization", "")
            given = auth[7:].strip().encode("utf-8") if auth.startswith("Bearer ") else b""
            if not hmac.compare_digest(given, token):
                raise RequestError(HTTPStatus.UNAUTHORIZED, "bad_token", "missing or wrong pairing token")

        def _json_body(self) -> dict:
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                raise RequestError(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "bad_content_type", "send application/json"
                )
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                raise RequestError(HTTPStatus.BAD_REQUEST, "bad_length", f"body must be 1..{MAX_BODY} bytes")
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise RequestError(HTTPStatus.BAD_REQUEST, "bad_json", "body is not JSON") from None
            if not isinstance(body, dict):
                raise RequestError(HTTPStatus.BAD_REQUEST, "bad_json", "body must be a JSON object")
            return body

        def _handle(self, method: str) -> None:
            path = self.path.split("?")[0]
            try:
                self._check()
                if method == "GET" and path == "/v1/status":
                    return self._send(HTTPStatus.OK, agent.status())
                if method == "POST" and path == "/v1/read":
                    body = self._json_body()
                    pin = body.get("pin")
                    confirm = body.get("confirm_last_try", False)
                    read_number = body.get("read_my_number", True)
                    if not isinstance(pin, str):
                        raise e.PinFormatError()
                    if not isinstance(confirm, bool) or not isinstance(read_number, bool):
                        raise RequestError(
                            HTTPStatus.BAD_REQUEST,
                            "bad_request",
                            "confirm_last_try and read_my_number are booleans",
                        )
                    return self._send(HTTPStatus.OK, agent.read(pin, confirm, read_number))
                if method == "POST" and path == "/v1/virtual/reinsert":
                    return self._send(HTTPStatus.OK, agent.reinsert())
                raise RequestError(HTTPStatus.NOT_FOUND, "not_found", "no such endpoint")
            except RequestError as exc:
                self._send(exc.status, {"error": exc.code, "message": exc.message})
            except e.CardError as exc:
                status, body = _error_body(exc)
                log.info("card operation failed: %s", exc.code)
                self._send(status, body)
            except Exception as exc:  # noqa: BLE001 - never a traceback (it could hold card data) to the page
                log.error("internal error in the card agent: %s", exc.__class__.__name__)
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal", "message": "internal error"}
                )

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_OPTIONS(self) -> None:  # noqa: N802 - CORS preflight: no token (browsers send none here)
            if self.headers.get("Host") not in allowed_hosts or self.headers.get("Origin") != config.origin:
                self.send_response(HTTPStatus.FORBIDDEN)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(HTTPStatus.NO_CONTENT)
            self._cors()
            self.send_header("Access-Control-Allow-Methods", "GET, POST")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            self.send_header("Access-Control-Max-Age", "600")
            if self.headers.get("Access-Control-Request-Private-Network") == "true":
                self.send_header("Access-Control-Allow-Private-Network", "true")
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def make_server(agent: CardAgent, config: AgentConfig) -> ThreadingHTTPServer:
    problems = config.problems()
    if problems:
        raise e.CardError("; ".join(problems))
    server = ThreadingHTTPServer((config.host, config.port), BaseHTTPRequestHandler)
    # Port 0 picks a free port; the Host check must know the real one.
    config.port = server.server_address[1]
    server.RequestHandlerClass = make_handler(agent, config)
    server.daemon_threads = True
    return server


def serve_in_thread(agent: CardAgent, config: AgentConfig) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the agent in a daemon thread (e.g. inside ``madoguchi demo``); stop with ``server.shutdown()``."""
    server = make_server(agent, config)
    thread = threading.Thread(target=server.serve_forever, args=(0.2,), name="card-agent", daemon=True)
    thread.start()
    return server, thread
