from django.urls import include, path

from madoguchi.web.backoffice import views

urlpatterns = [
    path("tasks/", views.worklist, name="task-list"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/status", views.task_update, name="task-update"),
    path("tasks/<int:pk>/form.pdf", views.task_form, name="task-form"),
    path("deliveries/", views.delivery_list, name="delivery-list"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery-detail"),
    path("deliveries/<int:pk>/resend", views.delivery_resend, name="delivery-resend"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit.csv", views.audit_csv, name="audit-csv"),
    path("api/v1/", include("madoguchi.web.api.urls")),
]
