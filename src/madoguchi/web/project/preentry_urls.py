"""URLs of the public pre-entry profile. Nothing of the counter is routed here (no login, cases, admin,
registry): a request for any counter path is a plain 404."""

from django.urls import path

from madoguchi.web.resident import preentry_views as v

urlpatterns = [
    path("", v.index, name="pre-index"),
    path("healthz", v.healthz, name="pre-healthz"),
    path("e/<slug:event_id>/", v.event_start, name="pre-event"),
    path("e/<slug:event_id>/q", v.question, name="pre-question"),
    path("e/<slug:event_id>/summary", v.summary_page, name="pre-summary"),
    path("e/<slug:event_id>/summary.pdf", v.summary_pdf, name="pre-summary-pdf"),
    path("e/<slug:event_id>/handoff", v.handoff, name="pre-handoff"),
    path("api/v1/take", v.api_take, name="pre-api-take"),
]

handler400 = "madoguchi.web.resident.preentry_views.bad_request"
handler403 = "madoguchi.web.resident.preentry_views.forbidden"
handler404 = "madoguchi.web.resident.preentry_views.not_found"
handler500 = "madoguchi.web.resident.preentry_views.server_error"
