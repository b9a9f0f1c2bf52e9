from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "madoguchi.web.counter"
    label = "madoguchi"
    verbose_name = "madoguchi 窓口"

    def ready(self) -> None:
        from madoguchi.web.counter import auditing

        auditing.connect()
