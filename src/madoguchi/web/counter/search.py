"""The one way the shell finds cases by a person's name: what is typed and what is stored are folded alike
(spaces dropped, hiragana as katakana, half-width kana as full-width: ``juki.records.search_key``), so
「みどりかわ」, 「ﾐﾄﾞﾘｶﾜ」 and 「緑川　太郎」 find 緑川 太郎 / ミドリカワ タロウ. Names are stored as given; only the
comparison folds."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace

from madoguchi.juki.records import search_key


def _folded(field: str):
    return Replace(Replace(F(field), Value(" "), Value("")), Value("\u3000"), Value(""))


def by_name(rows: QuerySet, text: str, case: str = "") -> QuerySet:
    """``rows`` whose case has a person (name or reading) or visitor matching ``text``; ``case`` is the path
    from the rows to their case ("" for cases, "case__" for tasks)."""
    key = search_key(text)
    return (
        rows.alias(
            _visitor=_folded(f"{case}visitor_name"),
            _name=_folded(f"{case}persons__name"),
            _kana=_folded(f"{case}persons__kana"),
        )
        .filter(
            Q(_visitor__icontains=key)
            | Q(_name__icontains=key)
            | Q(_kana__icontains=key)
            | Q(**{f"{case}persons__name__icontains": text})
        )
        .distinct()
    )
