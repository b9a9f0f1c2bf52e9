"""Issue #11: the API reads persons through the core's one JSON reader (case.sources.read_person) for the
event's roles from the catalog — a repeated role (転入's 異動する方) is a list, one person each."""

from __future__ import annotations

from pathlib import Path

import pytest

from madoguchi.web.api.cases import PayloadError, create_case, validate_payload
from madoguchi.web.counter.models import CaseFact, CasePerson

from .conftest import make_user

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "catalogs" / "sample"

FAMILY = {
    "event": "tennyu",
    "source": "resident",
    "facts": {"move.date": "2026-11-20"},
    "persons": {
        "applicant": {"name": "緑川 一郎", "birth_date": "1985-04-01", "sex": "1"},
        "member": [
            {"name": "緑川 一郎", "birth_date": "昭和60年4月1日", "sex": "男", "zokugara": "世帯主"},
            {"name": "緑川 陽菜", "birth_date": "2019-06-15", "sex": "2", "zokugara": "子"},
        ],
    },
}


@pytest.fixture
def sample(settings):
    settings.CATALOG_PATH = str(SAMPLE)


def test_a_household_arrives_with_its_members(sample):
    case = create_case(FAMILY, make_user("api-clerk", None))
    rows = {p.key: p for p in CasePerson.objects.filter(case=case)}
    assert set(rows) == {"applicant", "p2", "p3"}
    assert rows["p2"].role == "member" and rows["p2"].birth_date.isoformat() == "1985-04-01"
    assert rows["p3"].sex == "2" and rows["p3"].zokugara == "子" and rows["p3"].source == "resident"
    # A member's identity facts are that member's, for the rules that ask per person.
    born = CaseFact.objects.get(case=case, name="member.birth_date@p3")
    assert born.value == "2019-06-15"


@pytest.mark.parametrize(
    ("persons", "field", "needle"),
    [
        ({"member": {"name": "x"}}, "persons.member", "配列"),
        (
            {"member": [{"name": "a"}, {"birth_date": "12/3"}]},
            "persons.member.1.birth_date",
            "日付として読めません",
        ),
        ({"member": [{"zokugara": "祖父"}]}, "persons.member.0.zokugara", "縁故者"),
        ({"member": [{"katagaki": "2F"}]}, "persons.member.0.katagaki", "未知の項目"),
        ({"member": [{"postal_code": "12-34"}]}, "persons.member.0.postal_code", "7桁"),
        ({"member": ["緑川"]}, "persons.member.0", "オブジェクト"),
        ({"deceased": {"name": "x"}}, "persons.deceased", "applicant, member"),
        ({"applicant": {"name": "a" * 101}}, "persons.applicant.name", "100文字"),
        (
            {"applicant": {"death_date": "2026-11-01", "birth_date": "2026-11-02"}},
            "persons.applicant.death_date",
            "生年月日より前",
        ),
    ],
)
def test_refused_persons_are_named_and_nothing_is_saved(sample, persons, field, needle):
    with pytest.raises(PayloadError) as info:
        validate_payload({**FAMILY, "persons": persons})
    assert field in info.value.errors, info.value.errors
    assert needle in info.value.errors[field]
    assert "Error" not in info.value.errors[field] and "'" not in info.value.errors[field]
    with pytest.raises(PayloadError):
        create_case({**FAMILY, "persons": persons}, make_user("api-clerk2", None))
    assert not CasePerson.objects.exists() and not CaseFact.objects.exists()


def test_every_refused_field_of_a_person_is_reported_at_once(sample):
    bad = {"applicant": {"sex": "M", "phone": "abc", "kana_confirmed": "yes", "name": 3}}
    with pytest.raises(PayloadError) as info:
        validate_payload({**FAMILY, "persons": bad})
    assert {k for k in info.value.errors if k.startswith("persons.")} == {
        "persons.applicant.sex",
        "persons.applicant.phone",
        "persons.applicant.kana_confirmed",
        "persons.applicant.name",
    }
