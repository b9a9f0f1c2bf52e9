from __future__ import annotations

import datetime

import pytest
from card_testdata import ADDRESS, NAME, NUMBER

from madoguchi.card import builder, gaiji, records, tlv
from madoguchi.card.errors import CardDataError
from madoguchi.card.mynumber import check_digit, is_valid, mask

# --- TLV ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "tag", "value_start", "end"),
    [
        (bytes.fromhex("DF2103414243"), 0xDF21, 3, 6),
        (bytes.fromhex("DF21810341424344"), 0xDF21, 4, 7),
        (bytes.fromhex("DF2182000341424344"), 0xDF21, 5, 8),  # non-minimal long form is legal here
        (bytes.fromhex("9003010001"), 0x90, 2, 5),
        (bytes.fromhex("7F2100"), 0x7F21, 3, 3),
    ],
)
def test_tlv_short_and_long_lengths(data, tag, value_start, end):
    t = tlv.read_tlv(data, 0)
    assert (t.tag, t.start, t.value_start, t.end) == (tag, 0, value_start, end)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "end of data"),
        (bytes.fromhex("DF"), "tag runs past"),
        (bytes.fromhex("DF21"), "length missing"),
        (bytes.fromhex("DF2180"), "indefinite"),
        (bytes.fromhex("DF2183000001"), "unsupported length form"),
        (bytes.fromhex("DF2182"), "length bytes run past"),
        (bytes.fromhex("DF210541"), "runs past end"),
        (bytes.fromhex("DFFFFF01"), "longer than 3"),
    ],
)
def test_tlv_errors_say_where(data, fragment):
    with pytest.raises(CardDataError) as exc:
        tlv.read_tlv(data, 0, file="0002")
    assert fragment in exc.value.message
    assert "EF 0002" in exc.value.message


@pytest.mark.parametrize("filler", [b"", b"\xff\xff", b"\x00\x00\x00", b"\xff\x00\xff"])
def test_filler_after_object(filler):
    top = tlv.read_top(bytes.fromhex("FF1001") + b"A" + filler, 0xFF10, file="0001")
    assert top.end == 4


def test_garbage_after_object_is_an_error():
    with pytest.raises(CardDataError) as exc:
        tlv.read_top(bytes.fromhex("FF100141FF41"), 0xFF10, file="0001")
    assert exc.value.offset == 5


@pytest.mark.parametrize("data", [b"", b"\xff" * 17, b"\x00" * 4])
def test_empty_or_only_filler(data):
    with pytest.raises(CardDataError):
        tlv.read_top(data, 0xFF10, file="0001")


def test_object_size_partial_headers():
    assert tlv.object_size(b"") is None
    assert tlv.object_size(b"\xff") is None
    assert tlv.object_size(b"\xff\x20") is None
    assert tlv.object_size(b"\xff\x20\x82\x01") is None
    assert tlv.object_size(b"\xff\x20\x82\x01\x00") == 5 + 256
    assert tlv.object_size(b"\x7f\x21\x05") == 8


# --- 個人番号 --------------------------------------------------------------------------------------------


def test_check_digit_worked_example():
    assert check_digit("12345678901") == 8
    assert is_valid("123456789018")
    assert not is_valid("123456789017")
    assert not is_valid("12345678901")
    assert not is_valid("１２３４５６７８９０１８")
    assert mask("123456789018") == "********9018"


def test_parse_my_number(card_files):
    n = records.parse_my_number(card_files["ef1"])
    assert n.reveal() == NUMBER
    assert NUMBER not in repr(n) and NUMBER not in str(n)
    assert len(card_files["ef1"]) == 17


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (builder.tlv(0xFF10, b"123456789017") + b"\xff\xff", "check digit"),
        (builder.tlv(0xFF10, b"12345678901") + b"\xff\xff", "12 bytes"),
        (builder.tlv(0xFF10, b"12345678901A") + b"\xff\xff", "non-digit"),
        (builder.tlv(0xFF20, b"123456789018"), "expected tag FF10"),
    ],
)
def test_bad_my_number(raw, fragment):
    with pytest.raises(CardDataError) as exc:
        records.parse_my_number(raw)
    assert fragment in exc.value.message
    assert "123456789018" not in exc.value.message


# --- 基本4情報 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["auto", "81", "82"])
def test_attributes_outer_length_forms(form):
    raw = builder.attributes_file(NAME, ADDRESS, "19900401", "1", outer_form=form, filler=b"\xff" * 5)
    a = records.parse_attributes(raw)
    assert a.name == NAME
    assert (a.family_name, a.given_name) == ("試験", "太郎")
    assert a.address == ADDRESS
    assert a.birth_date == datetime.date(1990, 4, 1)
    assert a.sex == "1" and a.sex_label == "男"
    assert a.digest_source.startswith(bytes.fromhex("DF22"))
    assert a.warnings == ()


def test_attributes_short_outer_form():
    raw = builder.attributes_file("甲\u3000乙", "架空県", "20000101", "2", outer_form="short")
    assert raw[2] < 0x80
    assert records.parse_attributes(raw).given_name == "乙"


def test_offset_table_is_checked_not_trusted():
    raw = bytearray(builder.attributes_file(NAME, ADDRESS, "19900401", "1"))
    i = raw.index(bytes.fromhex("DF2108")) + 3 + 2  # the DF23 offset
    raw[i + 1] ^= 0x01
    with pytest.raises(CardDataError) as exc:
        records.parse_attributes(bytes(raw))
    assert "offset table says tag DF23" in exc.value.message
    assert exc.value.tag == 0xDF21


