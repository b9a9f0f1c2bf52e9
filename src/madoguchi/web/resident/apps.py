"""The resident's side: pre-entry at home, the resident's screen at the counter, self-service."""

from django.apps import AppConfig, apps


class ResidentConfig(AppConfig):
    name = "madoguchi.web.resident"
    label = "resident"
    verbose_name = "住民向け画面"

    def ready(self) -> None:
        # On the counter profile only: a finished case disconnects its resident screen.
        if apps.is_installed("madoguchi.web.counter"):
            from madoguchi.web.counter.signals import case_finished

            case_finished.connect(_end_screens, dispatch_uid="resident-end-screens")


def _end_screens(sender, case, **kwargs) -> None:
    from django.utils import timezone

    from madoguchi.web.resident.models import ScreenPairing

    ScreenPairing.objects.filter(case_number=case.number, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
