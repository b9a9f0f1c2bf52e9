from django.apps import AppConfig


class JukiConfig(AppConfig):
    name = "madoguchi.web.juki"
    label = "registry"
    verbose_name = "住民記録・マイナンバーカード"
