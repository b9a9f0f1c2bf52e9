"""The audit log in words an auditor reads: each action's Japanese name and its details as 「手続き: 国民健康保険の
資格喪失届」, with catalog ids turned into the catalog's names. The stored rows and the CSV keep the codes (they
are what a search or another system matches on); the page shows these texts."""

from __future__ import annotations

from typing import Any

from madoguchi.web.backoffice.models import Task
from madoguchi.web.counter.models import CaseFact, ProcedureMark

# Groups for the page's filter: a stored action starts with its group's prefix.
ACTION_GROUPS = {
    "case.": "案件",
    "card.": "マイナンバーカード",
    "registry.": "住民記録",
    "forms.": "申請書",
    "sheet.": "案内票",
    "task": "担当課のタスク",
    "delivery.": "基幹システム連携",
    "preentry.": "事前入力",
    "screen.": "お客様画面",
    "kiosk.": "セルフ端末",
    "arrivals.": "引越しワンストップ",
    "auth.": "ログイン",
    "audit.": "監査ログ",
    "admin.": "管理画面",
    "api": "連携API",
}

ACTION_LABELS = {
    "admin.change": "管理画面で変更",
    "admin.read": "管理画面を表示",
    "api.case.read": "連携APIで案件を読み出し",
    "api.task.read": "連携APIでタスクを読み出し",
    "api_token.issue": "連携APIのトークンを発行",
    "arrivals.import": "転入予定の取り込み",
    "arrivals.refused": "転入予定の取り込みを拒否",
    "audit.export": "監査ログをCSVで書き出し",
    "audit.view": "監査ログを表示",
    "auth.login": "ログイン",
    "auth.login_failed": "ログインに失敗",
    "auth.logout": "ログアウト",
    "card.my_number.refused": "カードの個人番号の表示を拒否",
    "card.my_number.view": "カードの個人番号を表示",
    "card.read": "マイナンバーカードを読み取り",
    "card.rejected": "カードの読み取り結果を拒否",
    "card.reverify": "カードの署名を再検証",
    "case.answer": "回答を記録",
    "case.create": "案件を作成",
    "case.fact_override": "住民記録・カードの値を理由つきで変更",
    "case.cancel": "案件を取りやめ",
    "case.finish": "聞き取りを終了",
    "case.forget": "回答を取り消し",
    "case.mark": "手続きの予定を記録",
    "case.note": "手続きのメモを記録",
    "case.person": "人の情報を記録",
    "case.person_remove": "人を案件から外す",
    "case.reopen": "案件を再開",
    "case.view": "案件を表示",
    "delivery.dead": "基幹連携を停止（再送待ち）",
    "delivery.delivered": "基幹システムへ連携済み",
    "delivery.queue": "基幹連携を登録",
    "delivery.resend": "基幹連携を再送",
    "delivery.view": "基幹連携を表示",
    "forms.correct": "申請書の値を訂正",
    "forms.list": "申請書の一覧を表示",
    "forms.needed": "申請書を必要に戻す",
    "forms.not_needed": "申請書を不要にする",
    "forms.preview": "申請書を表示",
    "forms.print": "申請書を印刷",
    "forms.view": "申請書を表示",
    "kiosk.call": "セルフ端末から呼び出し",
    "kiosk.finish": "セルフ端末の入力を完了",
    "my_number.rate_limit_alert": "個人番号の表示回数が上限に到達",
    "preentry.import": "事前入力を取り込み",
    "preentry.not_found": "事前入力の番号が見つからない",
    "preentry.throttled": "事前入力の番号の打ち間違いが上限に到達",
    "registry.attach": "住民記録から人を補う",
    "registry.attach_household": "住民記録から世帯を補う",
    "registry.household": "世帯を表示",
    "registry.import": "住民記録を取り込み",
    "registry.import_failed": "住民記録の取り込みに失敗",
    "registry.my_number.refused": "住民記録の個人番号の表示を拒否",
    "registry.my_number.view": "住民記録の個人番号を表示",
    "registry.search": "住民記録を検索",
    "resident.my_number": "住民の個人番号を表示",
    "retention.purge": "保存期間を過ぎた記録を削除",
    "routing.rule_disabled": "回付ルールを停止",
    "screen.allow": "お客様の回答を許可",
    "screen.end": "お客様画面の接続を終了",
    "screen.paired": "お客様画面を接続",
    "screen.start": "お客様画面の接続を開始",
    "settings.check": "設定を確認",
    "sheet.pdf": "案内票をPDFで出力",
    "sheet.view": "案内票を表示",
    "staff.departments": "職員の担当課を変更",
    "task.form": "タスクの申請書を表示",
    "task.update": "タスクの状態を変更",
    "task.view": "タスクを表示",
    "tasks.create": "担当課へタスクを送付",
    "tasks.withdraw": "担当課のタスクを取り下げ",
}

