"""Create the roles, demo staff accounts and a few fictional sample cases. Safe to run again."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from madoguchi.web.counter.models import Case, Role
from madoguchi.web.counter.services import current_catalog, guide_for, save_answer

# Demo accounts only: the demo listens on 127.0.0.1 and holds fictional data.
DEMO_USERS = [
    ("madoguchi", "窓口 花子", Role.COUNTER_CLERK, "madoguchi-demo", False),
    ("tantou", "担当 一郎", Role.DEPARTMENT_STAFF, "tantou-demo", False),
    ("kansa", "監査 次郎", Role.AUDITOR, "kansa-demo", False),
    ("admin", "管理 三郎", Role.ADMINISTRATOR, "admin-demo", True),
]

# Fictional families (no real people): facts already answered, so the list shows a case in progress.
SAMPLE_CASES = [
    (
        "okuyami",
        "受付番号 1（架空: 緑川家）",
        {
            "deceased.death_date": date(2026, 11, 20),
            "deceased.birth_date": date(1944, 3, 15),
            "deceased.health_insurance": "kouki",
            "deceased.was_householder": True,
        },
    ),
]


def ensure_roles() -> dict[str, Group]:
    return {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}


class Command(BaseCommand):
    help = "Set up demo roles, staff accounts and sample cases (fictional)."

    @transaction.atomic
    def handle(self, *args, **options):
        groups = ensure_roles()
        self.stdout.write("demo accounts (user / password / role):")
        for username, full_name, role, password, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            family, given = full_name.split(" ")
            user.last_name, user.first_name = family, given
            user.is_staff = superuser
            user.is_superuser = superuser
            user.set_password(password)
            user.save()
            user.groups.add(groups[role.value])
            self.stdout.write(f"  {username:10} {password:16} {role.label}")
        self._residents()
        clerk = User.objects.get(username="madoguchi")
        catalog = current_catalog()
        # The demo's department staff work for every department of the municipality.
        from madoguchi.web.backoffice.models import StaffDepartment

        tantou = User.objects.get(username="tantou")
        for department in catalog.departments.values():
            if department.kind == "internal":
                StaffDepartment.objects.get_or_create(user=tantou, department_id=department.id)
        # The counter is run by 市民課 (住民基本台帳に関する事務): the demo clerk may see a full 個人番号 on the
        # cases they open, for a listed reason (docs/registry.md).
        if "shimin" in catalog.departments:
            StaffDepartment.objects.get_or_create(user=clerk, department_id="shimin")
        for event_id, visitor, facts in SAMPLE_CASES:
            if event_id not in catalog.events or Case.objects.filter(visitor_name=visitor).exists():
                continue
            case = Case.objects.create(
                catalog_id=catalog.municipality.id, event_id=event_id, created_by=clerk, visitor_name=visitor
            )
            case.assign_number()
            case.save(update_fields=["number"])
            guide = guide_for(event_id)
            for name, value in facts.items():
                if name in guide.catalog.facts:
                    save_answer(case, guide.catalog.facts[name], value, clerk)

    def _residents(self) -> None:
        """Fictional residents of 架空県みどり市 (with the family of the demo card), once."""
        import os

        from madoguchi.web.juki.encryption import ensure_demo_key
        from madoguchi.web.juki.models import Resident
        from madoguchi.web.juki.store import generate_into_db

        ensure_demo_key()
        if Resident.objects.exists():
            return
        count = int(os.environ.get("MADOGUCHI_DEMO_RESIDENTS", "3000"))
        report = generate_into_db(count, seed=1, demo=True)
        self.stdout.write(f"fictional residents: {report.residents} in {len(report.households)} households")
