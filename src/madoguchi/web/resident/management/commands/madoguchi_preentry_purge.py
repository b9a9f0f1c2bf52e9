"""Delete pre-entries past their retention period (run from cron/systemd timer on the pre-entry side; the
pre-entry profile also purges before storing each new one)."""

from django.core.management.base import BaseCommand

from madoguchi.web.resident.store import purge


class Command(BaseCommand):
    help = "delete expired pre-entry submissions"

    def handle(self, *args, **options):
        self.stdout.write(f"deleted {purge()} expired pre-entries")
