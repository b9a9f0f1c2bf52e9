"""「本日・今後の来庁予定」 at the counter: a 来庁予定 file becomes prepared cases (members, facts, procedures per
member) with nothing half-imported, and the card read when the household comes opens its prepared case and
is checked against the record's 4 情報 — a difference is shown, never merged."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.card import transport
from madoguchi.card.agent import CardAgent
from madoguchi.card.builder import virtual_hierarchy
from madoguchi.card.virtual import PROFILES
from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, CasePerson

HEADER = (
    "受付番号,異動の種類,来庁予定日,異動予定日,転出元住所,転入先郵便番号,転入先住所,転入先方書,連絡先電話番号,"
    "氏名,フリガナ,生年月日,性別,続柄"
)


def _rows(reference: str, members, visit="2026-12-10", move="2026-12-05", origin="架空県ほか市1-1"):
    head = f"{reference},転入,{visit},{move},{origin},999-0001,架空県みどり市本町2-3-4,,000-1111-2222"
    return [f"{head},{name},{kana},{born},{sex},{zokugara}" for name, kana, born, sex, zokugara in members]


# The demo card's holder (窓口 花子, 1985-04-15, 女) comes with her husband and two children of school age.
FAMILY = [
    ("窓口　一郎", "マドグチ　イチロウ", "1983-02-01", "男", "世帯主"),
    ("窓口　花子", "マドグチ　ハナコ", "1985-04-15", "女", "妻"),
    ("窓口　太郎", "", "2017-05-05", "男", "子"),
    ("窓口　次子", "", "2012-07-07", "女", "子"),
]


def _file(*records: list[str], encoding="utf-8") -> bytes:
    lines = [HEADER] + [row for record in records for row in record]
    return ("\n".join(lines) + "\n").encode(encoding)


def _upload(client, data: bytes, name="yotei.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("arrivals-import"), {"file": SimpleUploadedFile(name, data)}, follow=True)


@pytest.fixture
def trusted_card(server_trusts_virtual_ca):
    """A function reading a virtual card's evidence, which the server trusts."""
    hierarchy = virtual_hierarchy()

    def read(card="demo"):
        agent = CardAgent(transport.create("virtual", {"card": card}), hierarchy.trust_store())
        return agent.read("1234", confirm_last_try=False, read_my_number=False)["evidence"]

    return read


def test_a_family_file_becomes_a_prepared_case_with_every_member(
    clerk_client, encryption_key, sample_catalog
):
    page = _upload(
        clerk_client, _file(_rows("A-0001", FAMILY), _rows("A-0002", FAMILY[:1]), encoding="cp932")
    )
    text = page.content.decode()
    assert "2 件の来庁予定を準備しました" in text
    case = Case.objects.get(arrival_ref="A-0001")
    assert (case.event_id, case.visit_date, case.visitor_name) == ("tennyu", date(2026, 12, 10), "窓口　一郎")
    assert case.number == f"{timezone.localdate(case.created_at):%Y}-{case.pk:06d}"  # as every other case's
    members = list(CasePerson.objects.filter(case=case).order_by("key"))
    assert [(m.key, m.name, m.zokugara, m.source) for m in members] == [
        ("p1", "窓口　一郎", "世帯主", "arrivals"),
        ("p2", "窓口　花子", "妻", "arrivals"),
        ("p3", "窓口　太郎", "子", "arrivals"),
        ("p4", "窓口　次子", "子", "arrivals"),
    ]
    assert not any(m.kana_confirmed for m in members)  # readings are confirmed by staff at the counter
    facts = dict(CaseFact.objects.filter(case=case).values_list("name", "value"))
    assert facts["move.date"] == "2026-12-05" and facts["move.from_address"] == "架空県ほか市1-1"
    assert facts["member.birth_date@p3"] == "2017-05-05"
    # The list shows both households; the case already lists procedures per member.
    listing = clerk_client.get(reverse("arrivals")).content.decode()
    assert "A-0001" in listing and "窓口　花子" in listing and "（4人）" in listing
    detail = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "子 太郎さん" in detail and "妻 花子さん" in detail
    # Importing the same file again prepares nothing twice.
    again = _upload(clerk_client, _file(_rows("A-0001", FAMILY))).content.decode()
    assert "0 件の来庁予定を準備しました" in again and "1 件は取り込み済み" in again
    assert Case.objects.filter(arrival_ref="A-0001").count() == 1
    assert AuditEvent.objects.filter(action="arrivals.import").count() == 2


def test_a_file_with_any_bad_row_imports_nothing_and_says_where(clerk_client, encryption_key, sample_catalog):
    bad = _rows("A-0003", [("青山　一", "", "2026-02-30", "男", "世帯主")])
    page = _upload(clerk_client, _file(_rows("A-0001", FAMILY), bad)).content.decode()
    assert Case.objects.count() == 0 and CasePerson.objects.count() == 0
    assert 'data-testid="arrivals-errors"' in page and "6行目" in page
    assert "Traceback" not in page and "ValueError" not in page
    missing = _upload(clerk_client, "受付番号,氏名\nA-1,青山　一\n".encode()).content.decode()
    assert Case.objects.count() == 0 and "生年月日" in missing
    nothing = clerk_client.post(reverse("arrivals-import"), follow=True).content.decode()
    assert "取り込むファイルを選んでください" in nothing


