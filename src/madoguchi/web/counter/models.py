"""Persistence of cases. Every answer is a row, saved the moment it is given, so a reload, a lost connection
or a server restart resumes the case exactly where it was."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from madoguchi.case.snapshot import PLAN_LABELS
from madoguchi.case.vocab import Sex as CaseSex


class Role(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", "窓口職員"
    DEPARTMENT_STAFF = "department_staff", "担当課職員"
    ADMINISTRATOR = "administrator", "管理者"
    AUDITOR = "auditor", "監査担当"


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "受付中"
        FINISHED = "finished", "案内済み"
        CANCELLED = "cancelled", "取りやめ"

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
    # A case given up before it was finished (the resident left, a duplicate): why, kept for the audit.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField("取りやめの理由", max_length=300, blank=True)
    # A case prepared from a 来庁予定 record before the household arrives (引越しワンストップ): its 受付番号
    # and planned visit day. Empty for a case opened at the counter.
    arrival_ref = models.CharField("受付番号（来庁予定）", max_length=40, blank=True, db_index=True)
    visit_date = models.DateField("来庁予定日", null=True, blank=True, db_index=True)
    arrived_at = models.DateTimeField("来庁（カード照合）", null=True, blank=True)

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
        ARRIVALS = "arrivals", "来庁予定"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="facts")
    name = models.CharField(max_length=80)
    # JSON-compatible value (dates as ISO text); null with skipped=True means 「わからない」.
    value = models.JSONField(null=True, blank=True)
    skipped = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERVIEW)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    sequence = models.PositiveIntegerField(default=0, help_text="answer order, for the answered list")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "name"], name="one_value_per_fact")]
        ordering = ["sequence", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.name}"


class ProcedureMark(models.Model):
    # The one vocabulary of marks (madoguchi.case.snapshot.PLAN_LABELS).
    Plan = models.TextChoices("Plan", [(k.upper(), (k, label)) for k, label in PLAN_LABELS.items()])

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="marks")
    procedure_id = models.CharField(max_length=80)
    plan = models.CharField(max_length=20, choices=Plan.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "procedure_id"], name="one_mark_per_procedure")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.procedure_id}={self.plan}"


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

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)


class CasePerson(models.Model):
    """A person on the case in one of its life event's roles (申請者, 亡くなった方, each 世帯員 of a household that
    moves): what forms are filled with. Filled from the card, the registry or the arrivals list where possible;
    typed only as a last resort. Legal names are stored exactly as given, never normalised.

    ``key`` names the person on the case: the role itself for a role with one person, ``p1``, ``p2`` … for each
    person of a repeated role; a repeated role's facts are stored as ``member.age@p1`` (rules.scope)."""

    # The one 性別 vocabulary (madoguchi.case.vocab): 1 男, 2 女, 9 適用不能, 0 不明.
    Sex = models.TextChoices("Sex", [(s.name, (s.value, s.label)) for s in CaseSex])

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(max_length=40)  # a role of the case's life event (catalog events: roles)
    key = models.CharField(max_length=40)
    name = models.CharField("氏名", max_length=100, blank=True)
    kana = models.CharField("フリガナ", max_length=200, blank=True)
    kana_confirmed = models.BooleanField("フリガナ確認済み", default=False)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    death_date = models.DateField("死亡日", null=True, blank=True)
    sex = models.CharField("性別", max_length=1, choices=Sex.choices, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    phone = models.CharField("電話番号", max_length=20, blank=True)
    relationship = models.CharField("続柄（亡くなった方から見て）", max_length=40, blank=True)
    zokugara = models.CharField("世帯主との続柄", max_length=40, blank=True)
    source = models.CharField(
        max_length=20, choices=CaseFact.Source.choices, default=CaseFact.Source.INTERVIEW
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="one_person_per_key")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key}"

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = self.role  # a role with one person is named by its role
        super().save(*args, **kwargs)
