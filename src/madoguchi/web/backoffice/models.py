"""One stop: department tasks, the delivery outbox, API tokens, routing rules and anonymous statistics."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from madoguchi.web.counter.models import Case


class StaffDepartment(models.Model):
    """Which catalog departments a staff member works for (their worklist)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="departments")
    department_id = models.CharField("課ID", max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "department_id"], name="one_row_per_staff_department")
        ]
        verbose_name = verbose_name_plural = "職員の所属課"

    def __str__(self) -> str:
        return f"{self.user}:{self.department_id}"


class RoutingRule(models.Model):
    """Ordered, first match wins. Switched off (with the reason) when it no longer validates."""

    order = models.IntegerField("順序", default=100)
    name = models.CharField("名前", max_length=100, blank=True)
    condition = models.TextField("条件（ルール言語）", max_length=2000)
    procedures = models.CharField("対象の手続ID（カンマ区切り、空欄はすべて）", max_length=1000, blank=True)
    department_id = models.CharField("回付先の課ID", max_length=80)
    active = models.BooleanField("有効", default=True)
    disabled_reason = models.CharField("無効化の理由", max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "回付ルール"

    def __str__(self) -> str:
        return self.name or self.condition[:40]

    def spec(self):
        from madoguchi.routing import RuleSpec

        procs = frozenset(p.strip() for p in self.procedures.split(",") if p.strip())
        return RuleSpec(
            self.pk, self.order, self.condition, self.department_id, procs, self.active, self.name
        )


class StaleVersion(Exception):
    """Someone else saved the task first."""


class Task(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "未着手"
        IN_PROGRESS = "in_progress", "対応中"
        DONE = "done", "完了"
        RETURNED = "returned", "窓口へ差戻し"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    procedure_id = models.CharField(max_length=80)
    # The person a per-person procedure's task is for (CasePerson.key: p1, p2 …); empty for the case.
    person = models.CharField(max_length=40, blank=True, default="")
    department_id = models.CharField(max_length=80, db_index=True)
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    return_reason = models.CharField("差戻しの理由", max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "procedure_id", "person"], name="one_task_per_procedure_and_person"
            )
        ]
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "担当課タスク"

    def __str__(self) -> str:
        whom = f"[{self.person}]" if self.person else ""
        return f"{self.case_id}:{self.procedure_id}{whom}@{self.department_id}"

    @property
    def open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.IN_PROGRESS)

    def transition(self, status: str, *, version: int, user, reason: str = "") -> None:
        """Save a new status if nobody saved since ``version`` was read; raise StaleVersion otherwise.

        One conditional UPDATE (compare-and-set on the version column): of two staff saving the same task,
        the second is refused, whatever the database.
        """
        if status == self.Status.RETURNED and not reason.strip():
            raise ValueError("差戻しの理由を入力してください")
        updated = Task.objects.filter(pk=self.pk, version=version).update(
            status=status,
            return_reason=reason.strip() if status == self.Status.RETURNED else "",
            version=models.F("version") + 1,
            updated_by=user,
            updated_at=timezone.now(),
        )
        if not updated:
            raise StaleVersion
        self.refresh_from_db()


class Delivery(models.Model):
    """The transactional outbox: written in the transaction that finishes the case, delivered by the worker."""

    class Status(models.TextChoices):
        PENDING = "pending", "送信待ち"
        SENDING = "sending", "送信中"
        DELIVERED = "delivered", "送信済み"
        DEAD = "dead", "送信失敗（要確認）"

    case = models.ForeignKey(Case, null=True, on_delete=models.SET_NULL, related_name="deliveries")
    case_number = models.CharField(max_length=20)
    procedure_id = models.CharField(max_length=80)
    target_id = models.CharField(max_length=80)
    plugin = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)  # standard item name -> text
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    receipt = models.CharField(max_length=300, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "基幹連携（送信）"

    def __str__(self) -> str:
        return self.idempotency_key


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)  # null: the worker stopped during the attempt
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    receipt = models.CharField(max_length=300, blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"


class ApiToken(models.Model):
    """A token for the integration API. Only its SHA-256 is stored; the token is shown once."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "APIトークン"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        token = "mdg_" + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, user=user, digest=cls.hash(token), prefix=token[:8]), token


class CaseStatistic(models.Model):
    """What remains of a purged case: no person, no facts, no number — counts for planning."""

    event_id = models.CharField(max_length=80)
    month = models.CharField(max_length=7)  # YYYY-MM the case was finished
    procedures = models.PositiveIntegerField(default=0)
    tasks = models.PositiveIntegerField(default=0)
    deliveries = models.PositiveIntegerField(default=0)
    purged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "匿名統計"

    def __str__(self) -> str:
        return f"{self.month} {self.event_id}"
