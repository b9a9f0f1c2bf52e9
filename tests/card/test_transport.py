"""Transport registry, typed options, check_config(), and the vpcd client against a fake vpcd socket."""

from __future__ import annotations

import socket
import threading

import pytest

from madoguchi.card import transport
from madoguchi.card.errors import TransportError, WrongPin
from madoguchi.card.reading import read_card
from madoguchi.card.virtual import ATR, VirtualCard
from madoguchi.card.vpcd import VpcdClient


def test_registry_ids():
    assert transport.transport_class("virtual").id == "virtual"
    assert transport.transport_class("pcsc").id == "pcsc"
    with pytest.raises(TransportError):
        transport.transport_class("bluetooth")


def test_check_config_problems():
    assert transport.check_config("virtual", {"card": "demo"}) == []
    assert "unknown virtual card" in transport.check_config("virtual", {"card": "nobody"})[0]
    problems = transport.check_config("virtual", {"card": "demo", "colour": "red"})
    assert problems and "colour" in problems[0]
    assert transport.check_config("pcsc", {"wait_seconds": -1})[0].startswith("pcsc options: wait_seconds")
    assert "unknown card transport" in transport.check_config("nfc-magic")[0]


def test_pcsc_check_config_reports_in_words():
    # Whatever this machine has (no pyscard, no pcscd, no reader...), the answer is a list of strings.
    problems = transport.check_config("pcsc", {"reader": "No Such Reader 99"})
    assert problems and all(isinstance(p, str) and p for p in problems)


def test_pcsc_missing_pyscard_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kw):
        if name.startswith("smartcard"):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    t = transport.create("pcsc", {})
    problems = t.check_config()
    assert "pip install 'madoguchi[card]'" in problems[0]
    with pytest.raises(TransportError):
        t.connect()


def test_create_rejects_bad_options():
    with pytest.raises(TransportError):
        transport.create("pcsc", {"exclusive": "sometimes"})


def test_virtual_transport_keeps_counter_and_unpowers():
    t = transport.create("virtual", {"card": "demo"})
    with t.connect() as conn:
        read_card(conn, "1234", trust=None)
        assert t.card.verified
    assert not t.card.verified  # closing the connection drops the verified state
    with t.connect() as conn, pytest.raises(WrongPin) as exc:
        read_card(conn, "0000", trust=None)
    assert exc.value.tries_left == 2
    with t.connect() as conn:
        from madoguchi.card.protocol import KenhojoAP

        ap = KenhojoAP(conn)
        ap.select_ap()
        assert ap.pin_status().tries_left == 2
    t.reinsert()
    assert t.card.tries_left == 3


class FakeVpcd:
    """Plays vpcd's side of the socket: power on, ATR, then APDUs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

    def run(self, results):
        conn, _ = self.listener.accept()
        with conn:

            def send(payload):
                conn.sendall(len(payload).to_bytes(2, "big") + payload)

            def recv():
                n = int.from_bytes(conn.recv(2), "big")
                buf = b""
                while len(buf) < n:
                    buf += conn.recv(n - len(buf))
                return buf

            send(b"\x01")  # power on: no reply expected
            send(b"\x04")
            results.append(recv())
            send(bytes.fromhex("00A4040C0AD3921000310001010408"))
            results.append(recv())
            send(bytes.fromhex("00A4020C020011"))
            results.append(recv())
            send(bytes.fromhex("00200080"))
            results.append(recv())
            send(b"\x00")  # power off
        self.listener.close()


def test_vpcd_client_framing():
    fake = FakeVpcd()
    results: list[bytes] = []
    server = threading.Thread(target=fake.run, args=(results,))
    server.start()
    with VpcdClient(VirtualCard("demo"), port=fake.port):
        server.join(timeout=10)
    assert results == [ATR, b"\x90\x00", b"\x90\x00", b"\x63\xc3"]


def test_vpcd_client_connect_timeout():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    with pytest.raises(ConnectionError):
        VpcdClient(VirtualCard("demo"), port=port).start(timeout=0.3)