def _attrs(name=NAME, address=ADDRESS, birth="19900401", sex="1"):
    return builder.attributes_file(name, address, birth, sex)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (_attrs(birth="19900231"), "not a valid date"),
        (_attrs(birth="1990041"), "8 ASCII digits"),
        (_attrs(sex="M"), "one ASCII digit"),
        (_attrs(name="\u3000"), "empty"),
        (_attrs(name="a\x00b"), "control character"),
        (_attrs().replace("試験".encode(), b"\xe8\xa9\xa6\xff\xfe\xff"), "not valid UTF-8"),
        (builder.tlv(0xFF20, builder.tlv(0xDF21, b"\x00" * 8)), "tag DF22 missing"),
        (builder.tlv(0xFF20, builder.tlv(0xDF22, b"x")), "expected tag DF21"),
    ],
)
def test_bad_attributes(raw, fragment):
    with pytest.raises(CardDataError) as exc:
        records.parse_attributes(raw)
    assert fragment in exc.value.message
    assert "EF 0002" in exc.value.message


def test_unknown_sex_code_is_a_warning():
    a = records.parse_attributes(_attrs(sex="3"))
    assert a.sex == "3" and a.sex_label == "不明"
    assert any("性別" in w for w in a.warnings)


def test_name_without_ideographic_space():
    a = records.parse_attributes(_attrs(name="JOHN SMITH"))
    assert (a.family_name, a.given_name) == ("JOHN SMITH", "")
    assert any("U+3000" in w for w in a.warnings)


def test_unknown_extra_tag_is_a_warning():
    # An extra DF26 after DF25 (e.g. a future フリガナ field): read, flagged, still covered by DF32.
    base = _attrs()
    top = tlv.read_tlv(base, 0)
    value = top.value(base) + builder.tlv(0xDF26, "シケン".encode())
    raw = builder.tlv(0xFF20, value, "82")
    with pytest.raises(CardDataError):
        records.parse_attributes(raw)  # the header grew, the table no longer matches: refused
    delta = len(raw) - len(base) - len(builder.tlv(0xDF26, "シケン".encode()))
    table_pos = raw.index(bytes.fromhex("DF2108")) + 3
    offsets = [
        int.from_bytes(raw[table_pos + 2 * i : table_pos + 2 * i + 2], "big") + delta for i in range(4)
    ]
    raw = raw[:table_pos] + b"".join(o.to_bytes(2, "big") for o in offsets) + raw[table_pos + 8 :]
    a = records.parse_attributes(raw)
    assert any("DF26" in w for w in a.warnings)


# --- 外字 ---------------------------------------------------------------------------------------------


def test_gaiji_flags_without_replacing():
    text = "葛\U000e0100城\u3000𠮷\ue000〓"
    warnings = gaiji.find(text, "氏名")
    joined = "\n".join(warnings)
    assert "U+845B U+E0100" in joined
    assert "U+E000" in joined and "U+3013" in joined
    assert "U+20BB7" in joined  # outside the default repertoire
    assert len(warnings) == 4


def test_gaiji_repertoire_is_pluggable():
    rep = gaiji.CodepointRepertoire(map(ord, "試験太郎"), name="test")
    assert gaiji.find("試験\u3000太郎", "氏名", rep) == [
        "氏名: 「\u3000」 (U+3000) — 外字の可能性 (not in test)。券面と照合してください / confirm against the card face"
    ]
    assert gaiji.find("試験", "氏名", gaiji.AnyRepertoire()) == []
    assert gaiji.find(
        "𠮷", "氏名", gaiji.CodecRepertoire()
    )  # not in JIS X 0213 via euc_jis_2004? then flagged


def test_default_repertoire_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv(gaiji.FONT_ENV, str(tmp_path / "missing.ttf"))
    assert isinstance(gaiji.default_repertoire(), gaiji.CodecRepertoire)


# --- EF 0003 / 0004 ------------------------------------------------------------------------------------


def test_integrity_and_certificate_layout(card_files, hierarchy):
    ef3, ef4 = card_files["ef3"], card_files["ef4"]
    assert len(ef3) == 336 and ef3[:5] == bytes.fromhex("FF3082014B")
    assert len(ef4) == 568 and ef4[:5] == bytes.fromhex("7F21820233")
    rec = records.parse_integrity(ef3)
    assert len(rec.signed_data) == 70 and rec.signed_data[:3] == bytes.fromhex("DF3120")
    cert = records.parse_certificate(ef4)
    assert len(cert.body) == 297
    assert cert.issuer.raw == hierarchy.ca_key_id and cert.issuer.is_test
    assert str(cert.issuer) == "6000999-0805-001-00000000"
    assert cert.exponent == 65537


def test_bad_integrity_record():
    raw = builder.tlv(0xFF30, builder.tlv(0xDF31, b"\x00" * 31) + builder.tlv(0xDF32, b"\x00" * 32))
    with pytest.raises(CardDataError) as exc:
        records.parse_integrity(raw)
    assert "EF 0003" in exc.value.message


def test_bad_certificate_modulus(card_files):
    raw = bytearray(card_files["ef4"])
    body = records.parse_certificate(bytes(raw)).body
    start = bytes(raw).index(body) + 32 + 5 + 4  # first modulus byte
    raw[start] = 0x00  # top bit cleared: not 2048 bits
    with pytest.raises(CardDataError) as exc:
        records.parse_certificate(bytes(raw))
    assert "2048" in exc.value.message
