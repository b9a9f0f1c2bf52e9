"""Issue #13, Medium 6: on SQLite a registry import does not block the counter — it is refused while `serve`
runs on the same database (and `serve` while an import runs), with a clear message; a 「database is locked」
anywhere is a 503 page, not a 500."""

import os

import pytest
from django.db import OperationalError

from madoguchi.cli import main, sqlite_guard

from .test_import import HEADER, ROWS


@pytest.fixture
def sqlite_file(tmp_path, monkeypatch):
    database = tmp_path / "db.sqlite3"
    monkeypatch.setattr("madoguchi.cli.web_commands.sqlite_database", lambda: database)
    return database


def test_an_import_is_refused_while_the_server_runs(residents, sqlite_file, tmp_path, capsys):
    from madoguchi.web.juki.models import Resident

    good = tmp_path / "good.csv"
    good.write_bytes((HEADER + "".join(ROWS)).encode())
    fd = sqlite_guard.hold_for_server(sqlite_file)  # what `serve` holds while it runs
    try:
        assert main(["registry", "import", str(good)]) == 2
        assert "server" in capsys.readouterr().err and "Stop the server" in sqlite_guard.SERVER_RUNNING
        assert not Resident.objects.filter(atena_no="1001").exists()
    finally:
        os.close(fd)
    assert main(["registry", "import", str(good)]) == 0  # the server stopped: the import runs
    assert Resident.objects.filter(atena_no="1001").exists()
    assert oct(os.stat(sqlite_guard.lock_path(sqlite_file)).st_mode & 0o777) == "0o600"


def test_the_server_does_not_start_during_an_import(sqlite_file):
    with sqlite_guard.exclusive_for_import(sqlite_file), pytest.raises(sqlite_guard.Busy):
        sqlite_guard.hold_for_server(sqlite_file)
    os.close(sqlite_guard.hold_for_server(sqlite_file))  # and does once it has finished
    # Two server processes on one database share the lock.
    a, b = sqlite_guard.hold_for_server(sqlite_file), sqlite_guard.hold_for_server(sqlite_file)
    os.close(a)
    os.close(b)


@pytest.mark.django_db
def test_a_locked_database_is_a_friendly_503(client, monkeypatch):
    from django.contrib.auth import views

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.LoginView, "get", locked)
    client.raise_request_exception = False
    response = client.get("/login/")
    assert response.status_code == 503 and response["Retry-After"]
    page = response.content.decode()
    assert "混み合っています" in page and "Traceback" not in page and "OperationalError" not in page


def test_serve_holds_the_lock_while_it_runs(sqlite_file, monkeypatch):
    from gunicorn.app.base import BaseApplication

    from madoguchi.cli import web_commands

    seen = []

    def run(self):
        with pytest.raises(sqlite_guard.Busy) as info:
            with sqlite_guard.exclusive_for_import(sqlite_file):
                pass
        seen.append(str(info.value))

    monkeypatch.setattr(BaseApplication, "run", run)
    monkeypatch.setattr("madoguchi.web.project.warmup.prepare_server_process", lambda: None)
    monkeypatch.setattr(web_commands, "_SERVER_LOCK", [])
    assert web_commands._run_server("127.0.0.1:0", workers=1, threads=1) == 0
    assert seen == [sqlite_guard.SERVER_RUNNING]
    for fd in web_commands._SERVER_LOCK:
        os.close(fd)
