from __future__ import annotations

import re

VALUES = {
    "ev.date": "2026-11-20",
    "p.birth": "1950-04-01",
    "p.insurance": "kokuho",
    "p.pension": "true",
    "p.householder": "true",
    "h.members": "2",
}


def walk_preentry(client, event="ev", skip=("p.pension",), lang=None) -> dict[str, str | None]:
    """Answer every question of the pre-entry wizard; returns what was answered (None = わからない)."""
    q = f"?lang={lang}" if lang else ""
    assert client.post(f"/e/{event}/{q}").status_code == 302
    given: dict[str, str | None] = {}
    for _ in range(30):
        response = client.get(f"/e/{event}/q")
        if response.status_code == 302:
            assert response.url.endswith("/summary")
            return given
        assert response.status_code == 200
        fact = re.search(r'data-fact="([^"]+)"', response.content.decode()).group(1)
        if fact in skip:
            r = client.post(f"/e/{event}/q", {"fact": fact, "action": "skip"})
            given[fact] = None
        else:
            r = client.post(f"/e/{event}/q", {"fact": fact, "value": VALUES[fact]})
            given[fact] = VALUES[fact]
        assert r.status_code == 302, r.content.decode()[:500]
    raise AssertionError("the wizard did not end")


def make_code(client, event="ev") -> str:
    response = client.post(f"/e/{event}/handoff")
    assert response.status_code == 302, response.content.decode()[:300]
    page = client.get(f"/e/{event}/summary").content.decode()
    return re.search(r'data-testid="handoff-code">([0-9A-Z-]+)<', page).group(1)


def text(html: str) -> str:
    """Page text without furigana and tags."""
    html = re.sub(r"<rt>.*?</rt>", "", html)
    return re.sub(r"<[^>]+>", "", html)