def test_the_card_read_opens_the_prepared_case_and_checks_the_four_items(
    clerk_client, encryption_key, sample_catalog, trusted_card
):
    # The card still shows the address the household moves from (its 住所変更 comes with this 届).
    origin = PROFILES["demo"].address
    _upload(clerk_client, _file(_rows("A-0001", FAMILY, origin=origin)))
    response = clerk_client.post(
        reverse("arrivals-card"), {"evidence": trusted_card()}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(arrival_ref="A-0001")
    assert response.json() == {
        "ok": True,
        "found": True,
        "redirect": reverse("case-detail", args=[case.number]),
    }
    case.refresh_from_db()
    assert case.arrived_at is not None
    assert CasePerson.objects.filter(case=case).count() == 5  # the four members and the card's 届出人
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert 'data-testid="arrival-check"' in page
    # Those moving in are not in this city's registry: no offer to set the household from it.
    assert 'data-testid="household-match"' not in page and 'data-testid="card-match"' not in page
    assert "一致しています" in page and "不一致" not in page
    listing = clerk_client.get(reverse("arrivals")).content.decode()
    assert "来庁済み" in listing


def test_a_record_that_differs_from_the_card_is_shown_and_not_merged(
    clerk_client, encryption_key, sample_catalog, trusted_card
):
    wrong_sex = [*FAMILY[:1], ("窓口　花子", "", "1985-04-15", "男", "妻")]
    _upload(clerk_client, _file(_rows("A-0009", wrong_sex)))
    clerk_client.post(reverse("arrivals-card"), {"evidence": trusted_card()}, content_type="application/json")
    case = Case.objects.get(arrival_ref="A-0009")
    page = clerk_client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "異なる項目があります" in page and "不一致" in page
    # The member keeps the record's value until the clerk corrects it.
    assert CasePerson.objects.get(case=case, key="p2").sex == "1"


def test_with_no_prepared_case_the_card_starts_a_new_tennyu(
    clerk_client, encryption_key, sample_catalog, trusted_card
):
    _upload(clerk_client, _file(_rows("A-0002", FAMILY[:1])))
    response = clerk_client.post(
        reverse("arrivals-card"), {"evidence": trusted_card()}, content_type="application/json"
    )
    body = response.json()
    assert body["found"] is False
    case = Case.objects.exclude(arrival_ref="A-0002").get()
    assert case.event_id == "tennyu" and body["redirect"] == reverse("case-detail", args=[case.number])
    assert CasePerson.objects.get(case=case, role="applicant").name == "窓口\u3000花子"


def test_broken_card_data_is_refused_with_a_message(clerk_client, encryption_key, sample_catalog):
    url = reverse("arrivals-card")
    response = clerk_client.post(url, {"evidence": {"ef0002": "%%%"}}, content_type="application/json")
    assert response.status_code == 400 and "確認できませんでした" in response.json()["message"]
    assert clerk_client.post(url, {"evidence": "x"}).status_code == 415


def test_finishing_the_prepared_tennyu_sends_one_idou_record_per_member(
    clerk_client, encryption_key, sample_catalog, tmp_path
):
    import subprocess

    def pdftotext(data: bytes, folder) -> str:
        path = folder / "bundle.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout

    from madoguchi.web.backoffice.models import Delivery

    _upload(clerk_client, _file(_rows("A-0001", FAMILY)))
    case = Case.objects.get(arrival_ref="A-0001")
    for fact in ("move.from_abroad", "move.tokurei"):
        clerk_client.post(reverse("case-answer", args=[case.number]), {"fact": fact, "value": "false"})
    # The 住民異動届 comes out with a row per member, the new address from the record; a row is corrected
    # on the form only (the member is corrected on the case page).
    listing = clerk_client.get(reverse("shinseisho-list", args=[case.number])).content.decode()
    assert "住民異動届" in listing
    detail = clerk_client.get(
        reverse("shinseisho-detail", args=[case.number, "juumin-idou"])
    ).content.decode()
    assert "世帯員4" in detail and "窓口　次子" in detail
    row = detail.split('data-testid="input-kana_3"')[1].split("</tr>")[0]
    assert "案件にも反映" not in row  # a row's correction stays on the form
    fix = clerk_client.post(
        reverse("shinseisho-correct", args=[case.number, "juumin-idou"]),
        {"field": "kana_3", "value": "マドグチ　タロウ"},
    )
    assert fix.status_code in (200, 302), fix.content.decode()[:500]
    assert CasePerson.objects.get(case=case, key="p3").kana == ""
    pdf = clerk_client.get(reverse("shinseisho-bundle", args=[case.number])).content
    text = "".join(pdftotext(pdf, tmp_path).split())
    for name, *_ in FAMILY:
        assert "".join(name.split()) in text
    assert "架空県みどり市本町2-3-4" in text and "マドグチタロウ" in text
    assert clerk_client.post(reverse("case-finish", args=[case.number])).status_code == 302
    records = Delivery.objects.filter(case=case, procedure_id="tennyu.tennyu-todoke").order_by(
        "idempotency_key"
    )
    assert [d.idempotency_key.rsplit(".", 1)[1] for d in records] == ["p1", "p2", "p3", "p4"]
    first, second = records[0].payload, records[1].payload
    assert (first["氏名"], first["続柄"], first["生年月日"]) == ("窓口　一郎", "世帯主", "1983-02-01")
    assert (second["氏名"], second["続柄"], second["性別"]) == ("窓口　花子", "妻", "女")
    for record in (first, second):
        assert record["転入前住所"] == "架空県ほか市1-1" and record["世帯主氏名"] == "窓口　一郎"
        assert (
            record["異動年月日"] == "2026-12-05"
            and record["世帯員数"] == "4"
            and record["異動事由"] == "転入"
        )
    # Finishing again after a reopen sends nothing twice.
    clerk_client.post(reverse("case-reopen", args=[case.number]))
    clerk_client.post(reverse("case-finish", args=[case.number]))
    assert Delivery.objects.filter(case=case, procedure_id="tennyu.tennyu-todoke").count() == 4
