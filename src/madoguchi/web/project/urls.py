from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from madoguchi.web.counter import arrivals, plugin_settings, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/new", views.case_new, name="case-new"),
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
    path("cases/<str:number>/answer", views.case_answer, name="case-answer"),
    path("cases/<str:number>/forget", views.case_forget, name="case-forget"),
    path("cases/<str:number>/mark", views.case_mark, name="case-mark"),
    path("cases/<str:number>/note", views.case_note, name="case-note"),
    path("cases/<str:number>/person", views.case_person, name="case-person"),
    path("cases/<str:number>/person/remove", views.case_person_remove, name="case-person-remove"),
    path("cases/<str:number>/finish", views.case_finish, name="case-finish"),
    path("cases/<str:number>/cancel", views.case_cancel, name="case-cancel"),
    path("cases/<str:number>/reopen", views.case_reopen, name="case-reopen"),
    path("cases/<str:number>/sheet", views.case_sheet, name="case-sheet"),
    path("cases/<str:number>/sheet.pdf", views.case_sheet_pdf, name="case-sheet-pdf"),
    path("date-preview", views.date_preview, name="date-preview"),
    path("arrivals/", arrivals.arrivals_list, name="arrivals"),
    path("arrivals/import", arrivals.arrivals_import, name="arrivals-import"),
    path("arrivals/card", arrivals.arrivals_card, name="arrivals-card"),
    path("settings/plugins/", plugin_settings.plugin_settings, name="plugin-settings"),
    path("", include("madoguchi.web.juki.urls")),
    path("", include("madoguchi.web.shinseisho.urls")),
    path("", include("madoguchi.web.backoffice.urls")),
    path("", include("madoguchi.web.resident.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "madoguchi.web.project.errors.bad_request"
handler403 = "madoguchi.web.project.errors.permission_denied"
handler404 = "madoguchi.web.project.errors.not_found"
handler500 = "madoguchi.web.project.errors.server_error"
