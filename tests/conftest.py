import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI_CATALOG = ROOT / "tests" / "fixtures" / "mini"
SAMPLE_CATALOG = ROOT / "catalogs" / "sample"


@pytest.fixture
def mini_catalog_path() -> Path:
    return MINI_CATALOG


def _run_slow() -> bool:
    # Slow tests (the 100,000-example card fuzz) run in CI; locally set MADOGUCHI_SLOW=1 to include them.
    flag = os.environ.get("MADOGUCHI_SLOW")
    if flag is not None:
        return flag == "1"
    return os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config, items):
    if _run_slow():
        return
    skip = pytest.mark.skip(reason="slow: runs in CI (set MADOGUCHI_SLOW=1 to run here)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
