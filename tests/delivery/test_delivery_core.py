"""Delivery targets: the registry, typed options, CSV per vendor, encodings, atomic files, HTTP."""

from __future__ import annotations

import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from madoguchi.catalog import CatalogError, load_catalog
from madoguchi.delivery import DeliveryError, DeliveryRecord, PermanentDeliveryError, get_plugin, plugin_ids
from madoguchi.delivery import plugins as plugin_module
from madoguchi.delivery.csvfile import atomic_write, render_csv
from madoguchi.delivery.registry import registry

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


def record(**items) -> DeliveryRecord:
    return DeliveryRecord(
        key="2026-000001.kokuho.juki",
        target_id="juki",
        procedure_id="kokuho",
        case_number="2026-000001",
        items=items,
    )


def test_registry_has_stable_ids_and_refuses_duplicates():
    assert {"file_drop", "http"} <= set(plugin_ids())

    class X(get_plugin("file_drop")):
        id = "file_drop"

    with pytest.raises(ValueError, match="already registered"):
        registry.register(X)
    X.id = "Bad Id"
    with pytest.raises(ValueError, match="lower-case"):
        registry.register(X)
    assert registry.get("file_drop") is plugin_module.FileDrop
    with pytest.raises(KeyError, match="unknown delivery plug-in 'ftp' \\(known: file_drop, http"):
        get_plugin("ftp")


def test_typed_options_report_field_problems():
    fd = get_plugin("file_drop")
    assert fd.validate_options({"directory": "/tmp"}) == []
    problems = fd.validate_options({"directory": "/tmp", "encoding": "euc-jp", "colums": []})
    assert any(p.startswith("options.encoding") for p in problems)
    assert any("options.colums: unknown option" in p for p in problems)
    problems = fd.validate_options({"directory": "/tmp", "columns": ["氏名", "好きな色"]})
    assert any("'好きな色' is not a 住民記録 standard item name" in p for p in problems)
    assert get_plugin("http").validate_options({"url": "ftp://x"})[0].startswith("options.url")


def test_csv_vendor_columns_and_shift_jis():
    data = render_csv(
        [record(氏名="山田 太郎", 生年月日="1950-01-02", 郵便番号=None)],
        [("氏名", "SHIMEI"), ("生年月日", "BIRTH"), ("郵便番号", "郵便番号")],
        encoding="shift_jis",
    )
    assert data.decode("cp932") == "SHIMEI,BIRTH,郵便番号\r\n山田 太郎,1950-01-02,\r\n"


def test_unencodable_character_names_record_and_field():
    with pytest.raises(PermanentDeliveryError) as err:
        render_csv([record(氏名="𠮷田 花子")], [("氏名", "SHIMEI")], encoding="shift_jis")
    message = str(err.value)
    assert "2026-000001/kokuho" in message and "SHIMEI（氏名）" in message and "U+20BB7" in message
    assert "Shift_JIS" in message
    # UTF-8 holds it.
    assert "𠮷".encode() in render_csv([record(氏名="𠮷田 花子")], [("氏名", "氏名")])


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "a.csv"
    atomic_write(target, b"old")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new but failing")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_file_drop_delivers_and_is_idempotent(tmp_path):
    plugin = get_plugin("file_drop")(
        "juki", {"directory": str(tmp_path), "columns": [{"氏名": "SHIMEI"}, "性別"]}
    )
    assert plugin.check_config() == []
    rec = record(氏名="山田 太郎", 性別="男")
    assert plugin.deliver(rec) == "2026-000001.kokuho.juki.csv"
    assert plugin.deliver(rec) == "2026-000001.kokuho.juki.csv"  # a retry overwrites the same file
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    assert files[0].read_bytes().decode() == "SHIMEI,性別\r\n山田 太郎,男\r\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_file_drop_read_only_folder_is_retryable(tmp_path):  # pragma: no cover - CI runs as root
    tmp_path.chmod(0o500)
    plugin = get_plugin("file_drop")("juki", {"directory": str(tmp_path)})
    with pytest.raises(DeliveryError) as err:
        plugin.deliver(record(氏名="x"))
    assert err.value.retryable


def test_file_drop_full_or_missing_folder_is_retryable(tmp_path, monkeypatch):
    plugin = get_plugin("file_drop")("juki", {"directory": str(tmp_path / "missing")})
    assert "がありません" in str(plugin.check_config()[0])
    with pytest.raises(DeliveryError, match="がありません"):
        plugin.deliver(record(氏名="x"))
    plugin = get_plugin("file_drop")("juki", {"directory": str(tmp_path)})
    monkeypatch.setattr(plugin_module, "_free_bytes", lambda p: 1000)
    assert "空き容量がわずか" in str(plugin.check_config()[0])
    with pytest.raises(DeliveryError, match="full") as err:
        plugin.deliver(record(氏名="x"))
    assert err.value.retryable
    assert list(tmp_path.iterdir()) == []


