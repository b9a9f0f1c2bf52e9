"""The resident registry in the database, and what the card and the registry put on a case.

Legal names and addresses are stored exactly as imported; folded ``*_key`` columns exist only for search.
個人番号 and card evidence are stored encrypted (AES-GCM, :mod:`madoguchi.juki.crypto`); the last four
digits are kept in clear for the masked display, the full number only through :meth:`Resident.reveal_my_number`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from madoguchi.juki.dates import RegistryDate
from madoguchi.web.counter.models import Case


class Household(models.Model):
    setai_no = models.CharField("世帯番号", max_length=16, unique=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200)
    katagaki = models.CharField("方書", max_length=100, blank=True)
    address_key = models.CharField(max_length=320, db_index=True)
    source = models.CharField(max_length=40, default="csv")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "世帯"
        verbose_name_plural = "世帯"

    def __str__(self) -> str:
        return self.setai_no


class Resident(models.Model):
    class Status(models.TextChoices):
        RESIDENT = "resident", "住民"
        MOVED_OUT = "moved_out", "転出"
        DECEASED = "deceased", "死亡"
        REMOVED = "removed", "消除"

    atena_no = models.CharField("宛名番号", max_length=16, unique=True)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    order = models.PositiveIntegerField("世帯員の並び順", default=0)
    name = models.CharField("氏名", max_length=100)
    name_key = models.CharField(max_length=120, db_index=True)
    kana = models.CharField("氏名フリガナ", max_length=200, blank=True)
    kana_key = models.CharField(max_length=220, db_index=True, blank=True)
    kana_confirmed = models.BooleanField("フリガナ確認フラグ", default=False)
    birth = models.JSONField("生年月日")  # RegistryDate.to_json(): 和暦 as written, 不詳 kept
    birth_sort = models.DateField(db_index=True)
    sex = models.CharField("性別", max_length=1)
    relationship = models.CharField("続柄", max_length=40)
    address_key = models.CharField(max_length=320, db_index=True)
    resident_since = models.JSONField("住民となった年月日", null=True, blank=True)
    status = models.CharField("住民状態", max_length=20, choices=Status.choices, default=Status.RESIDENT)
    removal_reason = models.CharField("消除事由", max_length=20, blank=True)
    removal_date = models.JSONField("消除年月日", null=True, blank=True)
    resident_kind = models.CharField("住民種別", max_length=10, default="japanese")
    # 外国人住民 (A3): kept as written; found through ResidentAlias.
    name_alphabet = models.CharField("氏名（アルファベット）", max_length=100, blank=True)
    tsusho = models.CharField("通称", max_length=100, blank=True)
    tsusho_kana = models.CharField("通称フリガナ", max_length=200, blank=True)
    nationality = models.CharField("国籍・地域", max_length=40, blank=True)
    my_number_encrypted = models.TextField(blank=True)
    my_number_last4 = models.CharField(max_length=4, blank=True)
    # HMAC of the number (encryption.my_number_index): one 個人番号 is held by one resident at most.
    my_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # 国保・後期・介護・年金・児童手当・身体障害者手帳・印鑑登録 (keys of madoguchi.juki.records.ITEMS)
    qualifications = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["household_id", "order", "id"]
        verbose_name = "住民"
        verbose_name_plural = "住民"
        indexes = [models.Index(fields=["name_key", "birth_sort"], name="resident_name_birth")]

    def __str__(self) -> str:
        return self.atena_no

    @property
    def birth_date(self) -> RegistryDate:
        return RegistryDate.from_json(self.birth)

    @property
    def removal(self) -> RegistryDate | None:
        return RegistryDate.from_json(self.removal_date) if self.removal_date else None

    @property
    def my_number_masked(self) -> str:
        return "*" * 8 + self.my_number_last4 if self.my_number_last4 else ""

    def reveal_my_number(self) -> str:
        """The full 個人番号 (decrypts). Callers must check the role and audit the view."""
        from madoguchi.web.juki.encryption import keyring, my_number_context

        if not self.my_number_encrypted:
            return ""
        return keyring().decrypt_text(self.my_number_encrypted, my_number_context(self.atena_no))

    def to_record(self):
        from madoguchi.juki.records import ResidentRecord

        q = self.qualifications or {}
        return ResidentRecord(
            atena_no=self.atena_no,
            setai_no=self.household.setai_no,
            name=self.name,
            birth_date=self.birth_date,
            sex=self.sex,
            relationship=self.relationship,
            address=self.household.address,
            kana=self.kana,
            kana_confirmed=self.kana_confirmed,
            postal_code=self.household.postal_code,
            katagaki=self.household.katagaki,
            status=self.status,
            removal_reason=self.removal_reason,
            removal_date=self.removal,
            resident_kind=self.resident_kind,
            name_alphabet=self.name_alphabet,
            tsusho=self.tsusho,
            tsusho_kana=self.tsusho_kana,
            nationality=self.nationality,
            kokuho=q.get("kokuho", False),
            kouki=q.get("kouki", False),
            kaigo=q.get("kaigo", False),
            care_level=q.get("care_level", ""),
            nenkin_kind=q.get("nenkin_kind", ""),
            pension_recipient=q.get("pension_recipient"),
            child_allowance=q.get("child_allowance", False),
            handbook_grade=q.get("handbook_grade"),
            handbook_type=q.get("handbook_type", ""),
            seal_registered=q.get("seal_registered", False),
        )


class ResidentAlias(models.Model):
    """Another name a resident is found by: a 外国人住民's alphabet name, 通称 and its フリガナ, as folded search
    keys, one per word order (NGUYEN VAN AN is found as "van an nguyen" too). Search only; never shown."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="aliases")
    key = models.CharField(max_length=220, db_index=True)

    def __str__(self) -> str:
        return self.key


class CaseRegistryLink(models.Model):
    """Which registry entry a case person was set from (「この方を案件に設定」)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="registry_links")
    role = models.CharField(max_length=20)
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(default=list, blank=True)  # names of the facts filled from the registry
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "role"], name="one_registry_link_per_role")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.role}"


class FactOverride(models.Model):
    """A registry (or card) value the clerk replaced, with the reason. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="fact_overrides")
    fact = models.CharField(max_length=80)
    old_value = models.JSONField(null=True, blank=True)
    old_source = models.CharField(max_length=20, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    reason = models.CharField("理由", max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.fact}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("fact overrides are append-only")
        super().save(*args, **kwargs)


class CardEvidence(models.Model):
    """A card reading kept with the case: the raw EF files (encrypted), the server's own decoding result."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="card_readings")
    role = models.CharField(max_length=20, default="applicant")
    evidence_encrypted = models.TextField()
    my_number_encrypted = models.TextField(blank=True)
    my_number_last4 = models.CharField(max_length=4, blank=True)
    signature = models.CharField(max_length=20)
    test_mode = models.BooleanField(default=False)
    result = models.JSONField(default=dict)  # public fields only (masked number)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_at"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.role}:{self.read_at:%Y-%m-%d %H:%M}"
