"""Admin: per-case form fill statistics (read-only). Typed values stay out of the admin (they are personal)."""

from __future__ import annotations

from django.contrib import admin

from madoguchi.web.shinseisho.models import FormFillStats


@admin.register(FormFillStats)
class FormFillStatsAdmin(admin.ModelAdmin):
    list_display = ("case", "forms", "auto_fields", "typed_fields", "empty_fields", "printed_at")
    readonly_fields = (
        "case",
        "forms",
        "auto_fields",
        "typed_fields",
        "empty_fields",
        "printed_at",
        "updated_at",
    )
    list_filter = ("printed_at",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
