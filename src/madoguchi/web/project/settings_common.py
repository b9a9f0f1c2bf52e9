"""What the counter's and the pre-entry profile's settings share: where files live and how secrets are read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from madoguchi.privacy import write_private_file

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/madoguchi
HOME = Path(os.environ.get("MADOGUCHI_HOME", "var")).resolve()
# An editable install (the README's set-up) has the repository's catalogs folder two levels up.
CATALOG_PATH = os.environ.get("MADOGUCHI_CATALOG", str(PACKAGE_DIR.parent.parent / "catalogs" / "sample"))
DEBUG = os.environ.get("MADOGUCHI_DEBUG") == "1"


def env_list(name: str, default: str = "") -> list[str]:
    return [item for item in os.environ.get(name, default).split(",") if item]


ALLOWED_HOSTS = env_list("MADOGUCHI_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("MADOGUCHI_CSRF_TRUSTED_ORIGINS")


def secret_key(filename: str) -> str:
    """MADOGUCHI_SECRET_KEY, or (demo and development) a random key kept in MADOGUCHI_HOME/filename so that
    sessions survive restarts."""
    key = os.environ.get("MADOGUCHI_SECRET_KEY")
    if key:
        return key
    path = HOME / filename
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        HOME.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        write_private_file(path, key)
        return key