DETAIL_LABELS = {
    "already": "取り込み済み",
    "allow": "許可",
    "auto": "自動",
    "persons": "人",
    "arrival": "来庁予定",
    "attempt": "試行",
    "attempts": "試行回数",
    "encoding": "文字コード",
    "errors": "エラー件数",
    "households": "世帯数",
    "prefix": "トークンの先頭",
    "residents": "住民数",
    "rows": "行数",
    "ask": "質問",
    "by": "実行者",
    "cases": "案件数",
    "content_type": "形式",
    "days": "日数",
    "departments": "担当課",
    "error": "エラー",
    "event": "出来事",
    "fact": "項目",
    "facts": "項目",
    "field": "欄",
    "filename": "ファイル名",
    "filled": "記入した欄",
    "filters": "絞り込み",
    "form": "申請書",
    "forms": "申請書",
    "household": "世帯",
    "ignored": "取り込まなかった件数",
    "imported": "取り込んだ件数",
    "key": "連携キー",
    "keys": "連携キー",
    "limit": "上限",
    "method": "方法",
    "name": "名前",
    "number": "番号",
    "numbers": "番号",
    "origin": "元",
    "path": "画面",
    "person": "人",
    "plan": "予定",
    "prepared": "準備した件数",
    "problems": "問題",
    "procedure": "手続き",
    "procedures": "手続き",
    "reading": "読み取り",
    "reason": "理由",
    "reason_name": "理由",
    "receipt": "受領",
    "resident": "住民",
    "results": "件数",
    "reveals": "表示回数",
    "role": "役割",
    "rule": "回付ルール",
    "signature": "署名",
    "source": "情報源",
    "state": "状態",
    "status": "状態",
    "target": "送信先",
    "task": "タスク番号",
    "test_mode": "試験モード",
    "typed": "入力",
    "unknown": "不明",
    "user": "利用者",
    "username": "利用者名",
    "via": "経路",
    "window_seconds": "期間（秒）",
    "written_back": "書き戻し",
    # the audit page's own filters
    "action": "操作",
    "case": "案件番号",
    "from": "期間の始め",
    "to": "期間の終わり",
    "q": "検索語",
}

# Coded values of a few keys, in words (the mark's plan, the fact's source, how a change came in).
VALUE_WORDS = {
    "plan": dict(ProcedureMark.Plan.choices),
    "source": dict(CaseFact.Source.choices),
    "via": {"api": "連携API", "counter": "窓口"},
    "status": dict(Task.Status.choices),
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    for prefix, group in ACTION_GROUPS.items():
        if action.startswith(prefix):
            return f"{group}の操作"
    return "その他の操作"


def detail_items(detail: Any, catalog) -> list[tuple[str, str]]:
    """(label, text) pairs for one row's details; catalog ids become names."""
    if not isinstance(detail, dict):
        return [("内容", _word(detail, None, catalog))] if detail not in (None, "", [], {}) else []
    return [(DETAIL_LABELS.get(key, "その他"), _text(key, value, catalog)) for key, value in detail.items()]


def _text(key: str, value: Any, catalog) -> str:
    if isinstance(value, dict):
        return "、".join(f"{DETAIL_LABELS.get(k, 'その他')}={_text(k, v, catalog)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_word(v, key, catalog) for v in value) or "なし"
    return _word(value, key, catalog)


def _word(value: Any, key: str | None, catalog) -> str:
    if value is None:
        return "なし"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    text = str(value)
    if key in ("procedure", "procedures") and text in catalog.procedures:
        return catalog.procedures[text].name
    if key in ("fact", "facts", "ask") and text in catalog.facts:
        return catalog.facts[text].label
    if key == "event" and text in catalog.events:
        return catalog.events[text].name
    if key in ("departments", "department") and text in catalog.departments:
        return catalog.departments[text].name
    if key in ("form", "forms"):
        named = [p.name for p in catalog.procedures.values() if p.form == text]
        return f"{named[0]}の申請書" if named else text
    if key == "target" and text in catalog.delivery_targets:
        return catalog.delivery_targets[text].name
    if key == "action":
        return next((g for p, g in ACTION_GROUPS.items() if text == p), action_label(text))
    return VALUE_WORDS.get(key or "", {}).get(text, text)
