"""Every interface string of the resident pages is used somewhere (a dead key is a translation to maintain)."""

import re
from pathlib import Path

from madoguchi.web.resident.i18n import UI

WEB = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "web"


def test_every_ui_key_is_used():
    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in WEB.rglob("*")
        if p.suffix in (".py", ".html", ".js") and p.name != "i18n.py"
    )
    unused = [key for key in UI if not re.search(r"['\".]" + re.escape(key) + r"\b", sources)]
    assert unused == []