def test_file_drop_expands_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DROP_TEST_DIR", str(tmp_path))
    plugin = get_plugin("file_drop")("juki", {"directory": "${DROP_TEST_DIR}/in", "prefix": "MD_"})
    (tmp_path / "in").mkdir()
    assert plugin.deliver(record(氏名="x")) == "MD_2026-000001.kokuho.juki.csv"


class _Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"headers": dict(self.headers), "body": body})
        status = type(self).answers.pop(0) if type(self).answers else 201
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.answers, _Receiver.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_http_posts_json_with_token_and_idempotency_key(receiver, monkeypatch):
    monkeypatch.setenv("JUKI_TOKEN", "s3cret")
    url = f"http://127.0.0.1:{receiver.server_port}/intake"
    plugin = get_plugin("http")("juki-api", {"url": url, "token_env": "JUKI_TOKEN", "timeout": 2})
    assert plugin.check_config() == []
    assert plugin.deliver(record(氏名="山田 太郎")) == "HTTP 201"
    seen = _Receiver.seen[0]
    assert seen["headers"]["Idempotency-Key"] == "2026-000001.kokuho.juki"
    assert seen["headers"]["Authorization"] == "Bearer s3cret"
    assert seen["body"]["items"] == {"氏名": "山田 太郎"}


def test_http_errors_retryable_or_permanent(receiver, monkeypatch):
    url = f"http://127.0.0.1:{receiver.server_port}/intake"
    plugin = get_plugin("http")("juki-api", {"url": url, "token_env": "NOT_SET_TOKEN", "timeout": 2})
    monkeypatch.delenv("NOT_SET_TOKEN", raising=False)
    assert "NOT_SET_TOKEN が設定されていません" in str(plugin.check_config()[0])
    _Receiver.answers = [503, 400]
    with pytest.raises(DeliveryError) as err:
        plugin.deliver(record())
    assert err.value.retryable
    with pytest.raises(PermanentDeliveryError):
        plugin.deliver(record())
    dead = get_plugin("http")("x", {"url": "http://127.0.0.1:9/", "timeout": 1})
    with pytest.raises(DeliveryError, match="届きません"):
        dead.deliver(record())
    assert "接続できません" in str(dead.check_config()[0])


def _catalog_with(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "cat"
    shutil.copytree(MINI, root)
    (root / "delivery.yaml").write_text(text, encoding="utf-8")
    return root


def test_catalog_delivery_schema(tmp_path):
    root = _catalog_with(
        tmp_path,
        """
delivery_targets:
  - id: juki
    name: 住民記録システム
    plugin: file_drop
    options: {directory: /tmp, encoding: shift_jis, columns: [{氏名: SHIMEI}, 生年月日, 死亡年月日]}
""",
    )
    text = (root / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    deadline: {days: 7, first_day_counts: true}\n",
        "    deadline: {days: 7, first_day_counts: true}\n    delivery: [{target: juki, items: [氏名, 死亡年月日]}]\n",
        1,
    )
    (root / "catalog.yaml").write_text(text, encoding="utf-8")
    catalog = load_catalog(root)
    assert catalog.delivery_targets["juki"].plugin == "file_drop"
    assert catalog.procedures["always"].delivery[0].items == ["氏名", "死亡年月日"]


def test_catalog_delivery_errors_are_located(tmp_path):
    root = _catalog_with(
        tmp_path,
        """delivery_targets:
  - id: juki
    name: 住民記録システム
    plugin: file_drop
    options: {directory: /tmp, columns: [氏名]}
  - id: bad
    name: 不明
    plugin: ftp
  - id: bad2
    name: 設定誤り
    plugin: http
    options: {url: "gopher://x"}
""",
    )
    text = (root / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    deadline: {days: 14}\n",
        "    deadline: {days: 14}\n    delivery: [{target: juki, items: [氏名, 性別]}, {target: nowhere, items: [氏名]}]\n",
        1,
    )
    (root / "catalog.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    lines = [str(i) for i in err.value.issues]
    assert any(
        line.startswith("delivery.yaml:6: error:") and "plugin 'ftp' is unknown" in line for line in lines
    )
    assert any(line.startswith("delivery.yaml:9:") and "options.url" in line for line in lines)
    assert any("items 性別 are not columns of juki" in line for line in lines)
    assert any("delivery target 'nowhere' is not defined" in line for line in lines)


def test_file_drop_permission_denied_is_retryable(tmp_path, monkeypatch):
    # Simulates a read-only mount (root, as in CI, ignores folder permission bits).
    def denied(path, data):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(plugin_module, "atomic_write", denied)
    plugin = get_plugin("file_drop")("juki", {"directory": str(tmp_path)})
    with pytest.raises(DeliveryError, match="書き込めません") as err:
        plugin.deliver(record(氏名="x"))
    assert err.value.retryable
