"""Storage of the resident's side.

No foreign key reaches the counter's models: this app is installed in both deployment profiles, and on the
public pre-entry profile the counter's apps (cases, staff, registry) are not installed at all. Cases are
referred to by their number.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class PreentrySubmission(models.Model):
    """What a resident entered at home, sealed (AES-GCM), until the counter takes it or it expires.

    Lives in the pre-entry profile's own database. Token and code are stored as SHA-256 digests only."""

    token_digest = models.CharField(max_length=64, unique=True)
    code_digest = models.CharField(max_length=64, unique=True)
    event_id = models.CharField(max_length=80)
    sealed = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "事前入力"
        verbose_name_plural = "事前入力"

    def __str__(self) -> str:
        return f"preentry {self.pk} ({self.event_id})"


class PreentryVisit(models.Model):
    """A pre-entry visit (a press of 「はじめる」) that has been used to make a hand-off code.

    The visit's id and start time live in the resident's signed cookie; the server learns of a visit only when
    it makes a code, and records it here so an old copy of the cookie cannot make another code or skip the
    minimum time (each code gets a fresh visit). Only a digest of the id is stored; the row is needed until a
    cookie of that visit can no longer be accepted (``expires_at``), then purged."""

    visit_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "事前入力の利用済み訪問"
        verbose_name_plural = "事前入力の利用済み訪問"

    def __str__(self) -> str:
        return f"visit {self.visit_digest[:8]}…"


class ScreenPairing(models.Model):
    """A resident-facing screen paired to a clerk's case (counter profile)."""

    case_number = models.CharField(max_length=20, db_index=True)
    code_digest = models.CharField(max_length=64, blank=True, db_index=True)
    code_expires_at = models.DateTimeField()
    screen_key_digest = models.CharField(max_length=64, blank=True, db_index=True)
    allow_answers = models.BooleanField(default=False)
    current_fact = models.CharField(max_length=80, blank=True)
    created_by_id = models.IntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    paired_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"screen {self.pk} → {self.case_number}"

    @property
    def active(self) -> bool:
        return self.ended_at is None


class KioskReceipt(models.Model):
    """A case started at the self-service desk (記載台), waiting in the counter queue."""

    number = models.CharField(max_length=10, db_index=True, help_text="the day's receipt number")
    case_number = models.CharField(max_length=20, unique=True)
    event_id = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"receipt {self.number} → {self.case_number}"


class RateCount(models.Model):
    """One client's (or user's) count in one rate-limit window, in the database so every worker process and
    server counts together (``madoguchi.web.resident.ratelimit``). ``key`` is a digest of scope, client and
    window length: no address or user name is stored. The window starts at the first request and ends at
    ``expires_at``; expired rows are reused by the next request and swept now and then."""

    key = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "回数制限"
        verbose_name_plural = "回数制限"

    def __str__(self) -> str:
        return f"rate {self.key[:8]}… {self.count}"
