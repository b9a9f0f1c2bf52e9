"""Counter-profile URLs of the resident app (included at the site root). The public pre-entry pages are not
here: they run only in the pre-entry profile (madoguchi.web.project.preentry_urls)."""

from django.urls import path

from madoguchi.web.resident import counter_views as v

urlpatterns = [
    path("resident/preentry/", v.preentry_page, name="resident-preentry"),
    path("resident/preentry/import", v.preentry_import, name="resident-preentry-import"),
    path("resident/queue/", v.queue, name="resident-queue"),
    path("resident/queue/<str:number>/call", v.queue_call, name="resident-queue-call"),
    path("cases/<str:number>/screen/start", v.screen_start, name="screen-start"),
    path("cases/<str:number>/screen/settings", v.screen_settings, name="screen-settings"),
    path("cases/<str:number>/screen/focus", v.screen_focus, name="screen-focus"),
    path("cases/<str:number>/screen/version", v.screen_version, name="screen-version"),
    path("screen/", v.screen_pair, name="screen-pair"),
    path("screen/show", v.screen_show, name="screen-show"),
    path("screen/panel", v.screen_panel, name="screen-panel"),
    path("screen/answer", v.screen_answer, name="screen-answer"),
    path("kiosk/", v.kiosk_home, name="kiosk-home"),
    path("kiosk/q", v.kiosk_question, name="kiosk-question"),
    path("kiosk/receipt", v.kiosk_receipt, name="kiosk-receipt"),
]
