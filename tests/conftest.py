from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI_CATALOG = ROOT / "tests" / "fixtures" / "mini"
SAMPLE_CATALOG = ROOT / "catalogs" / "sample"


@pytest.fixture
def mini_catalog_path() -> Path:
    return MINI_CATALOG
