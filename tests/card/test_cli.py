"""``madoguchi card inspect|read``: JSON fields, exit codes, no traceback, the full number never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from madoguchi.card.signature import CA_KEY_ENV, key_file_text
from madoguchi.card.virtual import PROFILES
from madoguchi.cli import main

FIELDS = {
    "my_number_masked",
    "name",
    "family_name",
    "given_name",
    "address",
    "birth_date",
    "sex",
    "signature",
    "warnings",
}


@pytest.fixture
def saved(tmp_path, card_files, hierarchy):
    paths = {}
    for key, name in (("ef1", "0001"), ("ef2", "0002"), ("ef3", "0003"), ("ef4", "0004")):
        p = tmp_path / f"ef{name}.bin"
        p.write_bytes(card_files[key])
        paths[key] = str(p)
    ca = tmp_path / "ca.pem"
    ca.write_text(key_file_text(hierarchy.ca.public_key(), hierarchy.ca_key_id))
    paths["ca"] = str(ca)
    return paths


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def inspect_args(p, sig=True):
    args = ["card", "inspect", "--my-number-file", p["ef1"], "--attributes-file", p["ef2"]]
    if sig:
        args += ["--integrity-file", p["ef3"], "--certificate-file", p["ef4"]]
    return args


def test_inspect_json(capsys, saved, monkeypatch):
    monkeypatch.delenv(CA_KEY_ENV, raising=False)
    status, out, err = run(capsys, *inspect_args(saved), "--trust", "test", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert FIELDS <= set(data)
    assert data["my_number_masked"] == "********9018"
    assert data["name"] == "試験\u3000太郎"
    assert (data["family_name"], data["given_name"]) == ("試験", "太郎")
    assert data["birth_date"] == "1990-04-01"
    assert data["birth_date_wareki"] == "平成2年4月1日"
    assert data["sex"] == "1"
    assert data["signature"] == "valid"
    assert data["test_mode"] is True
    assert data["warnings"] == []
    assert "123456789018" not in out + err


def test_inspect_without_signature_files(capsys, saved):
    status, out, _ = run(capsys, *inspect_args(saved, sig=False), "--json")
    assert status == 0
    data = json.loads(out)
    assert data["signature"] == "not_checked" and data["warnings"] == [] and data["test_mode"] is False


def test_inspect_keyfile_refuses_test_keys_unless_test_mode(capsys, saved):
    status, out, _ = run(capsys, *inspect_args(saved), "--trust", saved["ca"], "--json")
    assert status == 0 and json.loads(out)["signature"] == "invalid"
    status, out, _ = run(capsys, *inspect_args(saved), "--trust", saved["ca"], "--test-mode", "--json")
    assert json.loads(out)["signature"] == "valid"


def test_inspect_env_key_with_test_trust(capsys, saved, monkeypatch):
    monkeypatch.setenv(CA_KEY_ENV, saved["ca"])
    status, out, _ = run(capsys, *inspect_args(saved), "--trust", "test", "--json")
    assert json.loads(out)["signature"] == "valid"


def test_inspect_tampered_is_invalid(capsys, saved, tmp_path):
    p = tmp_path / "bad2.bin"
    p.write_bytes(open(saved["ef2"], "rb").read().replace("太郎".encode(), "次郎".encode()))
    status, out, _ = run(capsys, *inspect_args({**saved, "ef2": str(p)}), "--trust", "test", "--json")
    assert status == 0 and json.loads(out)["signature"] == "invalid"


def test_trust_production_without_key(capsys, saved, monkeypatch):
    monkeypatch.delenv(CA_KEY_ENV, raising=False)
    status, out, err = run(capsys, *inspect_args(saved), "--trust", "production", "--json")
    assert status == 2
    assert "no production CA key is configured" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p, d: {**p, "ef1": str(d / "missing.bin")},
        lambda p, d: {**p, "ef1": p["ef2"]},
        lambda p, d: {**p, "ef2": p["ef1"]},
        lambda p, d: {**p, "ef3": p["ef4"]},
        lambda p, d: {**p, "ef4": p["ef3"]},
    ],
)
def test_inspect_bad_input_exit_2(capsys, saved, tmp_path, mutate):
    status, out, err = run(capsys, *inspect_args(mutate(saved, tmp_path)), "--trust", "test", "--json")
    assert status == 2
    assert err.startswith("madoguchi card: ")
    assert "Traceback" not in err
    assert "123456789018" not in out + err


def test_inspect_needs_both_signature_files(capsys, saved):
    args = ["card", "inspect", "--my-number-file", saved["ef1"], "--attributes-file", saved["ef2"]]
    status, _, err = run(capsys, *args, "--integrity-file", saved["ef3"])
    assert status == 2 and "go together" in err


@pytest.mark.parametrize("card", sorted(set(PROFILES) - {"one-try-left", "blocked"}))
def test_read_virtual(capsys, card):
    status, out, err = run(capsys, "card", "read", "--virtual", card, "--pin", "1234", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert FIELDS <= set(data)
    assert data["signature"] == ("invalid" if card == "tampered" else "valid")
    assert PROFILES[card].my_number not in out + err
    if card == "rare-kanji":
        assert any("U+E0100" in w for w in data["warnings"])


def test_read_wrong_pin(capsys):
    status, out, err = run(capsys, "card", "read", "--virtual", "demo", "--pin", "0000", "--json")
    assert status == 2
    assert "残り2回" in err and "2 tries left" in err
    assert json.loads(out) == {**json.loads(out), "error": "wrong_pin", "tries_left": 2}


def test_read_one_try_left_and_blocked(capsys):
    status, _, err = run(capsys, "card", "read", "--virtual", "one-try-left", "--pin", "1234")
    assert status == 2 and "one try left" in err
    status, out, _ = run(
        capsys, "card", "read", "--virtual", "one-try-left", "--pin", "1234", "--confirm-last-try"
    )
    assert status == 0 and "残日" in out
    status, _, err = run(capsys, "card", "read", "--virtual", "blocked", "--pin", "1234")
    assert status == 2 and "PIN blocked" in err


@pytest.mark.parametrize("pin", ["12", "abcd", "12345"])
def test_read_bad_pin_format(capsys, pin):
    status, _, err = run(capsys, "card", "read", "--virtual", "demo", "--pin", pin)
    assert status == 2 and "4 digits" in err


def test_read_unknown_virtual_card(capsys):
    status, _, err = run(capsys, "card", "read", "--virtual", "nobody", "--pin", "1234")
    assert status == 2 and "unknown virtual card" in err


def test_read_save_files_then_inspect(capsys, tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    status, _, _ = run(
        capsys, "card", "read", "--virtual", "demo", "--pin", "1234", "--save-files", str(out_dir)
    )
    assert status == 0
    monkeypatch.setenv(CA_KEY_ENV, str(out_dir / "test-ca.pem"))
    args = ["card", "inspect", "--my-number-file", str(out_dir / "ef0001.bin")]
    args += [
        "--attributes-file",
        str(out_dir / "ef0002.bin"),
        "--integrity-file",
        str(out_dir / "ef0003.bin"),
    ]
    args += ["--certificate-file", str(out_dir / "ef0004.bin"), "--trust", "test", "--json"]
    status, out, _ = run(capsys, *args)
    assert json.loads(out)["signature"] == "valid"


def test_console_script_no_traceback(tmp_path):
    """Through a real process: bad input gives exit 2 and one message line."""
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\xff\x10\x0c12345678901")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", "madoguchi", "card", "inspect", "--my-number-file", str(bad)]
    cmd += ["--attributes-file", str(bad), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "EF 0001" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "madoguchi", "card", "read", "--virtual", "demo", "--pin", "1234", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["signature"] == "valid"
    assert PROFILES["demo"].my_number not in proc.stdout + proc.stderr


def test_card_without_subcommand(capsys):
    status, out, _ = run(capsys, "card")
    assert status == 2 and "inspect" in out
