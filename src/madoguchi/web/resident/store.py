"""Pre-entry submissions: create (sealed, expiring), take once by token or code, purge."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.preentry import sealing, tokens
from madoguchi.web.resident.models import PreentrySubmission, PreentryVisit


class StoreFull(Exception):
    """More submissions are pending than the deployment allows (flood protection)."""


class VisitUsed(Exception):
    """The visit (its signed cookie) has already made a code: a replayed copy of an old cookie."""


def _key() -> bytes:
    return sealing.key_from(getattr(settings, "PREENTRY_KEY", None), settings.SECRET_KEY)


def retention() -> timedelta:
    return timedelta(days=getattr(settings, "PREENTRY_RETENTION_DAYS", 14))


def purge(now: datetime | None = None) -> int:
    now = now or timezone.now()
    PreentryVisit.objects.filter(expires_at__lte=now).delete()
    deleted, _ = PreentrySubmission.objects.filter(expires_at__lte=now).delete()
    return deleted


def create(
    event_id: str,
    catalog_id: str,
    answers: dict[str, Any],
    lang: str,
    visit: tuple[str, datetime] | None = None,
) -> tuple[str, str, datetime]:
    """Seal and store; returns (token, code, expires_at). ``visit`` is (id, until when its cookie can be
    accepted): it is recorded as used in the same transaction as the code, so a visit makes one code at most.
    Raises StoreFull, or VisitUsed (nothing is stored)."""
    purge()
    limit = getattr(settings, "PREENTRY_MAX_PENDING", 20000)
    if PreentrySubmission.objects.count() >= limit:
        raise StoreFull
    with transaction.atomic():
        if visit is not None:
            try:
                with transaction.atomic():
                    PreentryVisit.objects.create(visit_digest=tokens.digest(visit[0]), expires_at=visit[1])
            except IntegrityError:
                raise VisitUsed from None
        return _create(event_id, catalog_id, answers, lang)


def _create(event_id: str, catalog_id: str, answers: dict[str, Any], lang: str) -> tuple[str, str, datetime]:
    now = timezone.now()
    expires = now + retention()
    for _attempt in range(5):
        token, code = tokens.new_token(), tokens.new_code()
        token_digest = tokens.digest(token)
        payload = {
            "event_id": event_id,
            "catalog_id": catalog_id,
            "answers": answers,
            "language": lang,
            "created_at": now.isoformat(),
        }
        try:
            with transaction.atomic():
                PreentrySubmission.objects.create(
                    token_digest=token_digest,
                    code_digest=tokens.digest(code),
                    event_id=event_id,
                    sealed=sealing.seal(_key(), payload, token_digest),
                    created_at=now,
                    expires_at=expires,
                )
        except IntegrityError:  # pragma: no cover - a 50-bit code collided; draw again
            continue
        return token, code, expires
    raise RuntimeError("could not draw a unique hand-off code")  # pragma: no cover


def discard(token: str) -> None:
    PreentrySubmission.objects.filter(token_digest=tokens.digest(token)).delete()


def take(text: str, now: datetime | None = None) -> dict[str, Any] | None:
    """The submission for a typed code or scanned token, deleted as it is read; None when unknown or expired
    (the caller cannot tell which)."""
    value = tokens.normalize(text)
    if value is None:
        return None
    field = "token_digest" if tokens.is_token(value) else "code_digest"
    with transaction.atomic():
        row = PreentrySubmission.objects.select_for_update().filter(**{field: tokens.digest(value)}).first()
        if row is None:
            return None
        row.delete()
    if row.expires_at <= (now or timezone.now()):
        return None
    try:
        return sealing.unseal(_key(), row.sealed, row.token_digest)
    except sealing.SealError:
        return None
