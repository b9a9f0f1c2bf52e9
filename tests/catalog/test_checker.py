"""``load_catalog`` / ``madoguchi catalog check`` on broken catalogs: every problem located by file and line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.catalog import CatalogError, load_catalog
from madoguchi.cli import main

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
SAMPLE = ROOT / "catalogs" / "sample"
MINI_TEXT = (MINI / "catalog.yaml").read_text(encoding="utf-8")

PROCEDURE_ZZZ = """procedures:
  - id: {id}
    name: 追加の手続き
    events: [ev]
    department: shimin
    why: テストです。
    sources: [{{url: "https://example.go.jp/z", checked: 2026-11-27}}]
"""


def write_catalog(
    folder: Path, *replacements: tuple[str, str], extra: dict[str, str | bytes] | None = None
) -> Path:
    """The mini catalog in ``folder`` with each (old, new) replaced once, plus extra files."""
    folder.mkdir(parents=True, exist_ok=True)
    text = MINI_TEXT
    for old, new in replacements:
        assert text.count(old) == 1, f"fixture text not found exactly once: {old!r}"
        text = text.replace(old, new)
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    for name, content in (extra or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def issues_of(folder: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    return [(i.file, i.line, i.message) for i in info.value.issues]


def line_of(text: str, fragment: str, exact: bool = False) -> int:
    """1-based line of the (single) line containing ``fragment`` (or, with ``exact``, equal to it stripped)."""
    found = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if (line.strip() == fragment if exact else fragment in line)
    ]
    assert len(found) == 1, (fragment, found)
    return found[0]


def only_errors_of_file(issues, file="catalog.yaml"):
    return [(line, message) for f, line, message in issues if f == file]


# --- the good catalog ------------------------------------------------------------------------------------


def test_mini_catalog_loads(tmp_path):
    catalog = load_catalog(write_catalog(tmp_path / "cat"))
    assert catalog.municipality.name == "テスト町"
    assert list(catalog.departments) == ["shimin", "hoken", "nenkin"]
    assert list(catalog.procedures) == [
        "always",
        "kokuho",
        "senior-kokuho",
        "pension",
        "householder",
        "not-kouki",
    ]
    assert list(catalog.derivations) == ["p.age"]
    assert catalog.warnings == []
    assert catalog.locations["procedure:kokuho"] == ("catalog.yaml", line_of(MINI_TEXT, "- id: kokuho"))


def test_sample_catalog_loads():
    catalog = load_catalog(SAMPLE)
    assert {"okuyami", "shintai-techo"} <= set(catalog.events)


# --- one broken thing at a time ---------------------------------------------------------------------------


def test_yaml_syntax_error(tmp_path):
    folder = write_catalog(tmp_path / "cat", ("    why: 国保だったため。", "    why: 国保: だったため。"))
    issues = issues_of(folder)
    line = line_of(MINI_TEXT, "why: 国保だったため。")
    assert ("catalog.yaml", line, "YAML syntax: mapping values are not allowed here") in issues


def test_a_file_that_does_not_parse_reports_only_its_own_error(tmp_path):
    # The municipality is defined in the broken file: "no municipality" on top of the YAML error would be a
    # false error (and was printed with a made-up path, FOLDER/FOLDERNAME:1).
    folder = write_catalog(tmp_path / "cat", ("    why: 国保だったため。", "    why: 国保: だったため。"))
    line = line_of(MINI_TEXT, "why: 国保だったため。")
    assert issues_of(folder) == [("catalog.yaml", line, "YAML syntax: mapping values are not allowed here")]
    raw = MINI_TEXT.encode("utf-8").replace("    why: 案内です。".encode(), b"    why: \xff")
    folder = write_catalog(tmp_path / "cat2", extra={"catalog.yaml": raw})
    assert [(f, n) for f, n, _ in issues_of(folder)] == [
        ("catalog.yaml", line_of(MINI_TEXT, "why: 案内です。"))
    ]


def test_no_municipality(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        (
            'municipality: {id: mini, name: テスト町, prefecture: 架空県, code: "999998", fictional: true}\n',
            "",
        ),
    )
    assert issues_of(folder) == [("cat", 1, "no municipality: is defined in any catalog file")]


def test_yaml_bad_indentation(tmp_path):
    folder = write_catalog(tmp_path / "cat", ("  - id: pension\n", "  - id: pension\n   name: ずれ\n"))
    issues = issues_of(folder)
    line = line_of(MINI_TEXT, "- id: pension") + 1
    assert [(f, n) for f, n, m in issues if m.startswith("YAML syntax:")] == [("catalog.yaml", line)]


def test_yaml_error_in_one_file_does_not_hide_errors_in_another(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        extra={"a.yaml": "procedures: [\n", "z.yaml": PROCEDURE_ZZZ.format(id="kokuho")},
    )
    issues = issues_of(folder)
    assert ("a.yaml", 2) in [(f, n) for f, n, m in issues if m.startswith("YAML syntax:")]
    assert ("z.yaml", 2, "duplicate procedure id 'kokuho' (first in catalog.yaml:32)") in issues


def test_unknown_field(tmp_path):
    folder = write_catalog(
        tmp_path / "cat", ("    why: 国保だったため。\n", "    why: 国保だったため。\n    whyy: 綴り違い\n")
    )
    line = line_of(MINI_TEXT, "why: 国保だったため。") + 1
    assert issues_of(folder) == [
        ("catalog.yaml", line, "procedure kokuho.whyy: unknown field (check the spelling)")
    ]


def test_missing_required_field(tmp_path):
    folder = write_catalog(tmp_path / "cat", ("    why: 国保だったため。\n", ""))
    line = line_of(MINI_TEXT, "- id: kokuho")
    assert issues_of(folder) == [("catalog.yaml", line, "procedure kokuho.why: required field is missing")]


def test_bad_date(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ('"https://example.go.jp/b", checked: 2026-11-27', '"https://example.go.jp/b", checked: 2026-13-01'),
    )
    ((file, line, message),) = issues_of(folder)
    assert (file, line) == ("catalog.yaml", line_of(MINI_TEXT, "example.go.jp/b"))
    assert message.startswith("procedure kokuho.sources.0.checked: Input should be a valid date")
    assert "month value is outside expected range" in message


def test_bad_fact_definition(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        (
            "choices: {kokuho: 国民健康保険, kouki: 後期高齢者医療, other: その他}",
            "choices: {kokuho: 国民健康保険}",
        ),
    )
    first, last = line_of(MINI_TEXT, "p.insurance:"), line_of(MINI_TEXT, "choices: {kokuho")
    located = [
        line
        for file, line, message in issues_of(folder)
        if message == "fact p.insurance: a choice fact needs at least two choices (value: label)"
    ]
    assert len(located) == 1 and first <= located[0] <= last, located


def test_deadline_with_two_periods(tmp_path):
    folder = write_catalog(
        tmp_path / "cat", ("    deadline: {days: 14}\n", "    deadline: {days: 14, months: 1}\n")
    )
    line = line_of(MINI_TEXT, "deadline: {days: 14}")
    assert issues_of(folder) == [
        ("catalog.yaml", line, "procedure kokuho.deadline: give one of days, months or years")
    ]


def test_unknown_fact_in_a_rule(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ('applies_when: p.insurance == "kokuho"\n', 'applies_when: p.insurence == "kokuho"\n'),
    )
    line = line_of(MINI_TEXT, 'applies_when: p.insurance == "kokuho"', exact=True)
    assert issues_of(folder) == [
        (
            "catalog.yaml",
            line,
            "procedure kokuho: applies_when: unknown fact 'p.insurence' (did you mean 'p.insurance'?)"
            ' at column 1: p.insurence == "kokuho"',
        )
    ]


def test_type_error_in_a_rule(tmp_path):
    folder = write_catalog(tmp_path / "cat", ("h.members >= 2", 'h.members >= "2"'))
    line = line_of(MINI_TEXT, "h.members >= 2")
    # Only the rule is wrong: the facts it mentions are not reported as unused on top of it.
    assert issues_of(folder) == [
        (
            "catalog.yaml",
            line,
            'procedure householder: applies_when: cannot compare a number with a string at column 19: p.householder and h.members >= "2"',
        )
    ]


def test_choice_value_not_allowed_in_a_rule(tmp_path):
    folder = write_catalog(tmp_path / "cat", ('p.insurance == "kokuho" and', 'p.insurance == "kokuhoo" and'))
    line = line_of(MINI_TEXT, 'p.insurance == "kokuho" and')
    assert issues_of(folder) == [
        (
            "catalog.yaml",
            line,
            "procedure senior-kokuho: applies_when: 'kokuhoo' is not a value of 'p.insurance'; allowed: 'kokuho', "
            "'kouki', 'other' at column 16: p.insurance == \"kokuhoo\" and p.age >= param.senior_age",
        )
    ]


def test_syntax_error_in_a_rule(tmp_path):
    folder = write_catalog(
        tmp_path / "cat", ("applies_when: p.pension\n", "applies_when: p.pension = true\n")
    )
    line = line_of(MINI_TEXT, "applies_when: p.pension")
    assert issues_of(folder) == [
        (
            "catalog.yaml",
            line,
            "procedure pension: applies_when: unexpected character '=' (use == to compare) at column 11: p.pension = true",
        )
    ]


def test_syntax_error_in_a_multi_line_rule_stays_on_one_line(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ("applies_when: p.pension\n", "applies_when: |\n      p.pension and\n      h.members = 2\n"),
    )
    ((file, line, message),) = issues_of(folder)
    assert (file, line) == ("catalog.yaml", line_of(MINI_TEXT, "applies_when: p.pension"))
    assert "\n" not in message
    assert message == (
        "procedure pension: applies_when: unexpected character '=' (use == to compare) at column 25: "
        "p.pension and h.members = 2"
    )


def test_duplicate_procedure_id_across_two_files(tmp_path):
    folder = write_catalog(tmp_path / "cat", extra={"more/extra.yaml": PROCEDURE_ZZZ.format(id="kokuho")})
    first = line_of(MINI_TEXT, "- id: kokuho")
    assert issues_of(folder) == [
        ("more/extra.yaml", 2, f"duplicate procedure id 'kokuho' (first in catalog.yaml:{first})")
    ]


def test_duplicate_fact_across_two_files(tmp_path):
    extra = "facts:\n  p.pension: {type: bool, label: 年金, question: 年金は？}\n"
    folder = write_catalog(tmp_path / "cat", extra={"z.yaml": extra})
    first = line_of(MINI_TEXT, "p.pension: {")
    assert issues_of(folder) == [
        ("z.yaml", 2, f"duplicate fact id 'p.pension' (first in catalog.yaml:{first})")
    ]


def test_duplicate_yaml_key(tmp_path):
    folder = write_catalog(tmp_path / "cat", ("    name: 国保の届\n", "    name: 国保の届\n    name: 重複\n"))
    first = line_of(MINI_TEXT, "name: 国保の届")
    assert (
        "catalog.yaml",
        first + 1,
        f"YAML syntax: duplicate key 'name' (first at line {first})",
    ) in issues_of(folder)


def test_unknown_department(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        (
            '    department: hoken\n    applies_when: p.insurance == "kokuho"\n',
            '    department: hokenn\n    applies_when: p.insurance == "kokuho"\n',
        ),
    )
    line = line_of(MINI_TEXT, 'applies_when: p.insurance == "kokuho"', exact=True) - 1
    assert issues_of(folder) == [("catalog.yaml", line, "procedure kokuho: unknown department 'hokenn'")]


def test_unknown_life_event(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ("    name: 国保の届\n    events: [ev]\n", "    name: 国保の届\n    events: [ev, nope]\n"),
    )
    line = line_of(MINI_TEXT, "name: 国保の届") + 1
    assert issues_of(folder) == [("catalog.yaml", line, "procedure kokuho: unknown life event 'nope'")]


def test_unused_fact(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ("  p.note:", "  p.unused: {type: bool, label: 未使用, question: 使いますか。}\n  p.note:"),
    )
    line = line_of(MINI_TEXT, "p.note:")
    assert issues_of(folder) == [
        (
            "catalog.yaml",
            line,
            "fact p.unused is used by no rule, derivation or deadline (mark purpose: forms if forms need it)",
        )
    ]


def test_derivation_cycle(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        (
            "  p.note:",
            '  p.x: {type: int, label: x, derive: "p.y + 1"}\n  p.y: {type: int, label: y, derive: "p.x + 1"}\n  p.note:',
        ),
        ("h.members >= 2", "h.members >= p.x"),
    )
    line = line_of(MINI_TEXT, "p.note:")
    assert issues_of(folder) == [
        ("catalog.yaml", line, "fact p.x: derived facts form a cycle: p.x -> p.y -> p.x")
    ]


def test_derivation_with_a_type_error(tmp_path):
    folder = write_catalog(
        tmp_path / "cat", ('derive: "years_between(p.birth, ev.date)"', 'derive: "p.birth"')
    )
    line = line_of(MINI_TEXT, "p.age:")
    assert issues_of(folder) == [
        (
            "catalog.yaml",
            line,
            "fact p.age: derive: this expression gives a date, but the fact is a int at column 1: p.birth",
        )
    ]


def test_procedure_without_sources(tmp_path):
    folder = write_catalog(
        tmp_path / "cat", ('    sources: [{url: "https://example.go.jp/c", checked: 2026-11-27}]\n', "")
    )
    line = line_of(MINI_TEXT, "- id: senior-kokuho")
    # The procedure failed to load, so p.age looks unused; only the real problem is reported.
    assert issues_of(folder) == [
        ("catalog.yaml", line, "procedure senior-kokuho.sources: required field is missing")
    ]


def test_procedure_with_an_empty_source_list(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ('    sources: [{url: "https://example.go.jp/c", checked: 2026-11-27}]\n', "    sources: []\n"),
    )
    line = line_of(MINI_TEXT, "example.go.jp/c")
    issues = only_errors_of_file(issues_of(folder))
    assert (
        line,
        "procedure senior-kokuho.sources: List should have at least 1 item after validation, not 0",
    ) in issues


def test_invalid_utf8(tmp_path):
    raw = MINI_TEXT.encode("utf-8").replace("    why: 案内です。".encode(), b"    why: \xff\xfe")
    folder = write_catalog(tmp_path / "cat", extra={"catalog.yaml": raw})
    line = line_of(MINI_TEXT, "why: 案内です。")
    issues = only_errors_of_file(issues_of(folder))
    assert len(issues) == 1
    got_line, message = issues[0]
    assert message.startswith("not UTF-8 text")
    assert got_line == line


def test_unknown_top_level_key(tmp_path):
    folder = write_catalog(tmp_path / "cat", extra={"x.yaml": "procedure:\n  - id: x\n"})
    ((file, line, message),) = issues_of(folder)
    assert (file, line) == ("x.yaml", 1)
    # (the list of keys grows as sections are added)
    assert message.startswith(
        "unknown top-level key 'procedure'; expected one of municipality, parameters, departments, events, facts, procedures"
    )


def test_a_file_that_is_not_a_mapping(tmp_path):
    folder = write_catalog(tmp_path / "cat", extra={"list.yaml": "- a\n- b\n"})
    assert issues_of(folder) == [
        ("list.yaml", 1, "a catalog file must be a mapping with keys like departments:, facts:, procedures:")
    ]


def test_missing_folder(tmp_path):
    assert issues_of(tmp_path / "nope") == [(str(tmp_path / "nope"), 1, "catalog folder not found")]


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    folder = write_catalog(
        tmp_path / "cat",
        ("    why: 国保だったため。\n", "    why: 国保だったため。\n    whyy: 綴り違い\n"),
        ("applies_when: p.pension\n", "applies_when: p.pensoin\n"),
        extra={"more.yaml": PROCEDURE_ZZZ.format(id="always")},
    )
    issues = issues_of(folder)
    assert [(f, m.split(":")[0]) for f, _, m in issues] == [
        ("catalog.yaml", "procedure kokuho.whyy"),
        ("catalog.yaml", "procedure pension"),
        ("more.yaml", "duplicate procedure id 'always' (first in catalog.yaml"),
    ]


# --- via the CLI --------------------------------------------------------------------------------------------

BROKEN = [
    ("    why: 国保だったため。\n", "    why: 国保だったため。\n    whyy: 綴り違い\n"),
    ("h.members >= 2", 'h.members >= "2"'),
    ("    department: nenkin\n", "    department: nenkinn\n"),
]
ISSUE_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): error: (?P<message>.+)$")


def test_cli_check_broken_catalog(tmp_path, capsys):
    folder = write_catalog(tmp_path / "cat", *BROKEN)
    status = main(["catalog", "check", str(folder)])
    out, err = capsys.readouterr()
    assert status == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[-1] == f"3 error(s) in {folder}"
    issues = [ISSUE_LINE.match(line) for line in lines[:-1]]
    assert all(issues), lines
    assert [(m["path"], int(m["line"])) for m in issues] == [
        (f"{folder}/catalog.yaml", line_of(MINI_TEXT, "why: 国保だったため。") + 1),
        # one line was inserted above these two
        (f"{folder}/catalog.yaml", line_of(MINI_TEXT, "department: nenkin") + 1),
        (f"{folder}/catalog.yaml", line_of(MINI_TEXT, "h.members >= 2") + 1),
    ]
    assert "unknown department 'nenkinn'" in issues[1]["message"]
    assert "Traceback" not in out + err


def test_cli_check_good_catalog(tmp_path, capsys):
    folder = write_catalog(tmp_path / "cat")
    assert main(["catalog", "check", str(folder) + "/"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.strip() == "架空県テスト町: OK — 3 departments, 8 facts, 6 procedures (ev: 6 procedures)"


def test_cli_check_missing_folder(tmp_path, capsys):
    assert main(["catalog", "check", str(tmp_path / "nope")]) == 1
    _, err = capsys.readouterr()
    assert "catalog folder not found" in err
    assert "Traceback" not in err


def _madoguchi(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("madoguchi")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "madoguchi"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_console_script_reports_a_broken_catalog_without_a_traceback(tmp_path):
    raw = MINI_TEXT.encode("utf-8").replace("    why: 案内です。".encode(), b"    why: \xff")
    folder = write_catalog(
        tmp_path / "cat",
        extra={
            "catalog.yaml": raw,
            "deep.yaml": PROCEDURE_ZZZ.format(id="deep").replace(
                "    why:", "    applies_when: " + "not " * 3000 + "true\n    why:"
            ),
        },
    )
    proc = _madoguchi("catalog", "check", str(folder))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{folder}/catalog.yaml:" in proc.stderr
    assert "not UTF-8 text" in proc.stderr
    assert "nested too deeply" in proc.stderr
    for line in proc.stderr.splitlines()[:-1]:
        assert ISSUE_LINE.match(line), line


def test_an_internal_name_in_a_text_users_read_is_refused_where_it_is(tmp_path):
    """Issue #12 item 6: 「（parameter kokuho_sousaihi_amount）」 reached the clerk's screen from a note."""
    param = next(iter(load_catalog(MINI).parameters))
    folder = write_catalog(
        tmp_path / "cat",
        ("    why: 国保だったため。\n", f"    why: 国保だったため（parameter {param}）。\n"),
        ("question: 残るのは何人ですか。", "question: h.members は何人ですか。"),
    )
    found = {(file, line, m.split(",")[0]) for file, line, m in issues_of(folder)}
    assert found == {
        ("catalog.yaml", line_of(MINI_TEXT, "why: 国保だったため。"), f"why: names the parameter {param!r}"),
        (
            "catalog.yaml",
            line_of(MINI_TEXT, "question: 残るのは何人ですか。"),
            "question: names the fact 'h.members'",
        ),
    }
    # The words of a parameter's value are fine, and so is a rule naming it.
    write_catalog(
        tmp_path / "ok", ("    why: 国保だったため。\n", f"    why: 国保だったため（{{param.{param}}}）。\n")
    )
    load_catalog(tmp_path / "ok")
