from django.urls import path

from madoguchi.web.shinseisho import views

urlpatterns = [
    path("cases/<str:number>/forms/", views.form_list, name="shinseisho-list"),
    path("cases/<str:number>/forms/bundle.pdf", views.bundle_pdf, name="shinseisho-bundle"),
    path("cases/<str:number>/forms/<slug:form_id>/", views.form_detail, name="shinseisho-detail"),
    path(
        "cases/<str:number>/forms/<slug:form_id>/preview.pdf", views.form_preview, name="shinseisho-preview"
    ),
    path("cases/<str:number>/forms/<slug:form_id>/correct", views.form_correct, name="shinseisho-correct"),
    path("cases/<str:number>/forms/<slug:form_id>/needed", views.form_needed, name="shinseisho-needed"),
]
