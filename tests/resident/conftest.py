from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from madoguchi.web.counter.models import Role

MINI_CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "mini"

PREENTRY = {
    "ROOT_URLCONF": "madoguchi.web.project.preentry_urls",
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    "PREENTRY_API_KEY": "test-api-key-0123456789",
    "PREENTRY_MIN_SECONDS": 0,
}


@pytest.fixture(autouse=True)
def _mini_catalog(settings):
    settings.CATALOG_PATH = str(MINI_CATALOG)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def preentry(settings, tmp_path):
    """The test process as the pre-entry profile: its URLconf, session engine and file rate counters (the
    profile always has RATELIMIT_DIR: its pages do not touch the database)."""
    for key, value in PREENTRY.items():
        setattr(settings, key, value)
    settings.RATELIMIT_DIR = str(tmp_path / "preentry-ratelimit")
    return settings


def make_user(username: str, role: str | None, password: str = "pw-123456789") -> User:
    user = User.objects.create_user(username=username, password=password)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def clerk(db):
    return make_user("clerk", Role.COUNTER_CLERK.value)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client
