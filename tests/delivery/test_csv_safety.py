"""Issue #13 (low): delivery CSV values cannot run as spreadsheet formulas, and a killed writer leaves no
temporary file holding a record."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from madoguchi.delivery import DeliveryRecord
from madoguchi.delivery.csvfile import atomic_write, render_csv


def _record(**items) -> DeliveryRecord:
    return DeliveryRecord(
        key="2026-000001.kokuho.juki",
        target_id="juki",
        procedure_id="kokuho",
        case_number="2026-000001",
        items=items,
    )


def test_formula_values_are_neutralised():
    columns = [
        ("氏名", "氏名"),
        ("住所", "住所"),
        ("届出人電話番号", "電話"),
        ("方書", "方書"),
        ("続柄", "続柄"),
    ]
    rec = _record(
        氏名='=HYPERLINK("http://example.invalid","x")',
        住所="+1+2",
        届出人電話番号="-1",
        方書="@SUM(A1)",
        続柄="\tX",
    )
    text = render_csv([rec], columns).decode()
    values = text.splitlines()[1]
    assert values.startswith("\"'=HYPERLINK(")
    assert "'+1+2" in values and "'@SUM(A1)" in values and "'\tX" in values
    assert ",-1," in values  # a plain number stays a number


def test_a_killed_writer_leaves_no_file_with_the_record(tmp_path):
    target = tmp_path / "2026-000001.kokuho.juki.csv"
    child = textwrap.dedent(
        f"""
        import os, signal
        from madoguchi.delivery import csvfile
        real = os.fsync
        def die(fd):
            os.kill(os.getpid(), signal.SIGKILL)
        os.fsync = die
        csvfile.atomic_write(csvfile.Path({str(target)!r}), "架空 太郎".encode())
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", child], env=env, timeout=60)
    assert done.returncode == -9
    left = [p for p in tmp_path.iterdir() if "架空 太郎".encode() in p.read_bytes()]
    if left:  # a system without O_TMPFILE: the next write removes the dead writer's file
        atomic_write(target, b"next")
        left = [p for p in tmp_path.iterdir() if "架空 太郎".encode() in p.read_bytes()]
    assert left == []


def test_a_dead_writers_temporary_file_is_removed_and_files_are_0600(tmp_path):
    target = tmp_path / "a.csv"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    leftover = tmp_path / f".a.csv.madoguchi-{int(dead.stdout)}.abcd.tmp"
    leftover.write_bytes(b"record")
    atomic_write(target, b"data")
    assert not leftover.exists() and target.read_bytes() == b"data"
    assert oct(target.stat().st_mode & 0o777) == "0o600"
