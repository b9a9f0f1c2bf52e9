"""Fictional residents and households of 架空県みどり市, for the demo and benchmarks.

Everything is invented: names are drawn from common surname and given-name lists, addresses from invented
town names, 個人番号 from a fictional range with valid check digits. Household structures and the age
pyramid follow the broad shape of a Japanese city today (about 29% aged 65+, 11% under 15, many one- and
two-person households); the figures are approximations chosen for realism, not statistics.

Rows come out in the standard's item order (:data:`HEADER`), as CSV text fields, because the fast path is
writing a CSV file; :func:`generate_records` parses them back into records for the database.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from madoguchi.card.mynumber import with_check_digit
from madoguchi.card.virtual import PROFILES
from madoguchi.wareki import format_wareki

from .dates import parse_registry_date

CITY = "架空県みどり市"
HEADER = [
    "宛名番号", "世帯番号", "氏名", "氏名フリガナ", "フリガナ確認フラグ", "生年月日", "性別", "続柄", "郵便番号",
    "住所", "方書", "住民となった年月日", "住民状態", "消除事由", "消除年月日", "住民種別",
    "氏名（アルファベット）", "通称", "通称フリガナ", "国籍・地域", "個人番号",
    "国保資格", "後期高齢者医療資格", "介護保険資格", "要介護状態区分", "国民年金種別", "年金受給",
    "児童手当受給", "身体障害者手帳等級", "身体障害者手帳障害種別", "印鑑登録",
]  # fmt: skip

FAMILY = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
    ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
    ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("緑川", "ミドリカワ"), ("野口", "ノグチ"), ("松田", "マツダ"), ("菅原", "スガワラ"), ("桜井", "サクライ"),
]  # fmt: skip
# Given names by generation (born before 1955, 1955-1989, 1990 and later).
MALE = [
    [("清", "キヨシ"), ("茂", "シゲル"), ("勇", "イサム"), ("博", "ヒロシ"), ("正雄", "マサオ"), ("実", "ミノル"),
     ("進", "ススム"), ("勝", "マサル"), ("武", "タケシ"), ("一郎", "イチロウ")],
    [("誠", "マコト"), ("浩", "ヒロシ"), ("健一", "ケンイチ"), ("隆", "タカシ"), ("直樹", "ナオキ"),
     ("和也", "カズヤ"), ("哲也", "テツヤ"), ("大輔", "ダイスケ"), ("剛", "ツヨシ"), ("拓也", "タクヤ")],
    [("翔太", "ショウタ"), ("蓮", "レン"), ("大翔", "ヒロト"), ("悠真", "ユウマ"), ("陽翔", "ハルト"),
     ("湊", "ミナト"), ("颯太", "ソウタ"), ("健太", "ケンタ"), ("拓海", "タクミ"), ("樹", "イツキ")],
]  # fmt: skip
FEMALE = [
    [("和子", "カズコ"), ("幸子", "サチコ"), ("節子", "セツコ"), ("洋子", "ヨウコ"), ("京子", "キョウコ"),
     ("久子", "ヒサコ"), ("文子", "フミコ"), ("千代", "チヨ"), ("静子", "シズコ"), ("ハル", "ハル")],
    [("恵子", "ケイコ"), ("裕子", "ユウコ"), ("真由美", "マユミ"), ("智子", "トモコ"), ("由美", "ユミ"),
     ("久美子", "クミコ"), ("直美", "ナオミ"), ("陽子", "ヨウコ"), ("香織", "カオリ"), ("花子", "ハナコ")],
    [("結衣", "ユイ"), ("陽菜", "ヒナ"), ("葵", "アオイ"), ("美咲", "ミサキ"), ("さくら", "サクラ"),
     ("芽依", "メイ"), ("凛", "リン"), ("結菜", "ユイナ"), ("愛", "アイ"), ("七海", "ナナミ")],
]  # fmt: skip
# Foreign residents (about 2-3 % in many cities): names in katakana as registered, birth dates in 西暦 (A3).
# Each family: (name, kana, alphabet name, 国籍・地域, the family part of a 通称 some of them use, its kana).
FOREIGN_FAMILY = [("グエン", "グエン", "NGUYEN", "ベトナム", "", ""), ("チャン", "チャン", "TRAN", "ベトナム", "", ""),
                  ("サントス", "サントス", "SANTOS", "ブラジル", "", ""), ("キム", "キム", "KIM", "韓国", "金田", "カネダ"),
                  ("リー", "リー", "LEE", "韓国", "木下", "キノシタ"), ("シルバ", "シルバ", "SILVA", "ブラジル", "", ""),
                  ("スミス", "スミス", "SMITH", "米国", "", ""), ("ワン", "ワン", "WANG", "中国", "大山", "オオヤマ")]  # fmt: skip
FOREIGN_GIVEN = {"1": [("ヴァン　アン", "ヴァン　アン", "VAN AN"), ("ジョン", "ジョン", "JOHN"), ("ミンジュン", "ミンジュン", "MIN JUN"), ("カルロス", "カルロス", "CARLOS")],
                 "2": [("ティ　ラン", "ティ　ラン", "THI LAN"), ("マリア", "マリア", "MARIA"), ("ソヨン", "ソヨン", "SO YEON"), ("アナ", "アナ", "ANA")]}  # fmt: skip
TOWNS = [
    ("中央町", "999-0001"), ("本町", "999-0002"), ("北町", "999-0003"), ("南町", "999-0004"),
    ("東町", "999-0005"), ("西町", "999-0006"), ("さくら台", "999-0011"), ("みどりが丘", "999-0012"),
    ("若葉町", "999-0013"), ("葛原", "999-0014"), ("川端町", "999-0015"), ("緑町", "999-0016"),
    ("旭町", "999-0017"), ("栄町", "999-0018"), ("松原", "999-0019"), ("大字山田", "999-0021"),
]  # fmt: skip
APARTMENTS = ["みどりハイツ", "グリーンコート", "さくら荘", "メゾン中央", "コーポ若葉", "ひかりマンション"]
DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
CARE = ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5"]
TYPES = ["肢体", "内部", "聴覚", "視覚", "音声言語", "平衡"]

# (weight, kind) of household structures.
HOUSEHOLD_KINDS = [
    (13, "single_young"), (10, "single_middle"), (19, "single_elderly"), (17, "couple_elderly"),
    (8, "couple"), (20, "family"), (5, "single_parent"), (8, "three_generation"),
]  # fmt: skip


def m11_check(serial: str) -> str:
    """Check digit M11W2〜7 (weights 2..7 from the right, 11 − Σ mod 11; remainders 0 and 1 give 0).
    The rule for remainder 1 is not fixed by the standard's v1.0 text (see docs/registry.md)."""
    total = sum(int(ch) * (2 + i % 6) for i, ch in enumerate(reversed(serial)))
    r = total % 11
    return serial + str(0 if r <= 1 else 11 - r)


