from django.urls import path, re_path

from madoguchi.web.api import views as api

urlpatterns = [
    path("openapi.json", api.openapi, name="api-openapi"),
    path("procedures", api.procedures, name="api-procedures"),
    path("cases", api.cases, name="api-cases"),
    path("cases/<str:number>", api.case_detail, name="api-case"),
    path("tasks", api.tasks, name="api-tasks"),
    path("tasks/<int:pk>", api.task_detail, name="api-task"),
    path("deliveries", api.deliveries, name="api-deliveries"),
    path("deliveries/<int:pk>/resend", api.delivery_resend, name="api-delivery-resend"),
    re_path(r"^(?P<rest>.*)$", api.not_found),
]
