"""The local card agent over real HTTP on 127.0.0.1: token, origin, PIN rules, and no PIN in logs."""

from __future__ import annotations

import http.client
import json
import logging
import threading

import pytest

from madoguchi.card import transport
from madoguchi.card.agent import AgentConfig, CardAgent, make_server
from madoguchi.card.builder import virtual_hierarchy
from madoguchi.card.virtual import PROFILES

TOKEN = "t0ken-for-tests-0123456789"
ORIGIN = "https://madoguchi.example.lg.jp"
PIN_MARK = "4821"  # a wrong PIN that appears nowhere else, to search the logs for


class Agent:
    def __init__(self, card: str):
        self.transport = transport.create("virtual", {"card": card})
        self.config = AgentConfig(token=TOKEN, origin=ORIGIN, port=0)
        self.server = make_server(CardAgent(self.transport, virtual_hierarchy().trust_store()), self.config)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def request(self, method, path, body=None, *, token=TOKEN, origin=ORIGIN, host=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Host": host or f"127.0.0.1:{self.port}"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        if origin:
            h["Origin"] = origin
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), (json.loads(raw) if raw else None)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def agent_for():
    started = []

    def start(card="demo"):
        a = Agent(card)
        started.append(a)
        return a

    yield start
    for a in started:
        a.close()


def test_status(agent_for):
    a = agent_for("demo")
    status, headers, body = a.request("GET", "/v1/status")
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert body["card"]["tries_left"] == 3 and body["card"]["present"]
    assert body["test_mode"] is True
    assert body["readers"][0]["name"].startswith("madoguchi virtual card")


def test_read_demo(agent_for):
    a = agent_for("demo")
    status, _, body = a.request("POST", "/v1/read", {"pin": "1234"})
    assert status == 200
    assert body["card"]["my_number_masked"] == "********" + PROFILES["demo"].my_number[-4:]
    assert PROFILES["demo"].my_number not in json.dumps(body["card"])
    assert body["my_number"] == PROFILES["demo"].my_number  # only in its own field
    assert body["card"]["signature"] == "valid"
    assert set(body["evidence"]) == {"ef0001", "ef0002", "ef0003", "ef0004"}
    assert "pin" not in body and "pin" not in body["card"]  # the PIN is never echoed


def test_read_without_my_number(agent_for):
    a = agent_for("demo")
    status, _, body = a.request("POST", "/v1/read", {"pin": "1234", "read_my_number": False})
    assert status == 200 and body["my_number"] is None and body["card"]["my_number_masked"] is None
    assert body["card"]["signature"] == "valid"


def test_token_required(agent_for):
    a = agent_for("demo")
    assert a.request("GET", "/v1/status", token=None)[0] == 401
    assert a.request("GET", "/v1/status", token="wrong-token-wrong-token")[0] == 401
    status, _, body = a.request("POST", "/v1/read", {"pin": "0000"}, token="nope")
    assert status == 401
    # The refused request did not reach the card.
    assert a.request("GET", "/v1/status")[2]["card"]["tries_left"] == 3


def test_origin_enforced(agent_for):
    a = agent_for("demo")
    status, headers, body = a.request("GET", "/v1/status", origin="https://evil.example")
    assert status == 403 and body["error"] == "bad_origin"
    assert "Access-Control-Allow-Origin" not in headers
    # No Origin header (a non-browser client with the token) is accepted.
    assert a.request("GET", "/v1/status", origin=None)[0] == 200


def test_host_header_checked(agent_for):
    a = agent_for("demo")
    assert a.request("GET", "/v1/status", host="attacker.example:80")[0] == 403


def test_preflight(agent_for):
    a = agent_for("demo")
    status, headers, _ = a.request(
        "OPTIONS",
        "/v1/read",
        token=None,
        headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"},
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
    assert headers["Access-Control-Allow-Private-Network"] == "true"
    assert a.request("OPTIONS", "/v1/read", token=None, origin="https://evil.example")[0] == 403


def test_wrong_pin_then_tries_left(agent_for):
    a = agent_for("demo")
    status, _, body = a.request("POST", "/v1/read", {"pin": PIN_MARK})
    assert status == 409 and body == {**body, "error": "wrong_pin", "tries_left": 2}
    assert a.request("GET", "/v1/status")[2]["card"]["tries_left"] == 2
    # The agent keeps the card's state between requests; a right PIN resets the counter.
    assert a.request("POST", "/v1/read", {"pin": "1234"})[0] == 200
    assert a.request("GET", "/v1/status")[2]["card"]["tries_left"] == 3


def test_one_try_left_needs_confirmation(agent_for):
    a = agent_for("one-try-left")
    status, _, body = a.request("POST", "/v1/read", {"pin": "1234"})
    assert status == 409 and body["error"] == "confirm_last_try" and body["tries_left"] == 1
    assert a.request("GET", "/v1/status")[2]["card"]["tries_left"] == 1  # nothing was spent
    status, _, body = a.request("POST", "/v1/read", {"pin": "1234", "confirm_last_try": True})
    assert status == 200


def test_blocked(agent_for):
    a = agent_for("one-try-left")
    status, _, body = a.request("POST", "/v1/read", {"pin": PIN_MARK, "confirm_last_try": True})
    assert status == 423 and body["error"] == "pin_blocked" and body["tries_left"] == 0
    st = a.request("GET", "/v1/status")[2]["card"]
    assert st["blocked"] and st["tries_left"] == 0
    assert a.request("POST", "/v1/virtual/reinsert", {})[0] == 200
    assert a.request("GET", "/v1/status")[2]["card"]["tries_left"] == 1


def test_tampered_card(agent_for):
    a = agent_for("tampered")
    status, _, body = a.request("POST", "/v1/read", {"pin": "1234"})
    assert status == 200 and body["card"]["signature"] == "invalid"


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        ({"pin": 1234}, None, 400),
        ({"pin": "12a4"}, None, 400),
        ({"pin": "1234", "confirm_last_try": "yes"}, None, 400),
        ([1, 2], None, 400),
        ({"pin": "1234"}, {"Content-Type": "text/plain"}, 415),
    ],
)
def test_bad_requests(agent_for, body, headers, code):
    a = agent_for("demo")
    assert a.request("POST", "/v1/read", body, headers=headers)[0] == code
    assert a.request("GET", "/v1/status")[2]["card"]["tries_left"] == 3


