import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from madoguchi.case.sources import from_staff
from madoguchi.catalog import load_catalog
from madoguchi.shinseisho.loader import load_forms

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "catalogs" / "sample"
DATA = Path(__file__).resolve().parent / "data"


def need_poppler() -> None:
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.fail("poppler-utils (pdftotext, pdffonts, pdftoppm) must be installed for the form tests")


def pdftotext(pdf: Path | bytes, tmp_path: Path, page: int | None = None) -> str:
    need_poppler()
    if isinstance(pdf, bytes):
        path = tmp_path / "doc.pdf"
        path.write_bytes(pdf)
    else:
        path = pdf
    args = ["pdftotext", "-layout"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdffonts(path: Path) -> list[dict]:
    need_poppler()
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... emb sub uni object gen: the last five columns are fixed
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


@pytest.fixture(scope="session")
def sample_catalog():
    return load_catalog(SAMPLE)


@pytest.fixture(scope="session")
def sample_forms():
    return load_forms(SAMPLE)


@pytest.fixture(scope="session")
def family_facts() -> dict:
    return json.loads((DATA / "okuyami_facts.json").read_text(encoding="utf-8"))


def persons(name="緑川　花子", deceased="緑川　一郎", address="架空県みどり市本町二丁目3番4号") -> dict:
    return {
        "applicant": from_staff(
            dict(
                name=name,
                kana="ミドリカワ　ハナコ",
                birth_date=date(1955, 7, 7),
                sex="2",
                postal_code="999-0012",
                address=address,
                phone="0000-12-3456",
                relationship="妻",
            )
        ),
        "deceased": from_staff(
            dict(
                name=deceased,
                kana="ミドリカワ　イチロウ",
                birth_date=date(1950, 2, 11),
                death_date=date(2026, 11, 18),
                sex="1",
                postal_code="999-0012",
                address=address,
            )
        ),
    }
