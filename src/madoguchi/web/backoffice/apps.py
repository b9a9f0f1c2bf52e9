from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "madoguchi.web.backoffice"
    label = "routing"
    verbose_name = "ワンストップ・基幹連携"

    def ready(self) -> None:
        from madoguchi.web.backoffice.services import finish_preview, on_case_finished
        from madoguchi.web.counter.signals import case_finish_preview, case_finished

        case_finished.connect(on_case_finished, dispatch_uid="routing.on_case_finished")
        case_finish_preview.connect(finish_preview, dispatch_uid="routing.finish_preview")
