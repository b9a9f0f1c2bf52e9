"""Persistence of cases. Every answer is a row, saved the moment it is given, so a reload, a lost connection
or a server restart resumes the case exactly where it was."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", "窓口職員"
    DEPARTMENT_STAFF = "department_staff", "担当課職員"
    ADMINISTRATOR = "administrator", "管理者"
    AUDITOR = "auditor", "監査担当"


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "受付中"
        FINISHED = "finished", "案内済み"

    number = models.CharField("案件番号", max_length=20, unique=True, blank=True)
    catalog_id = models.CharField(max_length=80)
    event_id = models.CharField("ライフイベント", max_length=80)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    visitor_name = models.CharField("来庁者（呼び名）", max_length=100, blank=True)
    note = models.TextField("メモ", blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "案件"
        verbose_name_plural = "案件"

    def __str__(self) -> str:
        return self.number

    def assign_number(self) -> None:
        # The primary key is unique and increasing; the year makes the number easy to read out.
        self.number = f"{timezone.localdate(self.created_at):%Y}-{self.pk:06d}"


class CaseFact(models.Model):
    class Source(models.TextChoices):
        INTERVIEW = "interview", "聞き取り"
        REGISTRY = "registry", "住基"
        CARD = "card", "カード"
        RESIDENT = "resident", "本人入力"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="facts")
    name = models.CharField(max_length=80)
    # JSON-compatible value (dates as ISO text); null with skipped=True means 「わからない」.
    value = models.JSONField(null=True, blank=True)
    skipped = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERVIEW)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    sequence = models.PositiveIntegerField(default=0, help_text="answer order, for the answered list")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "name"], name="one_value_per_fact")]
        ordering = ["sequence", "id"]


class ProcedureMark(models.Model):
    class Plan(models.TextChoices):
        TODAY = "today", "本日手続き"
        LATER = "later", "後日"
        NOT_NEEDED = "not_needed", "不要"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="marks")
    procedure_id = models.CharField(max_length=80)
    plan = models.CharField(max_length=20, choices=Plan.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "procedure_id"], name="one_mark_per_procedure")]


class AuditEvent(models.Model):
    """Append-only record of who did what to which case (no personal values are stored here)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=50)
    case = models.ForeignKey(Case, null=True, on_delete=models.SET_NULL, related_name="audit")
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "監査ログ"
        verbose_name_plural = "監査ログ"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)
