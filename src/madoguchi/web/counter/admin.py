"""Django admin: users and roles, cases (read-mostly), the audit log (read-only), and catalog browsing."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from madoguchi.catalog import CatalogError
from madoguchi.web.counter.models import AuditEvent, Case, CaseFact, ProcedureMark
from madoguchi.web.counter.services import current_catalog


class CaseFactInline(admin.TabularInline):
    model = CaseFact
    extra = 0
    readonly_fields = ("name", "value", "skipped", "source", "updated_by", "updated_at")
    can_delete = False


class ProcedureMarkInline(admin.TabularInline):
    model = ProcedureMark
    extra = 0
    readonly_fields = ("procedure_id", "plan", "note", "updated_by", "updated_at")
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "event_id", "status", "created_by", "created_at")
    list_filter = ("status", "event_id")
    search_fields = ("number",)
    readonly_fields = ("number", "catalog_id", "event_id", "created_by", "created_at", "finished_at")
    inlines = [CaseFactInline, ProcedureMarkInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "case", "ip")
    list_filter = ("action",)
    readonly_fields = ("at", "user", "action", "case", "detail", "ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def catalog_view(request):
    """Browse the catalog the server runs with (departments, facts, procedures with their sources)."""
    context = dict(admin.site.each_context(request), title="手続きカタログ")
    try:
        catalog = current_catalog()
    except CatalogError as exc:
        context["issues"] = exc.issues
        return TemplateResponse(request, "admin/madoguchi_catalog.html", context, status=503)
    context.update(
        catalog=catalog,
        procedures=sorted(catalog.procedures.values(), key=lambda p: (p.events[0], p.department, p.id)),
    )
    return TemplateResponse(request, "admin/madoguchi_catalog.html", context)


_original_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("catalog/", admin.site.admin_view(catalog_view), name="madoguchi-catalog")
    ] + _original_get_urls()


admin.site.get_urls = _get_urls
admin.site.site_header = "madoguchi 管理"
admin.site.site_title = "madoguchi 管理"
admin.site.index_template = "admin/madoguchi_index.html"
