import pytest

from madoguchi.card.mynumber import with_check_digit
from madoguchi.juki.csv_import import ImportFailed, parse_csv
from madoguchi.juki.mapping import STANDARD, MappingError, load_mapping, mapping_from_dict

GOOD_NUMBER = with_check_digit("12345678901")
HEADER = "宛名番号,世帯番号,氏名,氏名フリガナ,生年月日,性別,続柄,住所,方書,住民となった年月日,個人番号,国保資格,後期高齢者医療資格,要介護状態区分,身体障害者手帳等級,身体障害者手帳障害種別\n"
ROWS = [
    f"1001,501,架空　一郎,カクウ　イチロウ,昭和15年2月3日,男,世帯主,架空県みどり市本町１丁目１番１号,,昭和40年4月1日,{GOOD_NUMBER},0,1,要介護1,3,肢体\n",
    "1002,501,架空　春子,かくう はるこ,昭和18年頃,2,妻,架空県みどり市本町１丁目１番１号,,,,0,1,,,\n",
    "1003,502,試験　太郎,,1990-01-02,1,世帯主,架空県みどり市北町２丁目３番４号,みどりハイツ１０１号室,,,1,0,,,\n",
]


def test_standard_utf8():
    records, report = parse_csv((HEADER + "".join(ROWS)).encode("utf-8"), STANDARD)
    assert report.residents == 3 and len(report.households) == 2 and report.encoding == "utf-8"
    ichiro, haruko, taro = records
    assert ichiro.name == "架空　一郎"  # the legal name exactly as written
    assert ichiro.kouki and ichiro.care_level == "要介護1" and ichiro.handbook_grade == 3
    assert ichiro.handbook_type == "limb" and ichiro.my_number == GOOD_NUMBER
    assert haruko.kana == "カクウ ハルコ"  # katakana, as the standard stores it
    assert haruko.birth_date.unknown and haruko.birth_date.to_date() is None
    assert taro.katagaki == "みどりハイツ１０１号室"
    assert GOOD_NUMBER not in repr(ichiro)


def test_shift_jis_with_a_vendor_mapping(tmp_path):
    mapping_file = tmp_path / "vendor-a.toml"
    mapping_file.write_text(
        """
id = "vendor-a"
encoding = "shift_jis"
[columns]
"宛名番号" = "ATENA"
"世帯番号" = "SETAI"
"氏名" = "SHIMEI"
"生年月日" = "SEINENGAPPI"
"性別" = "SEX"
"続柄" = "ZOKUGARA"
"住所" = "JUSHO"
[values."性別"]
"M" = "男"
"F" = "女"
""",
        encoding="utf-8",
    )
    mapping = load_mapping(str(mapping_file))
    data = "ATENA,SETAI,SHIMEI,SEINENGAPPI,SEX,ZOKUGARA,JUSHO\r\n1,9,髙橋　花子,3250304,F,世帯主,架空県みどり市中央町１丁目\r\n"
    records, report = parse_csv(data.encode("cp932"), mapping)
    assert report.encoding == "shift_jis"
    assert records[0].name == "髙橋　花子" and records[0].sex == "2"
    assert records[0].birth_date.era == "昭和" and records[0].birth_date.to_date().isoformat() == "1950-03-04"


def test_auto_detects_shift_jis():
    records, report = parse_csv((HEADER + ROWS[2]).encode("cp932"), STANDARD)
    assert report.encoding == "shift_jis" and records[0].address.endswith("４号")


def test_every_bad_row_is_reported_with_line_and_column():
    bad = [
        "1004,503,,,昭和99年1月1日,X,祖父,住所,,,123456789012,2,,要介護9,7,\n",  # line 5
        "1001,504,重複　太郎,,1980-01-01,1,世帯主,住所,,,,,,,,\n",  # line 6: 宛名番号 again
        "1005,505,列　不足\n",  # line 7
    ]
    with pytest.raises(ImportFailed) as info:
        parse_csv((HEADER + "".join(ROWS) + "".join(bad)).encode("utf-8"), STANDARD)
    errors = {(e.line, e.column) for e in info.value.errors}
    for column in (
        "氏名",
        "生年月日",
        "性別",
        "続柄",
        "個人番号",
        "国保資格",
        "要介護状態区分",
        "身体障害者手帳等級",
    ):
        assert (5, column) in errors, column
    assert (6, "宛名番号") in errors
    assert (7, "") in errors
    # The bad 個人番号 is never echoed back.
    assert all("123456789012" not in str(e) for e in info.value.errors)