def test_unknown_path(agent_for):
    assert agent_for("demo").request("GET", "/v1/nothing")[0] == 404


def test_config_problems():
    assert AgentConfig(token="short", origin=ORIGIN).problems()
    assert AgentConfig(token=TOKEN, origin="madoguchi.example").problems()
    assert AgentConfig(token=TOKEN, origin=ORIGIN + "/").problems()
    assert AgentConfig(token=TOKEN, origin=ORIGIN, host="0.0.0.0").problems()  # noqa: S104
    assert AgentConfig(token=TOKEN, origin=ORIGIN).problems() == []


def test_pin_and_number_never_logged(agent_for, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    a = agent_for("demo")
    a.request("POST", "/v1/read", {"pin": PIN_MARK})
    a.request("POST", "/v1/read", {"pin": "1234"})
    a.request("POST", "/v1/read", {"pin": "12x4"})
    out, err = capfd.readouterr()
    text = caplog.text + out + err
    assert "POST /v1/read -> 409" in caplog.text and "POST /v1/read -> 200" in caplog.text
    assert PIN_MARK not in text
    assert "1234" not in text
    assert PROFILES["demo"].my_number not in text
    assert TOKEN not in text


def test_refused_request_closes_the_connection(agent_for):
    a = agent_for("demo")
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
    body = json.dumps({"pin": PIN_MARK}).encode()
    conn.request(
        "POST",
        "/v1/read",
        body=body,
        headers={"Host": f"127.0.0.1:{a.port}", "Content-Type": "application/json"},
    )
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 401 and resp.getheader("Connection") == "close"
    conn.close()


def test_card_agent_command(tmp_path):
    """The real command: refuses a weak token, then serves the virtual card on a free port."""
    import os
    import socket
    import subprocess
    import sys
    import time

    cmd = [sys.executable, "-m", "madoguchi", "card-agent", "--virtual", "demo", "--origin", ORIGIN]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_CARD_AGENT")}
    proc = subprocess.run([*cmd, "--token", "short"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and "token" in proc.stderr and "Traceback" not in proc.stderr

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The old variable name (which meant the agent's address on the server) is refused with the new one named.
    old = {**env, "MADOGUCHI_CARD_AGENT_ORIGIN": ORIGIN, "MADOGUCHI_CARD_AGENT_TOKEN": TOKEN}
    proc = subprocess.run(cmd[:-2], capture_output=True, text=True, env=old, timeout=60)
    assert proc.returncode == 2 and "MADOGUCHI_CARD_AGENT_ALLOWED_ORIGIN" in proc.stderr
    assert "Traceback" not in proc.stderr
    env["MADOGUCHI_CARD_AGENT_TOKEN"] = TOKEN
    env["MADOGUCHI_CARD_AGENT_ALLOWED_ORIGIN"] = ORIGIN  # the origin from the environment this time
    agent = subprocess.Popen(
        [*cmd[:-2], "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request(
                    "POST",
                    "/v1/read",
                    body=json.dumps({"pin": PIN_MARK}),
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                )
                resp = conn.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert resp.status == 409 and json.loads(resp.read())["tries_left"] == 2
    finally:
        agent.terminate()
        out, err = agent.communicate(timeout=30)
    assert "POST /v1/read -> 409" in err
    assert PIN_MARK not in out + err and TOKEN not in out + err


def test_serve_in_thread():
    from madoguchi.card.agent import serve_in_thread

    t = transport.create("virtual", {"card": "demo"})
    server, thread = serve_in_thread(CardAgent(t, None), AgentConfig(token=TOKEN, origin=ORIGIN, port=0))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", "/v1/status", headers={"Authorization": f"Bearer {TOKEN}"})
        body = json.loads(conn.getresponse().read())
        assert body["card"]["tries_left"] == 3 and body["signature_check"] is False
    finally:
        server.shutdown()
        server.server_close()
    thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:8791", "http://127.0.0.1:8791"),
        ("http://127.0.0.1:8791/", "http://127.0.0.1:8791"),
        (" https://localhost:9000/agent ", "https://localhost:9000"),
        ("http://[::1]:8791", "http://[::1]:8791"),
        ("http://192.0.2.10:8791", ""),  # the agent listens on the counter PC's loopback only
        ("https://madoguchi.example.lg.jp", ""),
        ("ftp://127.0.0.1:8791", ""),
        ("http://127.0.0.1:notaport", ""),
        ("127.0.0.1:8791", ""),
        ("", ""),
    ],
)
def test_agent_origin_is_the_loopback_origin_of_the_address(url, origin):
    from madoguchi.card.address import agent_origin

    assert agent_origin(url) == origin
