"""Issue #13, Lows on the server side: HSTS, no-store, keys required and private, the demo's pre-entry
process apart from the counter, a loud debug warning."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from madoguchi.cli import CommandError, web_commands
from madoguchi.privacy import write_private_file
from madoguchi.web.counter.models import Role

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, os, django
django.setup()
from django.test import Client
r = Client().get("/healthz", secure=True, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({"status": r.status_code, "headers": dict(r.headers)}))
"""


def _healthz(settings_module: str, tmp_path: Path, **env) -> dict:
    child = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "MADOGUCHI_", "DJANGO_"))}
    child.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        MADOGUCHI_HOME=str(tmp_path),
        MADOGUCHI_SECRET_KEY="x" * 50,
        MADOGUCHI_ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(ROOT / "src"),
        **env,
    )
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=child, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "module", ["madoguchi.web.project.settings", "madoguchi.web.project.settings_preentry"]
)
def test_hsts_and_no_store_on_both_profiles_with_https(module, tmp_path):
    answer = _healthz(module, tmp_path, MADOGUCHI_HTTPS="1")
    assert answer["status"] == 200
    assert answer["headers"].get("Strict-Transport-Security", "").startswith("max-age=31536000")
    assert "no-store" in answer["headers"].get("Cache-Control", "")


@pytest.fixture
def clerk_client(client, db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user(username="clerk", password="pw-123456789")
    user.groups.add(Group.objects.get_or_create(name=Role.COUNTER_CLERK.value)[0])
    client.force_login(user)
    return client


def test_pages_and_json_are_not_stored_but_static_files_are_cached(clerk_client):
    for path in ("/", "/registry/kana?name=%E5%B1%B1%E7%94%B0", "/login/"):
        response = clerk_client.get(path, follow=True)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    static = clerk_client.get("/static/registry/registry.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def _serve_args(profile="counter"):
    return type(
        "Args", (), {"profile": profile, "migrate": False, "bind": "127.0.0.1:0", "workers": 1, "threads": 1}
    )


@pytest.fixture
def no_server(monkeypatch):
    ran = []
    monkeypatch.setattr(web_commands, "_setup_django", lambda: None)
    monkeypatch.setattr(web_commands, "_check_catalog", lambda: None)
    monkeypatch.setattr(web_commands, "_run_server", lambda *a, **k: ran.append(a) or 0)
    return ran


def test_serve_refuses_to_start_without_an_encryption_key(monkeypatch, tmp_path, no_server):
    (tmp_path / "encryption_key").write_text("a key file beside the database\n")
    monkeypatch.setenv("MADOGUCHI_HOME", str(tmp_path))
    monkeypatch.setenv("MADOGUCHI_SECRET_KEY", "x" * 50)
    monkeypatch.delenv("MADOGUCHI_ENCRYPTION_KEY", raising=False)
    with pytest.raises(CommandError, match="MADOGUCHI_ENCRYPTION_KEY must be set"):
        web_commands.serve_command(_serve_args())
    assert no_server == []
    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", "k1:" + "A" * 43 + "=")
    assert web_commands.serve_command(_serve_args()) == 0 and len(no_server) == 1


def test_serve_warns_loudly_when_debug_is_on(monkeypatch, capsys, no_server):
    monkeypatch.setenv("MADOGUCHI_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", "k1:" + "A" * 43 + "=")
    monkeypatch.setenv("MADOGUCHI_DEBUG", "1")
    web_commands.serve_command(_serve_args())
    err = capsys.readouterr().err
    assert "WARNING" in err and "debug mode is ON" in err
    monkeypatch.delenv("MADOGUCHI_DEBUG")
    web_commands.serve_command(_serve_args())
    assert "debug" not in capsys.readouterr().err


def test_secret_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        write_private_file(tmp_path / "key", "secret")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o600


def test_the_demo_database_is_private(served):
    db = served.home / "var" / "madoguchi.sqlite3"
    assert db.exists()
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_the_demos_preentry_process_gets_neither_the_counters_home_nor_its_secrets(tmp_path):
    counter = {
        "PATH": "/usr/bin",
        "MADOGUCHI_HOME": str(tmp_path),
        "MADOGUCHI_SECRET_KEY": "counter-secret",
        "MADOGUCHI_ENCRYPTION_KEY": "k1:counter-key",
        "MADOGUCHI_CARD_AGENT_TOKEN": "agent-token",
        "MADOGUCHI_CARD_CA_KEY": "/x/ca.pem",
        "DATABASE_URL": "postgres://counter",
        "MADOGUCHI_PREENTRY_API_KEY": "shared-api-key",
        "MADOGUCHI_CATALOG": "/cat",
    }
    env = web_commands.preentry_child_env(counter, tmp_path)
    assert Path(env["MADOGUCHI_HOME"]) != tmp_path.resolve()
    assert Path(env["MADOGUCHI_HOME"]).parent == tmp_path.resolve()
    assert env["MADOGUCHI_SECRET_KEY"] not in ("counter-secret", "")
    for name in (
        "MADOGUCHI_ENCRYPTION_KEY",
        "MADOGUCHI_CARD_AGENT_TOKEN",
        "MADOGUCHI_CARD_CA_KEY",
        "DATABASE_URL",
    ):
        assert name not in env
    assert env["MADOGUCHI_PREENTRY_API_KEY"] == "shared-api-key" and env["PATH"] == "/usr/bin"
    assert stat.S_IMODE((Path(env["MADOGUCHI_HOME"]) / "preentry_secret_key").stat().st_mode) == 0o600
    assert "counter-secret" not in json.dumps(env)
