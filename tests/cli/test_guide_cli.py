"""``madoguchi guide --catalog PATH --event EVENT --facts FACTS.json --json`` on the mini catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.cli import main

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


def run_guide(
    tmp_path: Path, capsys, facts, *, event: str = "ev", catalog: Path = MINI, as_json: bool = True
):
    """Run the command in-process; ``facts`` is a JSON-able object, raw text or raw bytes."""
    path = tmp_path / "facts.json"
    if isinstance(facts, bytes):
        path.write_bytes(facts)
    elif isinstance(facts, str):
        path.write_text(facts, encoding="utf-8")
    else:
        path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    argv = ["guide", "--catalog", str(catalog), "--event", event, "--facts", str(path)]
    status = main([*argv, "--json"] if as_json else argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_json_shape_with_nothing_known(tmp_path, capsys):
    status, out, err = run_guide(tmp_path, capsys, {})
    assert status == 0
    assert err == ""
    data = json.loads(out)
    assert {"applicable", "undetermined", "questions"} <= set(data)
    (always,) = data["applicable"]
    assert {"id", "name", "department", "reasons"} <= set(always)
    assert (always["id"], always["name"], always["department"]) == ("always", "必ずする届", "市民課")
    assert len(always["reasons"]) == 1 and isinstance(always["reasons"][0], str) and always["reasons"][0]
    assert [{k: u[k] for k in ("id", "name", "waiting_for")} for u in data["undetermined"]] == [
        {"id": "kokuho", "name": "国保の届", "waiting_for": ["p.insurance"]},
        {
            "id": "senior-kokuho",
            "name": "高齢国保の給付",
            "waiting_for": ["ev.date", "p.birth", "p.insurance"],
        },
        {"id": "pension", "name": "年金の届", "waiting_for": ["p.pension"]},
        {"id": "householder", "name": "世帯主変更", "waiting_for": ["p.householder", "h.members"]},
        {"id": "not-kouki", "name": "後期以外の案内", "waiting_for": ["p.insurance", "p.pension"]},
    ]
    assert [{k: q[k] for k in ("fact", "text")} for q in data["questions"]] == [
        {"fact": "ev.date", "text": "いつですか。"},
        {"fact": "p.insurance", "text": "どの保険ですか。"},
        {"fact": "p.pension", "text": "年金を受けていましたか。"},
        {"fact": "p.birth", "text": "生年月日は。"},
        {"fact": "p.householder", "text": "世帯主でしたか。"},
        {"fact": "h.members", "text": "残るのは何人ですか。"},
    ]


def test_json_with_facts(tmp_path, capsys):
    facts = {
        "ev.date": "2026-01-31",
        "p.birth": "1950-02-01",
        "p.insurance": "kokuho",
        "p.pension": False,
        "h.members": 2.0,  # a whole number written as 2.0 is accepted
        "p.householder": None,  # null means unknown
        "p.note": "メモ",  # a forms-only fact may be given
    }
    status, out, _ = run_guide(tmp_path, capsys, facts)
    assert status == 0
    data = json.loads(out)
    applicable = {a["id"]: a for a in data["applicable"]}
    assert list(applicable) == ["always", "kokuho", "senior-kokuho", "not-kouki"]
    assert applicable["kokuho"]["reasons"] == ["保険: 国民健康保険"]
    assert applicable["kokuho"]["department"] == "保険課"
    assert applicable["senior-kokuho"]["reasons"] == ["保険: 国民健康保険", "年齢: 75歳（65歳以上）"]
    assert applicable["not-kouki"]["reasons"] == ["保険: 国民健康保険"]
    assert applicable["always"]["deadline"] == "2026-02-06"
    assert applicable["kokuho"]["deadline"] == "2026-02-14"
    assert [(u["id"], u["waiting_for"]) for u in data["undetermined"]] == [("householder", ["p.householder"])]
    assert [q["fact"] for q in data["questions"]] == ["p.householder"]
    given = {name for name, value in facts.items() if value is not None}  # null is unknown: may be asked
    assert not given & {q["fact"] for q in data["questions"]}
    assert "pension" not in {a["id"] for a in data["applicable"]} | {u["id"] for u in data["undetermined"]}


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_extreme_dates_do_not_crash(tmp_path, capsys, day, as_json):
    status, out, err = run_guide(tmp_path, capsys, {"ev.date": day, "p.birth": day}, as_json=as_json)
    assert status == 0, err
    assert "必ずする届" in out


def test_human_readable_output(tmp_path, capsys):
    status, out, _ = run_guide(
        tmp_path, capsys, {"ev.date": "2026-01-31", "p.insurance": "kokuho"}, as_json=False
    )
    assert status == 0
    assert "== テストの出来事" in out
    assert "国保の届［保険課］" in out
    assert "令和8年2月14日" in out
    assert "・保険: 国民健康保険" in out


@pytest.mark.parametrize(
    ("facts", "fact", "fragment"),
    [
        ({"nope.x": 1}, "nope.x", "unknown fact name"),
        ({"p.insurance": "kokuho", "p.pensoin": True}, "p.pensoin", "unknown fact name"),
        ({"h.members": "3"}, "h.members", "残る人数: 数字で入力してください"),
        ({"h.members": 2.5}, "h.members", "残る人数: 数字で入力してください"),
        ({"h.members": True}, "h.members", "残る人数: 数字で入力してください"),
        ({"h.members": 21}, "h.members", "残る人数: 0〜20の範囲で入力してください"),
        ({"h.members": -1}, "h.members", "残る人数: 0〜20の範囲で入力してください"),
        ({"ev.date": "2026-13-01"}, "ev.date", "出来事の日: 存在しない日付です: 2026-13-01"),
        ({"ev.date": "2026-02-30"}, "ev.date", "出来事の日: 存在しない日付です: 2026-02-30"),
        ({"ev.date": "2026-1-1"}, "ev.date", "出来事の日: 日付を2026-11-27の形（西暦）で指定してください"),
        (
            {"ev.date": "令和8年1月1日"},
            "ev.date",
            "出来事の日: 日付を2026-11-27の形（西暦）で指定してください",
        ),
        ({"ev.date": 20260101}, "ev.date", "出来事の日: 日付を2026-11-27の形（西暦）で指定してください"),
        # other ISO 8601 forms are not YYYY-MM-DD
        ({"ev.date": "2026-W01-1"}, "ev.date", "出来事の日: 日付を2026-11-27の形（西暦）で指定してください"),
        ({"ev.date": "20260101  "}, "ev.date", "出来事の日: 日付を2026-11-27の形（西暦）で指定してください"),
        (
            {"p.insurance": "shaho"},
            "p.insurance",
            "保険: 選択肢（国民健康保険、後期高齢者医療、その他）から選んでください",
        ),
        (
            {"p.insurance": 1},
            "p.insurance",
            "保険: 選択肢（国民健康保険、後期高齢者医療、その他）から選んでください",
        ),
        ({"p.pension": 1}, "p.pension", "年金: 「はい」か「いいえ」を選んでください"),
        ({"p.pension": 0}, "p.pension", "年金: 「はい」か「いいえ」を選んでください"),
        ({"p.pension": "true"}, "p.pension", "年金: 「はい」か「いいえ」を選んでください"),
        ({"p.note": 5}, "p.note", "備考: 2000文字以内で入力してください"),
    ],
)
def test_bad_facts_exit_2_naming_the_fact(tmp_path, capsys, facts, fact, fragment):
    status, out, err = run_guide(tmp_path, capsys, facts)
    assert status == 2
    assert out == ""
    assert err.startswith("madoguchi guide: bad fact in ")
    assert f"{fact}: {fragment}" in err


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("{bad", "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ('{"p.pension": true,}', "is not valid JSON"),
        ("", "is not valid JSON"),
        (b"\xff\xfe{}", "is not UTF-8 text at line 1"),
        pytest.param(b"{\n" * 40 + b'"\xff"', "is not UTF-8 text at line 41", id="bad-byte-on-line-41"),
        ("[1, 2]", "(facts): expected a JSON object keyed by fact name"),
        ('"p.pension"', "(facts): expected a JSON object keyed by fact name"),
    ],
)
def test_malformed_facts_file_exits_2(tmp_path, capsys, raw, fragment):
    status, out, err = run_guide(tmp_path, capsys, raw)
    assert status == 2
    assert out == ""
    assert fragment in err
    assert err.count("\n") == 1  # one message


def test_missing_facts_file_exits_2(tmp_path, capsys):
    status = main(
        ["guide", "--catalog", str(MINI), "--event", "ev", "--facts", str(tmp_path / "nope.json"), "--json"]
    )
    _, err = capsys.readouterr()
    assert status == 2
    assert f"cannot read facts file {tmp_path / 'nope.json'}: No such file or directory" in err
    assert "Traceback" not in err


def test_unknown_event_exits_2(tmp_path, capsys):
    status, out, err = run_guide(tmp_path, capsys, {}, event="okuyami")
    assert status == 2
    assert out == ""
    assert "unknown life event 'okuyami'; known: ev" in err


def test_fact_of_another_event_exits_2(tmp_path, capsys):
    text = (MINI / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  - {id: ev, name: テストの出来事, date_fact: ev.date, subject: deceased}",
        "  - {id: ev, name: テストの出来事, date_fact: ev.date, subject: deceased}\n"
        "  - {id: ev2, name: 二つめ, date_fact: ev.date, subject: applicant}",
    )
    text = text.replace(
        "  p.note: {type: text, label: 備考, purpose: forms}",
        "  p.note: {type: text, label: 備考, purpose: forms, events: [ev]}",
    )
    catalog = tmp_path / "cat"
    catalog.mkdir()
    (catalog / "catalog.yaml").write_text(text, encoding="utf-8")
    status, _, err = run_guide(tmp_path, capsys, {"p.note": "x"}, event="ev2", catalog=catalog)
    assert status == 2
    assert "p.note: this fact is not part of life event 'ev2'" in err


def test_broken_catalog_exits_1_with_located_errors(tmp_path, capsys):
    catalog = tmp_path / "cat"
    catalog.mkdir()
    text = (
        (MINI / "catalog.yaml")
        .read_text(encoding="utf-8")
        .replace("applies_when: p.pension\n", "applies_when: p.pension = 1\n")
    )
    (catalog / "catalog.yaml").write_text(text, encoding="utf-8")
    status, out, err = run_guide(tmp_path, capsys, {}, catalog=catalog)
    assert status == 1
    assert out == ""
    assert f"madoguchi catalog check {catalog}" in err
    assert "catalog.yaml:52: error: procedure pension: applies_when: unexpected character '='" in err


def test_missing_catalog_folder_exits_1(tmp_path, capsys):
    status, _, err = run_guide(tmp_path, capsys, {}, catalog=tmp_path / "nope")
    assert status == 1
    assert "catalog folder not found" in err


def test_missing_required_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["guide", "--catalog", str(MINI), "--event", "ev"])
    assert info.value.code == 2
    assert "--facts" in capsys.readouterr().err


# --- the real console script ------------------------------------------------------------------------------


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


def test_console_script(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps({"ev.date": "2026-01-31", "p.insurance": "kouki", "p.pension": True}), encoding="utf-8"
    )
    proc = _madoguchi("guide", "--catalog", str(MINI), "--event", "ev", "--facts", str(good), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [a["id"] for a in data["applicable"]] == ["always", "pension", "not-kouki"]
    assert [a["reasons"] for a in data["applicable"]][1:] == [["年金を受けていた"], ["年金を受けていた"]]

    bad = tmp_path / "bad.json"
    bad.write_text('{"ev.date": "2026-13-01"}', encoding="utf-8")
    proc = _madoguchi("guide", "--catalog", str(MINI), "--event", "ev", "--facts", str(bad), "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "ev.date" in proc.stderr
    assert "Traceback" not in proc.stderr
