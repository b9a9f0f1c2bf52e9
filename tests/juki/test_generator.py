import csv
from collections import Counter
from datetime import date

from madoguchi.card.mynumber import is_valid
from madoguchi.juki.csv_import import parse_csv
from madoguchi.juki.generator import HEADER, demo_rows, iter_rows, m11_check, write_csv
from madoguchi.juki.mapping import STANDARD

TODAY = date(2026, 11, 27)


def test_counts_and_the_file_imports_cleanly(tmp_path):
    path = tmp_path / "r.csv"
    assert write_csv(path, 5000, seed=3, demo=True) == 5000
    records, report = parse_csv(path.read_bytes(), STANDARD)
    assert report.residents == 5000
    assert (
        1.9 < report.residents / len(report.households) < 2.6
    )  # persons per household, like a Japanese city
    assert len({r.atena_no for r in records}) == 5000


def test_age_pyramid_is_plausible(tmp_path):
    path = tmp_path / "r.csv"
    write_csv(path, 8000, seed=5)
    records, _ = parse_csv(path.read_bytes(), STANDARD)
    ages = [r.age_on(TODAY) for r in records]
    n = len(ages)
    assert 0.22 < sum(a >= 65 for a in ages) / n < 0.35
    assert 0.08 < sum(a < 15 for a in ages) / n < 0.18
    assert 0 <= min(ages) and max(ages) <= 110
    decades = Counter(min(a // 10, 9) for a in ages)
    assert decades[9] < decades[7]  # the top of the pyramid narrows
    assert sum(r.kouki for r in records if r.age_on(TODAY) >= 75) / max(1, sum(a >= 75 for a in ages)) > 0.95


def test_check_digits_and_households():
    rows = list(iter_rows(3000, seed=9, demo=True))
    numbers = [r[HEADER.index("個人番号")] for r in rows]
    assert all(is_valid(n) for n in numbers) and len(set(numbers)) == len(numbers)
    atena = [r[0] for r in rows]
    assert all(m11_check(a[:-1]) == a for a in atena)
    heads = Counter(r[1] for r in rows if r[HEADER.index("続柄")] == "世帯主")
    assert all(v == 1 for v in heads.values())


def test_reproducible_by_seed():
    assert list(iter_rows(200, seed=4)) == list(iter_rows(200, seed=4))
    assert list(iter_rows(200, seed=4)) != list(iter_rows(200, seed=5))


def test_demo_family_matches_the_demo_card():
    from madoguchi.card.virtual import PROFILES

    rows = {r[2]: r for r in demo_rows()}
    hanako = rows["窓口\u3000花子"]
    assert hanako[HEADER.index("個人番号")] == PROFILES["demo"].my_number
    assert hanako[HEADER.index("住所")] == PROFILES["demo"].address
    assert rows["窓口\u3000太郎"][HEADER.index("住民状態")] == "死亡"


def test_cli_generate_shift_jis(tmp_path, capsys):
    from madoguchi.cli import main

    out = tmp_path / "sjis.csv"
    assert main(["registry", "generate", "--count", "100", "--out", str(out), "--encoding", "shift_jis"]) == 0
    text = out.read_bytes().decode("cp932")
    assert next(csv.reader([text.splitlines()[0]])) == HEADER
    assert main(["registry", "generate", "--count", "0", "--out", str(out)]) == 2


def test_some_foreign_residents_with_western_dates():
    rows = list(iter_rows(4000, seed=2))
    foreign = [r for r in rows if r[HEADER.index("住民種別")] == "外国人"]
    assert 0.005 < len(foreign) / len(rows) < 0.06
    assert all(
        r[HEADER.index("生年月日")][:4].isdigit() for r in foreign
    )  # 西暦, as the standard manages them
