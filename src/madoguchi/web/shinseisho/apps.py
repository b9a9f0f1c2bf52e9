from django.apps import AppConfig


class ShinseishoConfig(AppConfig):
    name = "madoguchi.web.shinseisho"
    label = "shinseisho"
    verbose_name = "申請書"
