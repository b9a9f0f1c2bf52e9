from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "madoguchi.web.counter"
    label = "madoguchi"
    verbose_name = "madoguchi 窓口"
