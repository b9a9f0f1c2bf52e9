"""Languages of the resident pages: 日本語 (ja), やさしい日本語 (easy) and English (en).

Interface strings live here (a resident page has few, and the three versions are easier to review side by side
than in .po files). Catalog texts come from the catalog: ``ja`` uses the staff wording addressed to the
family, ``easy`` the fact's ``resident_question`` (やさしい日本語 with furigana), other languages the fact's
``i18n`` translations; a missing translation falls back to Japanese, marked ``lang="ja"`` in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from madoguchi.preentry.furigana import pieces, plain

LANGUAGES = {"ja": "日本語", "easy": "やさしい にほんご", "en": "English"}
HTML_LANG = {"ja": "ja", "easy": "ja", "en": "en"}
DEFAULT = "easy"

UI: dict[str, dict[str, str]] = {
    "site": {"ja": "手続きの事前入力", "easy": "てつづきの じゅんび", "en": "Prepare your visit"},
    "choose_event": {
        "ja": "どの手続きの準備をしますか。",
        "easy": "どの てつづきの じゅんびを しますか。",
        "en": "What do you need to do?",
    },
    "intro": {
        "ja": "質問に答えると、必要な手続きと持ち物がわかります。最後に表示されるコードを窓口で見せてください。"
        "マイナンバー（個人番号）や氏名は入力しません。",
        "easy": "しつもんに こたえると、ひつような てつづきと もちものが わかります。さいごに でる コードを"
        " まどぐちで 見せて ください。マイナンバーや なまえは 入れません。",
        "en": "Answer a few questions to see which procedures apply and what to bring. Show the code you get at"
        " the end at the counter. You will not be asked for your name or My Number.",
    },
    "start": {"ja": "はじめる", "easy": "はじめる", "en": "Start"},
    "language": {"ja": "言語", "easy": "ことば", "en": "Language"},
    "yes": {"ja": "はい", "easy": "はい", "en": "Yes"},
    "no": {"ja": "いいえ", "easy": "いいえ", "en": "No"},
    "next": {"ja": "次へ", "easy": "つぎへ", "en": "Next"},
    "back": {
        "ja": "前の質問に戻る",
        "easy": "まえの しつもんに もどる",
        "en": "Back to the previous question",
    },
    "unknown": {"ja": "わからない", "easy": "わからない", "en": "I don't know"},
    "unknown_hint": {
        "ja": "「わからない」を選ぶと、窓口で一緒に確認します。",
        "easy": "「わからない」を えらぶと、まどぐちで いっしょに たしかめます。",
        "en": "If you choose “I don't know”, the counter staff will check it with you.",
    },
    "date_hint": {
        "ja": "カレンダーから選ぶか、年・月・日を数字で入力してください。",
        "easy": "カレンダーから えらぶか、年・月・日を すうじで 入れて ください。",
        "en": "Pick the date from the calendar or type year, month and day.",
    },
    "answer": {"ja": "回答", "easy": "こたえ", "en": "Answer"},
    "summary": {
        "ja": "必要な手続きと持ち物",
        "easy": "ひつような てつづきと もちもの",
        "en": "Procedures and what to bring",
    },
    "procedures_found": {
        "ja": "これまでにわかった手続き",
        "easy": "いままでに わかった てつづき",
        "en": "Procedures found so far",
    },
    "to_check": {
        "ja": "窓口で確認する手続き",
        "easy": "まどぐちで たしかめる てつづき",
        "en": "Procedures the counter will check with you",
    },
    "documents": {"ja": "持ち物", "easy": "もちもの", "en": "Bring"},
    "deadline": {"ja": "期限", "easy": "きげん", "en": "Deadline"},
    "where": {"ja": "窓口", "easy": "まどぐち", "en": "Where"},
    "none_yet": {"ja": "まだありません。", "easy": "まだ ありません。", "en": "None yet."},
    "print": {"ja": "印刷する", "easy": "いんさつ する", "en": "Print"},
    "pdf": {"ja": "PDFで保存", "easy": "PDFで ほぞん", "en": "Save as PDF"},
    "make_code": {
        "ja": "窓口に渡すコードを作る",
        "easy": "まどぐちに わたす コードを つくる",
        "en": "Get a code for the counter",
    },
    "code_title": {
        "ja": "窓口でこのコードを見せてください",
        "easy": "まどぐちで この コードを 見せて ください",
        "en": "Show this code at the counter",
    },
    "code_label": {"ja": "受付コード", "easy": "うけつけ コード", "en": "Hand-off code"},
    "qr_alt": {
        "ja": "受付コードのQRコード（個人情報は入っていません）",
        "easy": "うけつけ コードの QRコード（こじん じょうほうは 入って いません）",
        "en": "QR code of the hand-off code (it holds no personal data)",
    },
    "expires": {"ja": "有効期限: {when}", "easy": "つかえる きげん: {when}", "en": "Valid until {when}"},
    "code_note": {
        "ja": "コードは一度だけ使えます。期限を過ぎると、入力した内容は自動で消えます。",
        "easy": "コードは 1かい だけ つかえます。きげんが すぎると、入れた ことは 自動で きえます。",
        "en": "The code works once. After the date above, what you entered is deleted automatically.",
    },
    "restart": {"ja": "最初からやり直す", "easy": "さいしょから やりなおす", "en": "Start again"},
    "throttled": {
        "ja": "アクセスが多すぎます。しばらくしてからもう一度お試しください。",
        "easy": "アクセスが おおすぎます。すこし まってから もういちど ためして ください。",
        "en": "Too many requests. Please wait a little and try again.",
    },
    "busy": {
        "ja": "ただいま混み合っています。時間をおいてお試しください。",
        "easy": "いま こんで います。あとで ためして ください。",
        "en": "The service is busy. Please try again later.",
    },
    "too_fast": {
        "ja": "もう一度「窓口に渡すコードを作る」を押してください。",
        "easy": "もういちど「まどぐちに わたす コードを つくる」を おして ください。",
        "en": "Please press “Get a code for the counter” again.",
    },
    "visit_over": {
        "ja": "この入力からは、もうコードを作れません（すでにコードを作ったか、時間がたちすぎています）。"
        "作ったコードは「必要な手続きと持ち物」のページで確認できます。見つからないときは、最初から入力し直してください。",
        "easy": "この 入力からは もう コードを つくれません（もう コードを つくったか、じかんが たちすぎて います）。"
        "つくった コードは「ひつような てつづきと もちもの」の ページで 見られます。"
        "見つからない ときは、さいしょから 入れなおして ください。",
        "en": "No more codes can be made from this entry (a code was already made from it, or it is too old). "
        "A code you made is shown on “Procedures and what to bring”. If it is not there, please start again.",
    },
    "no_answers": {
        "ja": "まだ回答がありません。",
        "easy": "まだ こたえが ありません。",
        "en": "No answers yet.",
    },
    "your_answers": {"ja": "あなたの回答", "easy": "あなたの こたえ", "en": "Your answers"},
    "screen_title": {"ja": "お客様画面", "easy": "おきゃくさま がめん", "en": "Your screen"},
    "screen_pair": {
        "ja": "職員の画面に表示された6けたの番号を入力してください。",
        "easy": "しょくいんの がめんに でている 6けたの ばんごうを 入れて ください。",
        "en": "Enter the 6-digit number shown on the clerk's screen.",
    },
    "pair_code": {"ja": "接続番号", "easy": "せつぞく ばんごう", "en": "Pairing number"},
    "connect": {"ja": "接続する", "easy": "つなぐ", "en": "Connect"},
    "bad_pair": {
        "ja": "番号が違うか、期限が切れています。",
        "easy": "ばんごうが ちがうか、きげんが きれて います。",
        "en": "That number is wrong or has expired.",
    },
    "all_done": {
        "ja": "質問は以上です。ありがとうございました。",
        "easy": "しつもんは これで おわりです。ありがとう ございました。",
        "en": "That was the last question. Thank you.",
    },
    "clerk_answers": {
        "ja": "職員が入力します。",
        "easy": "しょくいんが 入力します。",
        "en": "The clerk will enter the answer.",
    },
    "ended": {
        "ja": "接続は終了しました。",
        "easy": "せつぞくは おわりました。",
        "en": "This screen has been disconnected.",
    },
    "kiosk_title": {"ja": "記載台（セルフ受付）", "easy": "じぶんで うけつけ", "en": "Self-service"},
    "receipt": {"ja": "受付番号", "easy": "うけつけ ばんごう", "en": "Receipt number"},
    "receipt_note": {
        "ja": "この番号でお呼びします。番号札を持って、お待ちください。",
        "easy": "この ばんごうで よびます。ばんごうの かみを もって、まって ください。",
        "en": "We will call this number. Please keep it and wait.",
    },
    "finish": {
        "ja": "入力を終えて受付する",
        "easy": "おわって うけつけ する",
        "en": "Finish and join the queue",
    },
    "new_visitor": {"ja": "次の方へ", "easy": "つぎの 人へ", "en": "Next visitor"},
    "no_data_note": {
        "ja": "この画面には氏名などの個人情報は表示されません。",
        "easy": "この がめんには なまえなどは でません。",
        "en": "No names or other personal details are shown here.",
    },
    "bad_value": {
        "ja": "入力を確認してください。",
        "easy": "入れた ことを たしかめて ください。",
        "en": "Please check your answer.",
    },
    "not_found": {"ja": "ページが見つかりません。", "easy": "ページが ありません。", "en": "Page not found."},
    # Japanese (ja, easy): madoguchi.guide.deadline_phrase, from the catalog's labels.
    "days_deadline": {"en": "within {period}"},
}


def t(key: str, lang: str, **kw: Any) -> str:
    entry = UI[key]
    text = entry.get(lang) or entry["ja"]
    return text.format(**kw) if kw else text


class Strings:
    """Template access: ``{{ s.start }}``."""

    def __init__(self, lang: str):
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return t(key, self.lang)

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return t(key, self.lang)
        except KeyError:
            raise AttributeError(key) from None


def choose(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT


@dataclass
class Text:
    """A catalog text in one language: pieces for ruby, and the language it is really in."""

    pieces: tuple[tuple[str, str | None], ...]
    lang: str  # html lang of the text itself (a fallback to Japanese says "ja")

    @property
    def plain(self) -> str:
        return "".join(p for p, _ in self.pieces)

    def __str__(self) -> str:
        return self.plain


def _translation(obj: Any, lang: str) -> dict[str, Any]:
    i18n = getattr(obj, "i18n", None) or {}
    entry = i18n.get(lang)
    if entry is None:
        return {}
    return entry if isinstance(entry, dict) else entry.model_dump(exclude_none=True)


def _ruby(text: str, furigana: bool) -> tuple[tuple[str, str | None], ...]:
    return pieces(text) if furigana else ((plain(text), None),)


def fact_question(fact: Any, lang: str, furigana: bool = True) -> Text:
    tr = _translation(fact, lang)
    if tr.get("question"):
        return Text(_ruby(tr["question"], furigana and lang in ("ja", "easy")), HTML_LANG.get(lang, lang))
    if lang == "ja":
        return Text(_ruby(fact.question or fact.resident_question or fact.label, furigana), "ja")
    # easy, and the fallback of every other language: the plain-language text for residents.
    return Text(_ruby(fact.resident_question or fact.question or fact.label, furigana), "ja")


def fact_help(fact: Any, lang: str) -> Text | None:
    tr = _translation(fact, lang)
    if tr.get("help"):
        return Text(((tr["help"], None),), HTML_LANG.get(lang, lang))
    if lang == "ja" and fact.help:
        return Text(((fact.help, None),), "ja")
    return None


def fact_label(fact: Any, lang: str) -> Text:
    tr = _translation(fact, lang)
    if tr.get("label"):
        return Text(((tr["label"], None),), HTML_LANG.get(lang, lang))
    return Text(((fact.label, None),), "ja")


def choice_labels(fact: Any, lang: str) -> list[tuple[str, Text]]:
    tr = _translation(fact, lang).get("choices") or {}
    out = []
    for value, label in fact.choice_values.items():
        if tr.get(value):
            out.append((value, Text(((tr[value], None),), HTML_LANG.get(lang, lang))))
        else:
            out.append((value, Text(_ruby(label, lang == "easy"), "ja")))
    return out


def procedure_text(proc: Any, lang: str) -> dict[str, Any]:
    tr = _translation(proc, lang)
    html = HTML_LANG.get(lang, lang)
    easy = lang == "easy"
    return {
        "name": Text(((tr["name"], None),), html) if tr.get("name") else Text(_ruby(proc.name, easy), "ja"),
        "why": Text(((tr["why"], None),), html) if tr.get("why") else Text(((proc.why, None),), "ja"),
        "documents": [Text(((d, None),), html) for d in tr["documents"]]
        if tr.get("documents")
        else [Text(((d, None),), "ja") for d in proc.documents],
    }
