from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "madoguchi.web"
    label = "madoguchi"
    verbose_name = "madoguchi 窓口"
