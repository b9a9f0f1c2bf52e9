"""Set a staff member's departments: ``madoguchi manage madoguchi_staff USER DEPT [DEPT ...]``."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from madoguchi.web.backoffice.models import StaffDepartment
from madoguchi.web.counter.services import audit, current_catalog


class Command(BaseCommand):
    help = "Replace USER's departments with the given catalog department ids ('all': every internal one)."

    def add_arguments(self, parser):
        parser.add_argument("user")
        parser.add_argument("departments", nargs="+")

    def handle(self, *args, user, departments, **options):
        catalog = current_catalog()
        internal = [d.id for d in catalog.departments.values() if d.kind == "internal"]
        if departments == ["all"]:
            departments = internal
        unknown = [d for d in departments if d not in internal]
        if unknown:
            raise CommandError(f"not departments of the municipality: {', '.join(unknown)}")
        try:
            owner = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"no user {user!r}") from None
        with transaction.atomic():
            StaffDepartment.objects.filter(user=owner).delete()
            for d in departments:
                StaffDepartment.objects.create(user=owner, department_id=d)
            audit(None, "staff.departments", None, user=owner.username, departments=departments)
        self.stdout.write(f"{user}: {', '.join(departments)}")