class Generator:
    def __init__(self, seed: int = 1, today: date = date(2026, 11, 27)):
        self.rng = random.Random(seed)  # noqa: S311 - fictional test data, reproducible by seed
        self.today = today
        self.atena = 100000
        self.setai = 500000
        self.my_number = 0
        self.today_ord = today.toordinal()

    # --- people -------------------------------------------------------------------------------------

    def _birth(self, age: int) -> date:
        return date.fromordinal(self.today_ord - age * 365 - self.rng.randrange(365) - age // 4)

    def _elder_age(self) -> int:
        # 65-104, thinning out with age (the top of the pyramid).
        r = self.rng.random
        return 65 + int(37 * (r() * r()) ** 0.85)

    @staticmethod
    def _given_names(sex: str, born: date) -> list[tuple[str, str]]:
        """Japanese given names (name, kana) of the person's sex and generation."""
        gen = 0 if born.year < 1955 else 1 if born.year < 1990 else 2
        return MALE[gen] if sex == "1" else FEMALE[gen]

    def _given(self, sex: str, born: date) -> tuple[str, str]:
        return self.rng.choice(self._given_names(sex, born))

    def _foreign_names(self, family: tuple, given: tuple, sex: str, born: date) -> tuple[str, str, str, str]:
        """氏名（アルファベット）, 通称, 通称フリガナ, 国籍・地域. Every third person of a family that has a 通称
        uses one (chosen without the random generator, so the rest of the population stays as it was)."""
        alphabet = f"{family[2]} {given[2]}"
        if family[4] and self.atena % 3 == 0:
            names = self._given_names(sex, born)
            first = names[self.atena % len(names)]
            return alphabet, f"{family[4]}\u3000{first[0]}", f"{family[5]}\u3000{first[1]}", family[3]
        return alphabet, "", "", family[3]

    def _person(self, h: dict, family: tuple, sex: str, age: int, rel: str) -> list[str]:
        rng = self.rng
        born = self._birth(age)
        foreign = h.get("foreign", False)
        given = rng.choice(FOREIGN_GIVEN[sex]) if foreign else self._given(sex, born)
        self.atena += 1
        self.my_number += 1
        number = with_check_digit(f"1{self.my_number:010d}")
        elderly = age >= 65
        kouki = age >= 75 or (age >= 65 and rng.random() < 0.01)
        kokuho = not kouki and (elderly or rng.random() < 0.22)
        care = ""
        if age >= 65 and rng.random() < (0.05 if age < 75 else 0.32 if age < 90 else 0.7):
            care = CARE[rng.randrange(7)]
        grade = tp = ""
        if rng.random() < (0.01 if age < 65 else 0.09):
            grade, tp = str(rng.randrange(1, 7)), rng.choice(TYPES)
        moved = born if rng.random() < 0.4 else born + timedelta(days=rng.randrange(max(1, age * 365 + 1)))
        nenkin = (
            ""
            if age < 20 or age >= 60
            else ("第3号" if sex == "2" and rel in ("妻",) else "第1号" if kokuho else "第2号")
        )
        return [
            m11_check(str(self.atena)),
            h["setai"],
            f"{family[0]}\u3000{given[0]}",
            f"{family[1]}\u3000{given[1]}",
            "1" if rng.random() < 0.7 else "0",
            born.isoformat() if foreign else format_wareki(born),
            sex,
            rel,
            h["postal"],
            h["address"],
            h["katagaki"],
            format_wareki(moved if moved <= self.today else born),
            "住民",
            "",
            "",
            "外国人" if foreign else "日本人",
            *(self._foreign_names(family, given, sex, born) if foreign else ("", "", "", "")),
            number,
            "1" if kokuho else "0",
            "1" if kouki else "0",
            "1" if age >= 40 else "0",
            care,
            nenkin,
            "1" if age >= 65 else "0",
            "0",
            grade,
            tp,
            "1" if age >= 18 and rng.random() < 0.45 else "0",
        ]

    def _household(self) -> dict:
        rng = self.rng
        self.setai += 1
        town, postal = TOWNS[rng.randrange(len(TOWNS))]
        chome = rng.randrange(1, 6)
        address = f"{CITY}{town}{chome}丁目{rng.randrange(1, 30)}番{rng.randrange(1, 25)}号".translate(DIGITS)
        katagaki = ""
        if rng.random() < 0.3:
            katagaki = f"{rng.choice(APARTMENTS)}{rng.randrange(1, 5)}0{rng.randrange(1, 9)}号室".translate(
                DIGITS
            )
        return {
            "setai": m11_check(str(self.setai)),
            "address": address,
            "postal": postal,
            "katagaki": katagaki,
        }

    def household(self) -> list[list[str]]:
        rng = self.rng
        kind = rng.choices([k for _, k in HOUSEHOLD_KINDS], [w for w, _ in HOUSEHOLD_KINDS])[0]
        h = self._household()
        if rng.random() < 0.025:
            h["foreign"] = True
            kind = rng.choice(["single_young", "single_young", "couple", "family"])
        fam = (
            FOREIGN_FAMILY[rng.randrange(len(FOREIGN_FAMILY))]
            if h.get("foreign")
            else FAMILY[rng.randrange(len(FAMILY))]
        )
        sex = "1" if rng.random() < 0.5 else "2"
        p = self._person
        rows: list[list[str]] = []
        if kind == "single_young":
            rows.append(p(h, fam, sex, rng.randrange(18, 40), "世帯主"))
        elif kind == "single_middle":
            rows.append(p(h, fam, sex, rng.randrange(40, 65), "世帯主"))
        elif kind == "single_elderly":
            rows.append(p(h, fam, "2" if rng.random() < 0.65 else "1", self._elder_age(), "世帯主"))
        elif kind in ("couple_elderly", "couple"):
            age = self._elder_age() if kind == "couple_elderly" else rng.randrange(24, 65)
            rows.append(p(h, fam, "1", age, "世帯主"))
            rows.append(p(h, fam, "2", max(18, age + rng.randrange(-6, 3)), "妻"))
        elif kind in ("family", "single_parent"):
            age = rng.randrange(27, 58)
            if kind == "family":
                rows.append(p(h, fam, "1", age, "世帯主"))
                rows.append(p(h, fam, "2", max(20, age + rng.randrange(-5, 3)), "妻"))
            else:
                rows.append(p(h, fam, "2" if rng.random() < 0.85 else "1", age, "世帯主"))
            for _ in range(rng.choice((1, 1, 2, 2, 2, 3))):
                child_age = max(0, age - rng.randrange(22, 40))
                rows.append(p(h, fam, "1" if rng.random() < 0.51 else "2", child_age, "子"))
        else:  # three generations: elderly parent(s), their child's family
            old = self._elder_age()
            age = max(30, old - rng.randrange(25, 35))
            rows.append(p(h, fam, "1", age, "世帯主"))
            rows.append(p(h, fam, "2", max(25, age + rng.randrange(-5, 3)), "妻"))
            rows.append(
                p(h, fam, "2" if rng.random() < 0.7 else "1", old, "母" if rng.random() < 0.7 else "父")
            )
            for _ in range(rng.choice((0, 1, 2))):
                rows.append(
                    p(h, fam, "1" if rng.random() < 0.5 else "2", max(0, age - rng.randrange(24, 38)), "子")
                )
        # 児童手当: the householder (or the parent) receives it while there are children under 18.
        if any(r[7] == "子" and _age_from(r, self.today) < 18 for r in rows):
            rows[0][23] = "1"
        return rows


def _age_from(row: list[str], today: date) -> int:
    born = parse_registry_date(row[5]).sort_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# Fixed fictional households for the demo and the end-to-end tests: the family of the `demo` card
# (窓口 花子, 中央町１丁目２番３号, 個人番号 as on the virtual card) and a new handbook holder.
def demo_rows() -> list[list[str]]:
    hanako = PROFILES["demo"].my_number
    addr = f"{CITY}中央町１丁目２番３号"
    base = {"postal": "999-0001", "address": addr, "katagaki": ""}
    a = [m11_check(str(900001 + i)) for i in range(4)]
    s1, s2 = m11_check("900010"), m11_check("900011")
    rows = [
        [a[0], s1, "窓口\u3000太郎", "マドグチ\u3000タロウ", "1", "昭和19年3月15日", "1", "世帯主",
         base["postal"], addr, "", "昭和45年4月1日", "死亡", "死亡", "令和8年11月20日", "日本人", "", "", "", "",
         with_check_digit("50000000001"), "0", "1", "1", "要介護2", "", "1", "0", "4", "肢体", "1"],
        [a[1], s1, "窓口\u3000和子", "マドグチ\u3000カズコ", "1", "昭和22年8月2日", "2", "妻",
         base["postal"], addr, "", "昭和47年5月1日", "住民", "", "", "日本人", "", "", "", "",
         with_check_digit("50000000002"), "0", "1", "1", "", "", "1", "0", "", "", "1"],
        [a[2], s1, "窓口\u3000花子", "マドグチ\u3000ハナコ", "1", "昭和60年4月15日", "2", "子",
         base["postal"], addr, "", "昭和60年4月15日", "住民", "", "", "日本人", "", "", "", "",
         hanako, "0", "0", "0", "", "第2号", "0", "0", "", "", "1"],
        [a[3], s2, "手帳\u3000次郎", "テチョウ\u3000ジロウ", "1", "昭和33年7月7日", "1", "世帯主",
         "999-0003", f"{CITY}北町２丁目５番８号", "みどりハイツ２０１号室", "平成2年4月1日", "住民", "", "", "日本人", "", "", "", "",
         with_check_digit("50000000003"), "1", "0", "1", "", "第1号", "0", "0", "2", "肢体", "1"],
    ]  # fmt: skip
    return rows


def iter_rows(
    count: int, seed: int = 1, today: date = date(2026, 11, 27), demo: bool = False
) -> Iterator[list[str]]:
    """``count`` generated residents (whole households; the last household is cut to fit)."""
    gen = Generator(seed, today)
    made = 0
    if demo:
        for row in demo_rows():
            if made >= count:
                return
            made += 1
            yield row
    while made < count:
        rows = gen.household()
        if made + len(rows) > count:
            rows = rows[: count - made]
        made += len(rows)
        yield from rows


def write_csv(
    path: str | Path, count: int, seed: int = 1, encoding: str = "utf-8", demo: bool = False
) -> int:
    codec = "cp932" if encoding.lower() in ("shift_jis", "sjis", "cp932") else "utf-8"
    with open(path, "w", encoding=codec, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER)
        n = 0
        batch: list[list[str]] = []
        for row in iter_rows(count, seed, demo=demo):
            batch.append(row)
            if len(batch) >= 10000:
                writer.writerows(batch)
                n += len(batch)
                batch.clear()
        writer.writerows(batch)
        n += len(batch)
    return n
