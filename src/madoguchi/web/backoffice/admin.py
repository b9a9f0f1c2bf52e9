"""Administrators: staff departments, routing rules (validated on save), API tokens, tasks and deliveries."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from madoguchi.web.backoffice.models import (
    ApiToken,
    CaseStatistic,
    Delivery,
    DeliveryAttempt,
    RoutingRule,
    StaffDepartment,
    Task,
)
from madoguchi.web.counter.services import current_catalog


@admin.register(StaffDepartment)
class StaffDepartmentAdmin(admin.ModelAdmin):
    list_display = ("user", "department_id")
    search_fields = ("user__username", "department_id")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "department_id":
            choices = [(d.id, d.name) for d in current_catalog().departments.values() if d.kind == "internal"]
            return forms.ChoiceField(choices=choices, label="課")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ("order", "name", "condition", "procedures", "department_id", "active")

    def clean(self):
        from madoguchi.routing import validate_rule

        data = super().clean()
        if data.get("active") and data.get("condition") and data.get("department_id"):
            rule = RoutingRule(**{k: data.get(k) for k in self.Meta.fields if k in data})
            reason = validate_rule(rule.spec(), current_catalog())
            if reason:
                raise forms.ValidationError(reason)
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ("order", "name", "condition", "procedures", "department_id", "active", "disabled_reason")
    list_editable = ("active",)
    readonly_fields = ("disabled_reason", "disabled_at")

    def save_model(self, request, obj, form, change):
        if obj.active:
            obj.disabled_reason, obj.disabled_at = "", None
        super().save_model(request, obj, form, change)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("case", "procedure_id", "department_id", "status", "version", "updated_at")
    list_filter = ("status", "department_id")
    search_fields = ("case__number", "procedure_id")
    readonly_fields = ("case", "procedure_id", "version", "rule", "created_at", "updated_by")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "started_at",
        "finished_at",
        "duration_ms",
        "ok",
        "error",
        "receipt",
        "worker",
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "target_id", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "target_id")
    search_fields = ("idempotency_key", "case_number")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "active", "created_at", "last_used_at")
    readonly_fields = ("digest", "prefix", "created_at", "last_used_at")
    fields = ("name", "user", "active", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # issued with `madoguchi manage madoguchi_api_token` (the token is shown once)


@admin.register(CaseStatistic)
class CaseStatisticAdmin(admin.ModelAdmin):
    list_display = ("month", "event_id", "procedures", "tasks", "deliveries", "purged_at")
    list_filter = ("event_id", "month")