def test_missing_required_column_and_householder():
    with pytest.raises(ImportFailed) as info:
        parse_csv("宛名番号,氏名\n1,a\n".encode(), STANDARD)
    assert {e.column for e in info.value.errors} >= {"世帯番号", "生年月日", "性別", "続柄", "住所"}
    no_head = HEADER + ROWS[1]
    with pytest.raises(ImportFailed) as info:
        parse_csv(no_head.encode(), STANDARD)
    assert any("世帯主がいません" in e.reason for e in info.value.errors)


def test_undecodable_bytes_are_reported_by_line():
    data = (HEADER + ROWS[2]).encode(
        "utf-8"
    ) + b"1009,509,\xff\xfe,,1990-01-01,1,\xe4\xb8\x96\xe5\xb8\xaf\xe4\xb8\xbb,x,,,,,,,,\n"
    mapping = mapping_from_dict({"encoding": "utf-8"})
    with pytest.raises(ImportFailed) as info:
        parse_csv(data, mapping)
    assert info.value.errors[0].line == 3


def test_bad_mappings():
    with pytest.raises(MappingError, match="not a standard item"):
        mapping_from_dict({"columns": {"名前": "NAME"}})
    with pytest.raises(MappingError, match="encoding"):
        mapping_from_dict({"encoding": "latin-1"})
    with pytest.raises(MappingError, match="cannot read"):
        load_mapping("/nonexistent/mapping.toml")


def test_a_bad_byte_in_a_mapping_file_is_reported_at_its_line(tmp_path):
    """Issue #13 (low): one bad byte on line 41 of a UTF-8 file is reported at line 41."""
    path = tmp_path / "mapping.toml"
    path.write_bytes(b'encoding = "utf-8"\n' + b"# x\n" * 39 + b"# \xff\n")
    with pytest.raises(MappingError, match=r"mapping.toml: line 41: not UTF-8 text"):
        load_mapping(str(path))


def test_nothing_is_imported_on_error(residents):
    import io

    from madoguchi.juki.csv_import import ImportReport, iter_records
    from madoguchi.web.juki.models import Resident
    from madoguchi.web.juki.store import store_records

    before = Resident.objects.count()
    data = HEADER + "".join(ROWS) + "1006,506,,,x,1,世帯主,住所,,,,,,,,\n"
    report = ImportReport()
    with pytest.raises(ImportFailed) as info:
        store_records(iter_records(io.BytesIO(data.encode()), STANDARD, report), report)
    assert [e.line for e in info.value.errors] == [5, 5]
    assert Resident.objects.count() == before
    assert not Resident.objects.filter(atena_no="1001").exists()


def test_cli_import_and_errors(tmp_path, capsys):
    from madoguchi.cli import main

    good = tmp_path / "good.csv"
    good.write_bytes((HEADER + "".join(ROWS)).encode("cp932"))
    assert main(["registry", "import", str(good), "--check"]) == 0
    assert "checked 3 residents" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HEADER + ROWS[0] + "1007,507,a,,x,1,世帯主,y,,,,,,,,\n").encode())
    assert main(["registry", "import", str(bad), "--check"]) == 1
    err = capsys.readouterr().err
    assert "3行目 「生年月日」" in err and "nothing was imported" in err
    assert main(["registry", "import", str(tmp_path / "missing.csv")]) == 2


def test_one_bad_byte_in_a_utf8_file_is_reported_at_its_line():
    """Issue #13 (low): a UTF-8 file (encoding auto) with one bad byte on line 41 is reported at line 41,
    not read as Shift_JIS with errors everywhere."""
    lines = [
        f"{2000 + n},{3000 + n},架空　{n}郎,カクウ　イチロウ,1970-01-02,1,世帯主,架空県みどり市本町１丁目{n}番,,,,0,0,,,\n"
        for n in range(2, 61)
    ]
    data = bytearray((HEADER + "".join(lines)).encode("utf-8"))
    start = data.index("架空　41郎".encode())  # line 41 (the header is line 1)
    data[start + 1] = 0xFF
    with pytest.raises(ImportFailed) as info:
        parse_csv(bytes(data), STANDARD)
    assert [(e.line, e.column) for e in info.value.errors] == [(41, "")]
    assert "UTF-8" in info.value.errors[0].reason


def test_a_shift_jis_file_is_still_detected():
    records, report = parse_csv((HEADER + "".join(ROWS)).encode("cp932"), STANDARD)
    assert report.encoding == "shift_jis" and records[0].name == "架空　一郎"
