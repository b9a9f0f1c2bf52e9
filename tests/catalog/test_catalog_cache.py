"""get_catalog: one loaded catalog per process, files re-checked at most every RECHECK_SECONDS."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from madoguchi.catalog import loader

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


def test_catalog_is_reloaded_after_an_edit_but_files_are_not_checked_on_every_call(tmp_path, monkeypatch):
    root = tmp_path / "cat"
    shutil.copytree(MINI, root)
    clock = [1000.0]
    checks = []
    real_mtime = loader._mtime
    monkeypatch.setattr(loader, "_clock", lambda: clock[0])
    monkeypatch.setattr(loader, "_mtime", lambda r: checks.append(r) or real_mtime(r))

    first = loader.get_catalog(root)
    assert loader.get_catalog(root) is first
    assert len(checks) == 1  # the second call within the interval looked at no file

    path = root / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(first.municipality.name, "編集後町", 1), encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert loader.get_catalog(root) is first  # still within the interval

    clock[0] += loader.RECHECK_SECONDS
    second = loader.get_catalog(root)
    assert second is not first
    assert second.municipality.name == "編集後町"
    assert second.memo == {}  # what shells derived from the old catalog is not carried over

    clock[0] += loader.RECHECK_SECONDS
    assert loader.get_catalog(root) is second  # checked again, nothing changed: kept


def test_a_fact_is_used_by_the_events_it_names_or_by_all_when_it_names_none():
    from madoguchi.catalog.models import Fact

    named = Fact(name="a.b", type="bool", label="A", question="A?", events=["okuyami", "birth"])
    everywhere = Fact(name="a.c", type="bool", label="C", question="C?")
    assert named.used_in("okuyami") and named.used_in("birth") and not named.used_in("tennyu")
    assert everywhere.used_in("okuyami") and everywhere.used_in("tennyu")
