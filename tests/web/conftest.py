from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from madoguchi.web.counter.models import Role

MINI_CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


@pytest.fixture(autouse=True)
def _mini_catalog(settings):
    settings.CATALOG_PATH = str(MINI_CATALOG)
    # Tests need no password-hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, role: Role | None, password: str = "pw-123456789") -> User:
    user = User.objects.create_user(username=username, password=password)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def clerk(db):
    return make_user("clerk", Role.COUNTER_CLERK)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client
