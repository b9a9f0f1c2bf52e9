"""外国人住民's other names (A3): 氏名（アルファベット）, 通称 and its フリガナ, 国籍・地域 — imported, checked, and found
by the counter's search."""

import io

import pytest

from madoguchi.juki.csv_import import ImportFailed, ImportReport, iter_records, parse_csv
from madoguchi.juki.generator import HEADER as GENERATED_HEADER
from madoguchi.juki.generator import iter_rows
from madoguchi.juki.mapping import STANDARD
from madoguchi.juki.records import alias_keys

HEADER = "宛名番号,世帯番号,氏名,氏名フリガナ,生年月日,性別,続柄,住所,住民種別,氏名（アルファベット）,通称,通称フリガナ,国籍・地域\n"
NGUYEN = "2001,601,グエン　ヴァン　アン,グエン　ヴァン　アン,1990-05-06,1,世帯主,架空県みどり市本町１丁目１番１号,外国人,ＮＧＵＹＥＮ VAN AN,山田　一郎,やまだ　いちろう,ベトナム\n"
KIM = (
    "2002,602,キム　ソヨン,,1985-01-02,2,世帯主,架空県みどり市北町２丁目３番４号,外国人,Kim So-yeon,,,韓国\n"
)


def test_other_names_are_imported_as_written():
    (nguyen, kim), report = parse_csv((HEADER + NGUYEN + KIM).encode(), STANDARD)
    assert report.residents == 2
    assert nguyen.name_alphabet == "NGUYEN VAN AN"  # full-width letters are an encoding accident: folded
    assert (
        nguyen.tsusho == "山田　一郎"
        and nguyen.tsusho_kana == "ヤマダ　イチロウ"
        and nguyen.nationality == "ベトナム"
    )
    assert kim.name_alphabet == "Kim So-yeon" and kim.tsusho == ""  # case and hyphen kept


def test_other_names_are_checked_and_each_error_names_line_and_column():
    rows = [
        # line 2: a 日本人 row with items only 外国人住民 have
        "2003,603,架空　花子,,昭和50年1月1日,2,世帯主,架空県みどり市本町１丁目,日本人,HANAKO,花ちゃん,,日本\n",
        # line 3: not an alphabet name
        "2004,604,テスト　タロウ,,1980-01-01,1,世帯主,架空県みどり市本町２丁目,外国人,山田 TARO,,,\n",
        # line 4: a 通称フリガナ without a 通称
        "2005,605,テスト　ジロウ,,1980-01-01,1,世帯主,架空県みどり市本町３丁目,外国人,JIRO,,ジロウ,\n",
    ]
    with pytest.raises(ImportFailed) as info:
        parse_csv((HEADER + "".join(rows)).encode(), STANDARD)
    errors = {(e.line, e.column): e.reason for e in info.value.errors}
    for column in ("氏名（アルファベット）", "通称", "国籍・地域"):
        assert "外国人住民の項目です" in errors[(2, column)], column
    assert "英字（A〜Z）" in errors[(3, "氏名（アルファベット）")]
    assert "通称がありません" in errors[(4, "通称")]


def test_alias_keys_find_a_name_from_any_of_its_words():
    (nguyen,), _ = parse_csv((HEADER + NGUYEN).encode(), STANDARD)
    keys = alias_keys(nguyen)
    assert {"nguyenvanan", "vanannguyen", "annguyenvan", "山田一郎", "一郎山田", "ヤマダイチロウ"} <= set(
        keys
    )
    assert len(keys) == len(set(keys))


def test_generated_foreign_residents_have_other_names_and_japanese_ones_none():
    rows = [dict(zip(GENERATED_HEADER, r, strict=True)) for r in iter_rows(4000, seed=3)]
    foreign = [r for r in rows if r["住民種別"] == "外国人"]
    assert foreign and all(r["氏名（アルファベット）"] and r["国籍・地域"] for r in foreign)
    assert any(r["通称"] and r["通称フリガナ"] for r in foreign)
    japanese = [r for r in rows if r["住民種別"] == "日本人"]
    assert not any(r["氏名（アルファベット）"] or r["通称"] or r["国籍・地域"] for r in japanese)


def _store(text: str) -> None:
    from madoguchi.web.juki.store import store_records

    report = ImportReport()
    store_records(iter_records(io.BytesIO(text.encode()), STANDARD, report), report)


@pytest.mark.django_db
def test_the_counter_finds_them_by_alphabet_name_and_tsusho(encryption_key, clerk_client):
    from madoguchi.web.juki.models import Resident, ResidentAlias
    from madoguchi.web.juki.views import search

    _store(HEADER + NGUYEN + KIM)
    found = lambda **q: [r.atena_no for r in search(q)[0]]  # noqa: E731
    assert found(name="nguyen") == ["2001"]
    assert found(name="Van An") == ["2001"]  # from the second word, any case, spaces ignored
    assert found(q="ｖａｎ ａｎ ｎｇｕｙｅｎ") == ["2001"]
    assert found(name="山田") == ["2001"] and found(kana="やまだ いち") == ["2001"]
    assert found(name="so-yeon") == ["2002"] and found(q="グエン") == ["2001"]  # the legal name as before
    assert found(name="yeon") == ["2002"]  # a part inside a word: the contains fallback

    page = clerk_client.get("/registry/", {"name": "nguyen"}).content.decode()
    assert "NGUYEN VAN AN" in page and "山田　一郎" in page and "ベトナム" in page

    # A newer export without the 通称: the old keys go, the person stays.
    _store(HEADER + NGUYEN.replace("山田　一郎,やまだ　いちろう", ","))
    assert found(name="山田") == [] and found(name="nguyen") == ["2001"]
    assert Resident.objects.get(atena_no="2001").tsusho == ""
    assert not ResidentAlias.objects.filter(key__startswith="山田").exists()


@pytest.fixture
def clerk_client(client, db, sample_catalog):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("clerk", password="pw-123456789")
    user.groups.add(Group.objects.get_or_create(name="counter_clerk")[0])
    from madoguchi.web.backoffice.models import StaffDepartment

    StaffDepartment.objects.create(user=user, department_id="shimin")  # 市民課 searches the whole registry
    client.force_login(user)
    return client
