from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "madoguchi.web.routing"
    label = "routing"
    verbose_name = "ワンストップ・基幹連携"
