from pathlib import Path

import pytest

from madoguchi.juki.crypto import new_key

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "catalogs" / "sample"


@pytest.fixture
def encryption_key(monkeypatch):
    from madoguchi.web.juki.encryption import keyring

    key = new_key()
    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", key)
    keyring.cache_clear()
    yield key
    keyring.cache_clear()


@pytest.fixture
def sample_catalog(settings):
    settings.CATALOG_PATH = str(SAMPLE)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def residents(db, encryption_key, sample_catalog):
    """A small fictional population with the demo card's family (窓口 太郎 †, 和子, 花子) and 手帳 次郎."""
    from madoguchi.web.juki.store import generate_into_db

    return generate_into_db(300, seed=7, demo=True)


def make_user(username, role, departments=()):
    from django.contrib.auth.models import Group, User

    from madoguchi.web.backoffice.models import StaffDepartment

    user = User.objects.create_user(username=username, password="pw-123456789")
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    for dept in departments:
        StaffDepartment.objects.create(user=user, department_id=dept)
    return user


@pytest.fixture
def clerk(db):
    from madoguchi.web.counter.models import Role

    # The counter is run by 市民課 (住民基本台帳に関する事務): it searches the whole registry.
    return make_user("clerk", Role.COUNTER_CLERK, ["shimin"])


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def okuyami_case(clerk, sample_catalog):
    from madoguchi.web.counter.models import Case

    case = Case.objects.create(catalog_id="sample", event_id="okuyami", created_by=clerk)
    case.assign_number()
    case.save()
    return case


@pytest.fixture
def server_trusts_virtual_ca(tmp_path, monkeypatch):
    """The server re-verifies cards against the virtual test CA (as the demo does)."""
    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.signature import key_file_text

    h = virtual_hierarchy()
    path = tmp_path / "ca.pem"
    path.write_text(key_file_text(h.ca.public_key(), h.ca_key_id, "virtual test CA"))
    monkeypatch.setenv("MADOGUCHI_CARD_CA_KEY", str(path))
    monkeypatch.setenv("MADOGUCHI_CARD_TEST_MODE", "1")
