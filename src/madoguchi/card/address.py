"""Where the counter page finds the card agent (light: the server's settings import it)."""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def agent_origin(url: str) -> str:
    """The origin (``scheme://host:port``) of the agent address ``url`` the counter page posts to, for the
    server's CSP; "" when ``url`` is not an http(s) address on the loopback interface (the agent listens
    nowhere else)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or host not in LOOPBACK_HOSTS:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def card_agent_notes(env) -> list[str]:
    """What is wrong with the counter server's card agent settings (empty when nothing is)."""
    notes = []
    url = env.get("MADOGUCHI_CARD_AGENT_URL", "")
    if env.get("MADOGUCHI_CARD_AGENT_ORIGIN"):
        notes.append(
            "MADOGUCHI_CARD_AGENT_ORIGIN is no longer read: the counter page finds the card agent at "
            "MADOGUCHI_CARD_AGENT_URL (docs/registry.md)"
        )
    if url and not agent_origin(url):
        notes.append(
            f"MADOGUCHI_CARD_AGENT_URL={url!r} is not an http(s) address on 127.0.0.1, ::1 or localhost, where "
            "the card agent listens: 「カードを読み取る」 stays off"
        )
    return notes
