from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "madoguchi.web.routing"
    label = "routing"
    verbose_name = "ワンストップ・基幹連携"

    def ready(self) -> None:
        from madoguchi.web.routing.services import on_case_finished
        from madoguchi.web.signals import case_finished

        case_finished.connect(on_case_finished, dispatch_uid="routing.on_case_finished")
