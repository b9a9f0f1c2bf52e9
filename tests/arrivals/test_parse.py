"""The 来庁予定 file: the default layout in CSV and JSON, UTF-8 and Shift_JIS; every bad row located, nothing
returned from a file with any problem."""

from __future__ import annotations

import json
from datetime import date

import pytest

from madoguchi.arrivals import ARRIVALS, ArrivalsFailed, parse_arrivals

HEADER = "受付番号,異動の種類,来庁予定日,異動予定日,転出元住所,転入先郵便番号,転入先住所,転入先方書,連絡先電話番号,氏名,フリガナ,生年月日,性別,続柄"
HEAD = "A-0001,転入,2026-12-10,2026-12-05,架空県ほか市1-1,999-0001,架空県みどり市本町2-3-4,,000-1111-2222"
FAMILY = [
    f"{HEAD},緑川　一郎,ミドリカワ　イチロウ,1988-01-01,男,世帯主",
    f"{HEAD},緑川　花子,みどりかわ　はなこ,平成2年4月1日,2,妻",
    f"{HEAD},緑川　太郎,,2018-05-05,1,子",
    f"{HEAD},緑川　次郎,,2021-07-07,男,子",
]


def csv_bytes(rows, encoding="utf-8", header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def failed(data, **kw) -> list[str]:
    with pytest.raises(ArrivalsFailed) as exc:
        parse_arrivals(data, **kw)
    return [str(e) for e in exc.value.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_family_of_four_in_csv_any_encoding(encoding):
    (arrival,) = parse_arrivals(csv_bytes(FAMILY, encoding), filename="yotei.csv")
    assert arrival.reference == "A-0001" and arrival.event_id == "tennyu"
    assert arrival.visit_date == date(2026, 12, 10) and arrival.move_date == date(2026, 12, 5)
    assert [m.name for m in arrival.members] == ["緑川　一郎", "緑川　花子", "緑川　太郎", "緑川　次郎"]
    hanako = arrival.members[1]
    assert hanako.birth == date(1990, 4, 1) and hanako.sex == "2" and hanako.zokugara == "妻"
    assert hanako.kana == "ミドリカワ　ハナコ" and not hanako.kana_confirmed  # confirmed at the counter
    assert arrival.householder.name == "緑川　一郎" and hanako.source == "arrivals"


def test_the_same_household_in_json():
    doc = {
        "来庁予定": [
            {
                "受付番号": "A-0002",
                "異動の種類": "転居",
                "来庁予定日": "R8.12.11",
                "転入先住所": "架空県みどり市中町1-1",
                "世帯員": [
                    {"氏名": "青山　一", "生年月日": "1950-03-03", "性別": "男", "続柄": "世帯主"},
                    {"氏名": "青山　和子", "生年月日": "1952-02-02", "性別": "女", "続柄": "妻"},
                ],
            }
        ]
    }
    (arrival,) = parse_arrivals(json.dumps(doc, ensure_ascii=False).encode("cp932"), encoding="cp932")
    assert arrival.event_id == "tenkyo" and len(arrival.members) == 2 and arrival.from_address == ""


def test_a_municipalitys_own_column_names():
    header = HEADER.replace("受付番号", "予約番号").replace("来庁予定日", "来庁日")
    source = ARRIVALS.create("file", {"columns": {"予約番号": "受付番号", "来庁日": "来庁予定日"}})
    (arrival,) = source.read(csv_bytes(FAMILY, header=header), "x.csv")
    assert arrival.reference == "A-0001"
    assert ARRIVALS.check_config("file", {"columns": {"予約番号": "予約ID"}}) != []


def test_every_bad_row_is_located_and_nothing_is_returned():
    rows = [
        FAMILY[0],
        FAMILY[1].replace("平成2年4月1日", "2026-02-30"),  # impossible date
        FAMILY[2].replace(",1,子", ",x,子"),  # unknown 性別
        FAMILY[3].replace(",子", ",いとこ"),  # not a standard 続柄
        FAMILY[0],  # the same person twice
        FAMILY[2].replace("2026-12-10", "2026-12-11"),  # the household's date differs between rows
    ]
    errors = failed(csv_bytes(rows))
    assert any(e.startswith("3行目 「生年月日」") for e in errors), errors
    assert any(e.startswith("4行目 「性別」") for e in errors)
    assert any(e.startswith("5行目 「続柄」") and "「いとこ」" in e for e in errors)
    assert any(e.startswith("6行目 「氏名」") and "2行目" in e for e in errors)
    assert any(e.startswith("7行目 「来庁予定日」") for e in errors)
    assert not any("'" in e for e in errors)  # no Python repr in what staff read


def test_missing_columns_bad_bytes_and_broken_json_are_located():
    renamed = failed(csv_bytes(FAMILY, header=HEADER.replace("生年月日", "誕生日")))
    assert renamed == ["1行目: 必要な列がありません: 生年月日"]
    header_missing = ",".join(h for h in HEADER.split(",") if h != "生年月日")
    rows = [
        ",".join(c for i, c in enumerate(r.split(",")) if i != HEADER.split(",").index("生年月日"))
        for r in FAMILY
    ]
    assert failed(csv_bytes(rows, header=header_missing)) == ["1行目: 必要な列がありません: 生年月日"]
    data = csv_bytes(FAMILY).replace("花子".encode(), b"\xff\xfe")
    assert any(e.startswith("3行目") and "読めない文字" in e for e in failed(data, encoding="utf-8"))
    assert failed(b'{"\xe6\x9d\xa5": ')[0].startswith("ファイル: JSONとして読めません")
    assert "入れ子が深すぎます" in failed(b"[" * 5000 + b"]" * 5000, format="json")[0]
    assert failed(b"", format="csv") == ["1行目: ファイルが空です"]
    assert failed(csv_bytes([])) == ["ファイル: 来庁予定が1件もありません"]


def test_a_member_listed_twice_or_two_householders_is_located():
    errors = failed(csv_bytes([*FAMILY, FAMILY[1]]))
    assert errors == ["6行目 「氏名」: 同じ方（氏名と生年月日が同じ）が 3行目 にもいます"]
    errors = failed(csv_bytes([*FAMILY, f"{HEAD},緑川　三郎,,1990-01-01,男,世帯主"]))
    assert any("世帯主が2人以上" in e for e in errors), errors
