from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "madoguchi.web.registry"
    label = "registry"
    verbose_name = "住民記録・マイナンバーカード"
