"""What the counter changed on a case's forms: typed or corrected values, forms set aside, fill statistics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from madoguchi.web.counter.models import Case


class FormFieldOverride(models.Model):
    """A value typed or corrected at the counter for one field of one form.

    When the field shows a person attribute or a fact, the correction is also written back to the case
    (``written_back`` names where) and the case value is printed from then on; the row stays as the record that
    the field was typed. Values that belong to no case data (``input:`` fields, such as a bank account) are
    printed from here.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="form_overrides")
    form_id = models.CharField(max_length=80)
    field = models.CharField(max_length=60)
    value = models.CharField(max_length=500, blank=True)
    written_back = models.CharField(max_length=80, blank=True, help_text="person:ROLE.ATTR or fact:NAME")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "form_id", "field"], name="one_override_per_form_field")
        ]
        verbose_name = "申請書の入力・修正"
        verbose_name_plural = "申請書の入力・修正"

    def __str__(self) -> str:
        return f"{self.case_id}:{self.form_id}.{self.field}"


class FormStatus(models.Model):
    """A form the clerk set aside as not needed for this case (the procedure itself may still apply)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="form_statuses")
    form_id = models.CharField(max_length=80)
    not_needed = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "form_id"], name="one_status_per_form")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.form_id}"


class FormFillStats(models.Model):
    """Per case: how many form fields were filled automatically and how many were typed (for statistics)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="form_stats")
    forms = models.PositiveIntegerField(default=0)
    auto_fields = models.PositiveIntegerField("自動で記入", default=0)
    typed_fields = models.PositiveIntegerField("窓口で入力・修正", default=0)
    empty_fields = models.PositiveIntegerField("空欄", default=0)
    printed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "申請書の記入実績"
        verbose_name_plural = "申請書の記入実績"

    def __str__(self) -> str:
        return f"{self.case_id}: auto {self.auto_fields}, typed {self.typed_fields}"
