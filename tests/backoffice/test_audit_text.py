"""Every audit action and detail written anywhere in the shell has words on the audit page (#12 item 6): a new
``audit(...)`` call with a new key fails here instead of showing 「その他」 to the auditor."""

from __future__ import annotations

import ast
from pathlib import Path

from madoguchi.web.backoffice import audit_text

WEB = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "web"


def audit_calls():
    for path in sorted(WEB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "audit"
            ):
                yield path.relative_to(WEB), node


def test_every_action_and_detail_key_has_words():
    missing_actions, missing_keys = set(), set()
    for path, call in audit_calls():
        if len(call.args) > 1 and isinstance(call.args[1], ast.Constant):
            if call.args[1].value not in audit_text.ACTION_LABELS:
                missing_actions.add(f"{path}: {call.args[1].value}")
        for kw in call.keywords:
            if kw.arg and kw.arg != "case" and kw.arg not in audit_text.DETAIL_LABELS:
                missing_keys.add(f"{path}: {kw.arg}")
    assert not missing_actions and not missing_keys, sorted(missing_actions | missing_keys)


def test_details_read_as_words():
    class Catalog:
        procedures, facts, events, departments, delivery_targets = {}, {}, {}, {}, {}

    items = audit_text.detail_items({"attempt": 2, "via": "api", "written_back": True, "odd": None}, Catalog)
    assert items == [("試行", "2"), ("経路", "連携API"), ("書き戻し", "はい"), ("その他", "なし")]
    assert audit_text.action_label("case.finish") == "聞き取りを終了"
    assert audit_text.action_label("case.something_new") == "案件の操作"
