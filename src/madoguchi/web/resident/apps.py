from django.apps import AppConfig


class ResidentConfig(AppConfig):
    name = "madoguchi.web.resident"
    label = "resident"
    verbose_name = "住民向け画面"
