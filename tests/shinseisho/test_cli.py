"""``madoguchi forms render | check | grid``: outputs and exit codes."""

import json
import shutil
from pathlib import Path

import pytest

from madoguchi.cli import main

from .conftest import DATA, SAMPLE, pdffonts, pdftotext


def render(tmp_path, facts=None, person=None, event="okuyami", extra=()):
    facts_path = tmp_path / "facts.json"
    person_path = tmp_path / "person.json"
    facts_path.write_text(json.dumps(facts), encoding="utf-8") if facts is not None else shutil.copy(
        DATA / "okuyami_facts.json", facts_path
    )
    person_path.write_text(json.dumps(person), encoding="utf-8") if person is not None else shutil.copy(
        DATA / "okuyami_person.json", person_path
    )
    out = tmp_path / "bundle.pdf"
    status = main(
        [
            "forms",
            "render",
            "--catalog",
            str(SAMPLE),
            "--event",
            event,
            "--facts",
            str(facts_path),
            "--person",
            str(person_path),
            "--out",
            str(out),
            *extra,
        ]
    )
    return status, out


def test_render_the_family_bundle(tmp_path, capsys):
    status, out = render(tmp_path, extra=["--case-number", "2026-000042"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "19 form(s)" in printed
    text = pdftotext(out, tmp_path)
    flat = "".join(text.split())
    for needle in (
        "緑川一郎",
        "緑川花子",
        "ミドリカワイチロウ",
        "架空県みどり市本町二丁目3番4号",
        "2026-000042",
    ):
        assert needle in flat
    assert text.count("\f") >= 20
    fonts = pdffonts(out)
    assert all(f["emb"] == "yes" for f in fonts), fonts


def test_render_the_handbook_event_with_the_applicant_only(tmp_path, capsys):
    facts = {
        "applicant.application_date": "2026-11-27",
        "applicant.birth_date": "1980-05-05",
        "applicant.handbook_status": "applying",
        "applicant.disability_type": "limb",
        "applicant.disability_grade": 1,
        "applicant.income_within_limit": True,
        "applicant.home_modification": True,
    }
    person = {
        "applicant": {
            "name": "青葉　次郎",
            "kana": "アオバ　ジロウ",
            "birth_date": "1980-05-05",
            "sex": "1",
            "postal_code": "9990003",
            "address": "架空県みどり市若葉町5番6号",
            "phone": "0000-22-1111",
        }
    }
    status, out = render(tmp_path, facts, person, event="shintai-techo")
    assert status == 0, capsys.readouterr().err
    flat = "".join(pdftotext(out, tmp_path).split())
    assert "青葉次郎" in flat and "アオバジロウ" in flat and "身体障害者手帳交付申請書" in flat


@pytest.mark.parametrize(
    "facts,person,needle",
    [
        ({"deceased.age": "old"}, None, "deceased.age"),
        ({"no.such_fact": 1}, None, "no.such_fact"),
        (None, {"applicant": {"name": "緑川　花子", "birth_date": "1955-02-30"}}, "applicant.birth_date"),
        (None, {"applicant": {"name": "緑川　花子", "postal_code": "abc"}}, "applicant.postal_code"),
        (None, {"applicant": {"name": "緑川　花子"}, "neighbour": {}}, "neighbour"),
        (None, {"applicant": {"name": "山" * 120}}, "applicant.name"),
        (None, {"applicant": {"name": "山" * 95}}, "do not fit"),
        (None, [], "person file"),
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path, capsys, facts, person, needle):
    status, out = render(tmp_path, facts, person)
    assert status == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_event_exits_2(tmp_path, capsys):
    status, _ = render(tmp_path, event="wedding")
    assert status == 2 and "wedding" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path, capsys):
    status = main(
        [
            "forms",
            "render",
            "--catalog",
            str(SAMPLE),
            "--event",
            "okuyami",
            "--facts",
            str(tmp_path / "nope.json"),
            "--person",
            str(tmp_path / "nope.json"),
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert status == 2 and "nope.json" in capsys.readouterr().err


def test_check_passes_on_the_sample(capsys):
    assert main(["forms", "check", str(SAMPLE)]) == 0
    assert "OK: 31 forms" in capsys.readouterr().out


def broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("scenarios"))
    forms = root / "forms"
    text = (forms / "inu-henkou.yaml").read_text(encoding="utf-8")
    text = text.replace("    x: 146\n", "    x: 196\n", 1)  # the date box now reaches outside the page
    text = text.replace("value: deceased.kana", "value: fact:deceased.kana_reading", 1)
    (forms / "inu-henkou.yaml").write_text(text, encoding="utf-8")
    text = (forms / "bochi-shoukei.yaml").read_text(encoding="utf-8")
    text = text.replace("    y: 63\n", "    y: 60\n", 1)  # onto the box above
    (forms / "bochi-shoukei.yaml").write_text(text, encoding="utf-8")
    text = (forms / "gentsuki-haisha.yaml").read_text(encoding="utf-8")
    text = text.replace("label: 廃車", "label: 廃車（標識を返納し、廃車申告受付書の交付を受ける）", 1)
    (forms / "gentsuki-haisha.yaml").write_text(text, encoding="utf-8")
    text = (forms / "techo-koufu.yaml").read_text(encoding="utf-8")
    (forms / "techo-koufu.yaml").write_text(
        text.replace("x: 158, y: 196,", "x: 158, y: 100,", 1), encoding="utf-8"
    )
    (forms / "suido-meigi.yaml").rename(forms / "unused-form.yaml")
    text = (
        (forms / "unused-form.yaml").read_text(encoding="utf-8").replace("id: suido-meigi", "id: unused-form")
    )
    (forms / "unused-form.yaml").write_text(text, encoding="utf-8")
    (forms / "kouza-furikae.yaml").write_text(
        "id: kouza-furikae\ntitle: x\nfields:\n  - name: a\n    label: A\n"
        "    x: 10\n    y: 10\n    w: 10\n    h: 5\n    value: applicant.nmae\n",
        encoding="utf-8",
    )
    return root


def test_check_reports_each_problem_with_file_and_line(tmp_path, capsys):
    root = broken_copy(tmp_path)
    assert main(["forms", "check", str(root)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()

    def has(prefix: str, needle: str) -> bool:
        return any(line.startswith(prefix) and needle in line for line in lines)

    assert has("forms/inu-henkou.yaml:", "reaches outside"), out
    assert has("forms/inu-henkou.yaml:", "unknown fact 'deceased.kana_reading'"), out
    assert has("forms/bochi-shoukei.yaml:", "field deceased_name overlaps field deceased_kana"), out
    assert has("forms/unused-form.yaml:", "used by no procedure"), out
    assert has("forms/techo-koufu.yaml:", "overlaps the printed box 「写真貼付欄"), out
    assert has("forms/gentsuki-haisha.yaml:", "warning: form gentsuki-haisha, field kind_scrap: the label"), (
        out
    )
    assert (
        has("procedures/okuyami-kurashi.yaml:", "names form 'suido-meigi'")
        or "names form 'suido-meigi'" in out
    )
    assert has("forms/kouza-furikae.yaml:10:", "unknown person attribute"), out
    for line in lines:
        assert line.split(":")[1].isdigit(), line


def test_grid_draws_field_names(tmp_path, capsys):
    out = tmp_path / "grid.pdf"
    assert main(["forms", "grid", "kokuho-sousaihi", "--catalog", str(SAMPLE), "--out", str(out)]) == 0
    text = pdftotext(out, tmp_path)
    assert "deceased_name" in text and "bank_number" in text and "100" in text
    assert main(["forms", "grid", "nope", "--catalog", str(SAMPLE), "--out", str(out)]) == 2


def test_check_refuses_a_background_with_fonts_not_embedded(tmp_path, capsys):
    from reportlab.pdfgen.canvas import Canvas

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("scenarios"))
    c = Canvas(str(root / "forms" / "kokuho-soushitsu.pdf"), pagesize=(595.28, 841.89))
    c.setFont("Helvetica", 12)  # a base-14 font: never embedded
    c.drawString(72, 720, "Form")
    c.save()
    assert main(["forms", "check", str(root)]) == 1
    assert "uses font Helvetica without embedding" in capsys.readouterr().out


@pytest.mark.parametrize("background", ["../../secret.pdf", "/etc/hostname", "link.pdf"])
def test_a_background_cannot_leave_the_forms_folder(tmp_path, background):
    """Issue #13 (low): a form's ``background:`` path stays inside the catalog's forms folder."""
    from madoguchi.shinseisho.loader import FormsError, load_forms

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("scenarios"))
    (tmp_path / "secret.pdf").write_bytes((root / "forms" / "kokuho-soushitsu.pdf").read_bytes())
    (root / "forms" / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    form = root / "forms" / "kokuho-soushitsu.yaml"
    text = form.read_text()
    form.write_text(text.replace("background: kokuho-soushitsu.pdf", f"background: {background}"))
    with pytest.raises(FormsError) as info:
        load_forms(root)
    issues = [i for i in info.value.issues if "outside forms/" in i.message]
    assert len(issues) == 1 and issues[0].file.endswith("kokuho-soushitsu.yaml") and issues[0].line == 6


def test_a_bad_byte_in_a_form_file_is_reported_at_its_line(tmp_path):
    """Issue #13 (low): a UTF-8 form file with one bad byte on line 41 is reported at line 41, not line 1."""
    from madoguchi.shinseisho.loader import FormsError, load_forms

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("scenarios"))
    form = root / "forms" / "kokuho-soushitsu.yaml"
    lines = form.read_bytes().split(b"\n")
    assert len(lines) > 41
    lines[40] = lines[40] + b"  # \xff"
    form.write_bytes(b"\n".join(lines))
    with pytest.raises(FormsError) as info:
        load_forms(root)
    (issue,) = [i for i in info.value.issues if i.file.endswith("kokuho-soushitsu.yaml")]
    assert issue.line == 41 and issue.message.startswith("not UTF-8 text")
