"""Registry in the Django admin: read-only browsing for administrators. The 個人番号 never appears here (only
the masked form); the full number is shown only through the audited counter views."""

from __future__ import annotations

from django.contrib import admin

from madoguchi.web.juki.models import FactOverride, Household, Resident


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResidentInline(admin.TabularInline):
    model = Resident
    extra = 0
    fields = ("atena_no", "relationship", "name", "kana", "status")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(_ReadOnly):
    list_display = ("setai_no", "address", "katagaki", "source", "imported_at")
    search_fields = ("setai_no",)
    inlines = [ResidentInline]


@admin.register(Resident)
class ResidentAdmin(_ReadOnly):
    list_display = ("atena_no", "name", "kana", "birth_shown", "status", "masked_number")
    list_filter = ("status", "resident_kind")
    search_fields = ("atena_no", "name_key", "kana_key")
    list_select_related = ("household",)
    exclude = ("my_number_encrypted", "name_key", "kana_key", "address_key")
    readonly_fields = ("masked_number", "birth_shown")

    @admin.display(description="生年月日")
    def birth_shown(self, obj):
        return obj.birth_date.display()

    @admin.display(description="個人番号")
    def masked_number(self, obj):
        return obj.my_number_masked or "—"


@admin.register(FactOverride)
class FactOverrideAdmin(_ReadOnly):
    list_display = ("at", "case", "fact", "old_source", "reason", "user")
    list_filter = ("fact",)
