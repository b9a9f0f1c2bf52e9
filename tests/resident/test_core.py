"""The pure core: tokens and codes, sealing, QR, furigana."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from madoguchi.preentry import furigana, qr, sealing, tokens


def test_tokens_are_long_random_and_alphanumeric():
    seen = {tokens.new_token() for _ in range(200)}
    assert len(seen) == 200
    for t in seen:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", t)
    code = tokens.new_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", code)
    assert tokens.format_code(code) == f"{code[:5]}-{code[5:]}"
    assert re.fullmatch(r"\d{6}", tokens.new_pairing_code())


@pytest.mark.parametrize(
    "typed",
    ["abcde-fghjk", "ＡＢＣＤＥ－ＦＧＨＪＫ", " ABCDE FGHJK ", "abcdefghjk"],
)
def test_normalize_accepts_how_clerks_type(typed):
    assert tokens.normalize(typed) == "ABCDEFGHJK"


def test_normalize_folds_misreadings_and_rejects_junk():
    assert tokens.normalize("O0I1L-ABCDE") == "00111ABCDE"
    token = tokens.new_token()
    assert tokens.normalize(tokens.qr_payload(token)) == token
    assert tokens.normalize("mdg1:" + token.lower()) == token
    for junk in ["", "ABC", "ABCDE-FGHJ!", "x" * 101, "ABCDEFGHJKL", None, 5]:
        assert tokens.normalize(junk) is None


def test_digest_is_stable_and_not_the_value():
    code = tokens.new_code()
    assert tokens.digest(code) == tokens.digest(code)
    assert code not in tokens.digest(code) and len(tokens.digest(code)) == 64


def test_seal_round_trip_and_binding():
    key = sealing.key_from(None, "secret")
    blob = sealing.seal(key, {"answers": {"a.b": True}}, "aad-1")
    assert b"a.b" not in blob
    assert sealing.unseal(key, blob, "aad-1") == {"answers": {"a.b": True}}
    with pytest.raises(sealing.SealError):
        sealing.unseal(key, blob, "aad-2")  # copied into another row
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealing.key_from(None, "other"), blob, "aad-1")
    with pytest.raises(sealing.SealError):
        sealing.unseal(key, b"\x01short", "aad-1")


def test_explicit_key_must_be_32_bytes():
    import base64

    assert len(sealing.key_from(base64.b64encode(b"k" * 32).decode(), "x")) == 32
    with pytest.raises(sealing.SealError):
        sealing.key_from(base64.b64encode(b"short").decode(), "x")
    with pytest.raises(sealing.SealError):
        sealing.key_from("not base64!!", "x")


def test_qr_holds_only_the_token():
    token = tokens.new_token()
    uri = qr.svg_data_uri(tokens.qr_payload(token))
    assert uri.startswith("data:image/svg+xml")
    svg = urllib.parse.unquote(uri.split(",", 1)[1])
    assert "<svg" in svg and token not in svg  # drawn as modules, not text


def test_furigana_markup_wins_and_plain_strips_it():
    assert furigana.pieces("世帯主《せたいぬし》です") == (("世帯主", "せたいぬし"), ("です", None))
    assert furigana.pieces("｜住民票《じゅうみんひょう》の") == (("住民票", "じゅうみんひょう"), ("の", None))
    assert furigana.plain("世帯主《せたいぬし》です") == "世帯主です"
    assert furigana.pieces("") == ()


def test_furigana_guesses_readings_when_pykakasi_is_installed():
    pytest.importorskip("pykakasi")
    got = dict(p for p in furigana.pieces("健康保険は どれですか。") if p[1])
    assert got == {"健康保険": "けんこうほけん"}
    # Okurigana stays outside the ruby.
    assert ("重", "おも") in furigana.pieces("重い")


def test_file_rate_limit_counts_exactly_across_threads(settings, tmp_path):
    import threading

    from madoguchi.web.resident import ratelimit

    settings.RATELIMIT_DIR = str(tmp_path)
    results: list[bool] = []
    lock = threading.Lock()

    def worker():
        for _ in range(25):
            ok = ratelimit.hit("t", "client", 30, 3600)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 30 and results.count(False) == 70
    assert ratelimit.hit("t", "other-client", 30, 3600)
