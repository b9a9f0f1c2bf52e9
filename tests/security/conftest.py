"""A real ``madoguchi serve`` (gunicorn) on a free loopback port, for the log and slow-client probes."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from madoguchi.juki.crypto import new_key
from madoguchi.local_server import start_serve, stop

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, home: Path, port: int, process, env: dict[str, str]):
        self.home, self.port, self.process, self.env = home, port, process, env
        self.url = f"http://127.0.0.1:{port}"
        self.log = home / "server.log"
        self.access_log = home / "access.log"

    def log_text(self) -> str:
        """Everything the server wrote: its console (Django's and gunicorn's error log) and its access log."""
        return "\n".join(p.read_text(errors="replace") for p in (self.log, self.access_log) if p.exists())


class Browser:
    """A cookie-keeping client that signs in through the login form, as a clerk's browser does."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def login(self, username: str, password: str) -> None:
        _, page = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + "/login/", data=body, headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=10) as response:
            assert "/login/" not in response.url, "the demo account did not sign in"


def served_env(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        MADOGUCHI_HOME=str(home / "var"),
        MADOGUCHI_SECRET_KEY=secrets.token_urlsafe(40),
        MADOGUCHI_ENCRYPTION_KEY=new_key(),
        MADOGUCHI_CATALOG=str(ROOT / "catalogs" / "sample"),
        MADOGUCHI_ACCESS_LOG=str(home / "access.log"),
        PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DATABASE_URL", None)
    return env


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("security-home")
    env = served_env(home)
    result = subprocess.run(
        [sys.executable, "-m", "madoguchi", "demo", "--no-serve"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    port = free_port()
    process = start_serve(port, env=env, cwd=home, log=home / "server.log", workers=2, threads=4)
    try:
        yield Served(home, port, process, env)
    finally:
        stop(process)
