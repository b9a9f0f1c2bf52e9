"""Create (or reset) the account a self-service desk (記載台) tablet logs in with: group ``kiosk`` only, so it
can run /kiosk/ and nothing else (no case list, no registry)."""

import secrets

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "create or reset a self-service desk account (group kiosk)"

    def add_arguments(self, parser):
        parser.add_argument("username", help="e.g. kisaidai-1")

    def handle(self, *args, **options):
        user, created = User.objects.get_or_create(username=options["username"])
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_staff = user.is_superuser = False
        user.save()
        user.groups.set([Group.objects.get_or_create(name="kiosk")[0]])
        verb = "created" if created else "reset"
        self.stdout.write(
            f"{verb} desk account {user.username} / {password} (log in on the tablet, open /kiosk/)"
        )
