"""The server's master process is warmed and frozen before gunicorn forks (docs/decisions/0010)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"

PROBE = """
import gc, json, django
django.setup()
from django.db import connections
from madoguchi.web.project.warmup import prepare_server_process
from madoguchi.catalog import get_catalog
from django.conf import settings
prepare_server_process()
catalog = get_catalog(settings.CATALOG_PATH)
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "guides": sorted(catalog.guides),
    "events": sorted(catalog.events),
    "db_connected": any(c.connection is not None for c in connections.all(initialized_only=True)),
}))
"""


def test_master_process_is_warm_frozen_and_has_no_database_connection(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="madoguchi.web.project.settings",
        MADOGUCHI_HOME=str(tmp_path),
        MADOGUCHI_CATALOG=str(SAMPLE),
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["frozen"] > 50_000  # the loaded catalog, guides and templates are out of the collector's way
    assert state["guides"] == state["events"]  # every life event's guide is built before the fork
    assert not state["db_connected"]  # a connection opened here would be shared by every forked worker
