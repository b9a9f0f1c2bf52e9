"""「設定の確認」: every plug-in concern's registry (card transports, registry sources, form renderers, delivery
targets — each a :class:`madoguchi.plugins.PluginRegistry`), what this installation uses, and each
``check_config()`` in words — for the DX/IT staff, without a shell on the server."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from madoguchi.card import transport
from madoguchi.card.address import agent_origin, card_agent_notes
from madoguchi.card.errors import CardError
from madoguchi.delivery import registry as delivery_registry
from madoguchi.juki import sources
from madoguchi.plugins import PluginRegistry
from madoguchi.shinseisho import renderers
from madoguchi.web.counter.models import Role
from madoguchi.web.counter.services import audit, current_catalog
from madoguchi.web.counter.views import role_required
from madoguchi.web.juki.models import Household, Resident
from madoguchi.web.juki.services import server_trust


@dataclass
class PluginRow:
    id: str
    title: str
    options: list[str] = field(default_factory=list)  # "name: description"
    in_use: bool = False
    checked: bool = False  # check_config() ran here (a source's options come with each import: not here)
    problems: list[str] = field(default_factory=list)


@dataclass
class Concern:
    key: str
    title: str
    where: str  # where it is configured
    rows: list[PluginRow]
    notes: list[str] = field(default_factory=list)  # problems of the concern's settings on this server
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.notes and not any(r.problems for r in self.rows if r.in_use)


def _options(options_model) -> list[str]:
    return [
        f"{name}: {info.description or info.annotation}" if info.description else name
        for name, info in options_model.model_fields.items()
    ]


def plugin_rows(
    registry: PluginRegistry, in_use: Iterable[str] = (), problems: Mapping[str, list[str]] | None = None
) -> list[PluginRow]:
    """One row per registered plug-in of any concern: id, title, options with their descriptions, whether
    this installation uses it, and — for the ids in ``problems`` — what its check_config() found."""
    in_use, problems = set(in_use), problems or {}
    return [
        PluginRow(
            cls.id,
            cls.title,
            _options(cls.Options),
            in_use=cls.id in in_use,
            checked=cls.id in problems,
            problems=list(problems.get(cls.id, [])),
        )
        for cls in registry
    ]


def card_concern() -> Concern:
    rows = plugin_rows(transport.TRANSPORTS)
    env = os.environ
    notes = card_agent_notes(env)
    url = env.get("MADOGUCHI_CARD_AGENT_URL", "")
    if not url:
        notes.append("MADOGUCHI_CARD_AGENT_URL が未設定です: 「カードを読み取る」は使えません")
    token = env.get("MADOGUCHI_CARD_AGENT_TOKEN", "")
    if url and len(token) < 16:
        notes.append(
            "MADOGUCHI_CARD_AGENT_TOKEN（card-agent との共有トークン、16文字以上）が未設定か短すぎます"
        )
    try:
        trust = server_trust()
    except CardError as exc:
        notes.append(f"MADOGUCHI_CARD_CA_KEY: {exc}")
        trust = None
    else:
        if trust is None:
            notes.append(
                "MADOGUCHI_CARD_CA_KEY（J-LIS の CA 公開鍵）が未設定です: 署名を検証できないため、読み取った内容で"
                "案件を埋めません"
            )
    if env.get("MADOGUCHI_CARD_TEST_MODE") == "1":
        notes.append(
            "MADOGUCHI_CARD_TEST_MODE=1: 試験用の仮想カードを信頼します（本番では使わないでください）"
        )
    return Concern(
        "card",
        "マイナンバーカードの読み取り（card transport）",
        "窓口端末の `madoguchi card-agent`（--reader / --virtual）。読み取り装置の確認は端末側で起動時に行います",
        rows,
        notes,
        [
            ("card-agent の場所", agent_origin(url) or "—"),
            ("署名の検証", "する" if trust is not None else "しない"),
        ],
    )


def registry_concern() -> Concern:
    stats = Resident.objects.aggregate(n=Count("id"), last=Max("imported_at"))
    last_source = Household.objects.order_by("-imported_at").values_list("source", flat=True).first()
    rows = plugin_rows(sources.SOURCES, in_use=[last_source] if last_source else [])
    notes = [] if stats["n"] else ["住民記録が取り込まれていません（`madoguchi registry import`）"]
    last = stats["last"]
    return Concern(
        "registry",
        "住民記録の取込元（registry source）",
        "`madoguchi registry import`（取込のたびに取込元と設定を指定し、その場で確認）",
        rows,
        notes,
        [
            ("取込済みの住民", f"{stats['n']:,} 人"),
            ("最後の取込", f"{timezone.localtime(last):%Y-%m-%d %H:%M}（{last_source}）" if last else "—"),
        ],
    )


def forms_concern() -> Concern:
    in_use = renderers.configured_id()
    notes, facts, problems = [], [], {}
    if in_use in renderers.RENDERERS:
        renderer = renderers.create(in_use)
        problems[in_use] = renderer.check_config()
        facts.append(("フォント", renderer.describe()))
    else:
        notes = renderers.check_config(in_use)  # names the unknown id and the known ones
    rows = plugin_rows(renderers.RENDERERS, [in_use], problems)
    return Concern(
        "forms", "申請書の作成（form renderer）", f"{renderers.RENDERER_ENV}（既定 {renderers.DEFAULT_RENDERER}）",
        rows, notes, facts,
    )  # fmt: skip


def delivery_concern() -> Concern:
    targets = current_catalog().delivery_targets.values()
    problems: dict[str, list[str]] = {t.plugin: [] for t in targets}
    facts = []
    for target in targets:
        # Each problem's text starts with the target id: listed under the plug-in the target uses.
        problems[target.plugin] += delivery_registry.check_config(
            target.plugin, target.options, target_id=target.id
        )
        facts.append((f"送信先 {target.id}", f"{target.name}（{target.plugin}）"))
    rows = plugin_rows(delivery_registry, problems, problems)
    return Concern(
        "delivery",
        "基幹システムへの連携（delivery target）",
        "カタログの delivery_targets",
        rows,
        [],
        facts,
    )


@require_GET
@role_required(Role.ADMINISTRATOR)
def plugin_settings(request: HttpRequest) -> HttpResponse:
    concerns = [card_concern(), registry_concern(), forms_concern(), delivery_concern()]
    audit(request, "settings.check")
    return render(request, "settings/plugins.html", {"concerns": concerns})
