"""The sample catalog's texts as residents and clerks read them."""

import re
from pathlib import Path

from madoguchi.catalog import load_catalog

SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"
CJK = "[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"


def _texts(catalog):
    for proc in catalog.procedures.values():
        yield proc.id, [proc.why, proc.note or "", *proc.documents]
        for lang, text in (proc.i18n or {}).items():
            yield f"{proc.id}[{lang}]", [text.name or "", text.why or "", *(text.documents or [])]


def test_no_placeholder_is_left_unfilled_in_any_language():
    catalog = load_catalog(SAMPLE)
    for where, texts in _texts(catalog):
        for text in texts:
            assert "{param." not in text, f"{where}: {text}"


def test_japanese_sentences_have_no_stray_spaces_from_line_wrapping():
    catalog = load_catalog(SAMPLE)
    for proc in catalog.procedures.values():
        for text in (proc.why, proc.note or ""):
            assert not re.search(f"{CJK} {CJK}", text), (proc.id, text)
