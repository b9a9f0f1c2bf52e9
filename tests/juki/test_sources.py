from madoguchi.juki import sources
from madoguchi.juki.csv_import import ImportReport


def test_csv_source_by_id(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "宛名番号,世帯番号,氏名,生年月日,性別,続柄,住所\n1,1,架空　一,昭和50年1月1日,1,世帯主,架空県みどり市本町\n",
        encoding="utf-8",
    )
    assert "csv" in sources.source_ids()
    assert sources.check_config("csv", {"path": str(path)}) == []
    source = sources.create("csv", {"path": str(path), "mapping": "standard"})
    report = ImportReport()
    assert [r.name for r in source.records(report)] == ["架空　一"] and report.ok


def test_check_config_says_what_is_wrong(tmp_path):
    assert "unknown registry source" in sources.check_config("ldap", {})[0]
    assert "path" in sources.check_config("csv", {})[0]
    assert "colour: unknown option" in sources.check_config("csv", {"path": "x", "colour": "red"})[0]
    problems = sources.check_config(
        "csv", {"path": str(tmp_path / "none.csv"), "mapping": str(tmp_path / "m.toml")}
    )
    assert any("no such file" in p for p in problems) and any(
        "cannot read the mapping" in p for p in problems
    )
