"""Through the real PC/SC stack: pcscd + vsmartcard-vpcd, with our virtual card on vpcd's socket.

Skips when pcscd, the vpcd driver or pyscard are missing, unless CI=true, where that is a failure.
Uses a running pcscd whose vpcd slot listens; otherwise starts ``pcscd --foreground`` itself (root) and
stops it afterwards.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from madoguchi.card import transport
from madoguchi.card.builder import virtual_hierarchy
from madoguchi.card.errors import TransportError, WrongPin
from madoguchi.card.reading import read_card
from madoguchi.card.signature import CA_KEY_ENV, key_file_text
from madoguchi.card.virtual import PROFILES, VirtualCard
from madoguchi.card.vpcd import DEFAULT_PORT, VpcdClient

pytestmark = pytest.mark.pcsc

READER = "Virtual PCD"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PC/SC test cannot run in CI: {reason}")
    pytest.skip(reason)


def _listening(port: int) -> bool:
    """Is something listening on ``port``? Read from /proc: connecting would look like a card to vpcd."""
    hexport = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                next(fh)
                for line in fh:
                    parts = line.split()
                    if parts[1].endswith(hexport) and parts[3] == "0A":
                        return True
        except OSError:
            continue
    return False


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture(scope="module")
def pcscd():
    try:
        import smartcard.System  # noqa: F401
    except ImportError:
        _unavailable("pyscard is not installed (pip install -e '.[card]')")
    binary = shutil.which("pcscd") or ("/usr/sbin/pcscd" if os.path.exists("/usr/sbin/pcscd") else None)
    if not binary:
        _unavailable("pcscd is not installed (apt-get install pcscd)")
    if not glob.glob("/usr/lib/pcsc/drivers/serial/libifdvpcd.so*") and not glob.glob(
        "/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so*"
    ):
        _unavailable("the vsmartcard-vpcd driver is not installed (apt-get install vsmartcard-vpcd)")

    proc = None
    if not _listening(DEFAULT_PORT):
        if os.path.exists("/run/pcscd/pcscd.comm"):
            # A pcscd (maybe socket-activated) is there: a client call starts it and vpcd with it.
            try:
                transport.create("pcsc", {}).readers()
            except TransportError:
                pass
        if not _wait(lambda: _listening(DEFAULT_PORT), 3):
            if os.geteuid() != 0:
                _unavailable("pcscd with vpcd is not running and starting it needs root")
            args = [binary, "--foreground"]
            version = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout
            if "polkit" in version and "no polkit" not in version.lower():
                args.append("--disable-polkit")
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if (
                not _wait(lambda: _listening(DEFAULT_PORT) or proc.poll() is not None, 10)
                or proc.poll() is not None
            ):
                proc.kill()
                pytest.fail("started pcscd, but vpcd is not listening on port 35963")
    yield
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def vpcd_card(pcscd):
    clients = []

    def insert(profile="demo"):
        card = VirtualCard(profile)
        client = VpcdClient(card).start(timeout=10)
        clients.append(client)
        t = transport.create("pcsc", {"reader": READER, "wait_seconds": 10})
        assert _wait(lambda: any(r.card_present for r in t.readers() if r.name.startswith(READER)), 10)
        return card, t

    yield insert
    for c in clients:
        c.stop()
    # Let pcscd notice the card is gone before the next test inserts one.
    t = transport.create("pcsc", {})
    _wait(lambda: not any(r.card_present for r in t.readers() if r.name.startswith(READER)), 5)


def test_read_through_pcscd(vpcd_card):
    card, t = vpcd_card("demo")
    with t.connect() as conn:
        assert conn.reader.startswith(READER)
        reading = read_card(conn, "1234", trust=virtual_hierarchy().trust_store())
        # Exclusive: no second session while ours is open.
        other = transport.create("pcsc", {"reader": conn.reader, "exclusive": False})
        with pytest.raises(TransportError):
            other.connect()
    assert reading.signature.status == "valid"
    assert reading.my_number.reveal() == PROFILES["demo"].my_number
    assert reading.attributes.family_name == "窓口"
    # Disconnecting with SCARD_UNPOWER_CARD powers the card off (vpcd sends "power off"): session gone.
    assert _wait(lambda: not card.verified, 5)


def test_wrong_pin_through_pcscd(vpcd_card):
    card, t = vpcd_card("demo")
    with t.connect() as conn, pytest.raises(WrongPin) as exc:
        read_card(conn, "0000", trust=None)
    assert exc.value.tries_left == 2 and card.tries_left == 2


def test_cli_read_through_pcscd(vpcd_card, tmp_path):
    vpcd_card("long-address")
    ca = tmp_path / "ca.pem"
    h = virtual_hierarchy()
    ca.write_text(key_file_text(h.ca.public_key(), h.ca_key_id))
    env = {**os.environ, CA_KEY_ENV: str(ca)}
    proc = subprocess.run(
        [sys.executable, "-m", "madoguchi", "card", "read", "--reader", READER, "--pin", "1234"]
        + ["--trust", "test", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["signature"] == "valid"
    assert data["address"] == PROFILES["long-address"].address
    assert PROFILES["long-address"].my_number not in proc.stdout + proc.stderr
