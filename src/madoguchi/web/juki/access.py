"""特定個人情報 on a need-to-know basis (番号法 第19条, 特定個人情報の適正な取扱いに関するガイドライン).

A full 個人番号 is shown only
  * to a user who works for a department whose 番号利用事務 the catalog lists (departments.yaml:
    ``my_number_uses``; an administrator is no exception: the role manages the system, not a 事務),
  * in the context of a case the user works on: its clerk (who opened it), or staff of a department that holds
    a task on it (then only for that department's 事務),
  * for a reason chosen from those 事務 (municipality.yaml: ``my_number_uses``),
  * at most ``MADOGUCHI_MY_NUMBER_REVEALS`` times per ``MADOGUCHI_MY_NUMBER_WINDOW_SECONDS`` per user, counted
    from the audit log (the database: web processes keep no state); one more is refused and audited as an alert.

The registry (search, household pages) is scoped the same way: staff of a department with such a 事務 search
the whole registry; everyone else sees only the residents set on cases they work on.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from madoguchi.catalog.models import MyNumberUse
from madoguchi.web.counter.models import AuditEvent, Case
from madoguchi.web.counter.services import audit, current_catalog

REVEAL_ACTIONS = ("registry.my_number.view", "card.my_number.view")
RATE_ALERT = "my_number.rate_limit_alert"

NO_NEED = "この個人番号を表示する権限がありません。個人番号利用事務を行う課の職員が、担当する案件でのみ表示できます。"
NO_REASON = "表示の理由（個人番号利用事務）を一覧から選んでください。"
UNKNOWN_REASON = (
    "選んだ理由は、この案件であなたの課が行う個人番号利用事務ではありません。一覧から選んでください。"
)
NOT_ON_CASE = "この方はこの案件に設定されていないため、個人番号を表示できません。"
TOO_MANY = "短い時間に個人番号の表示が続いたため、表示を止めました。しばらくしてからもう一度操作してください。この操作は監査ログに記録されました。"


def staff_departments(user) -> set[str]:
    """The departments the user is a member of (StaffDepartment rows; no implicit 'every department')."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_madoguchi_departments", None)
    if cached is None:
        from madoguchi.web.backoffice.models import StaffDepartment

        cached = set(StaffDepartment.objects.filter(user=user).values_list("department_id", flat=True))
        user._madoguchi_departments = cached
    return cached


def number_departments(user) -> list[str]:
    """The user's departments whose 事務 needs the 個人番号 (catalog order)."""
    mine = staff_departments(user)
    return [d for d, dept in current_catalog().departments.items() if d in mine and dept.needs_my_number]


def cases_worked_on(user) -> QuerySet[Case]:
    """Cases the user opened, and cases with a task for one of the user's departments."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(Q(created_by=user) | Q(tasks__department_id__in=staff_departments(user)))


def works_on(user, case: Case) -> bool:
    return cases_worked_on(user).filter(pk=case.pk).exists()


def reveal_uses(user, case: Case | None) -> list[MyNumberUse]:
    """The 番号利用事務 for which the user may see a full 個人番号 on this case (empty: not at all)."""
    if case is None or not user.is_authenticated:
        return []
    departments = number_departments(user)
    if not departments:
        return []
    if case.created_by_id != user.pk:
        from madoguchi.web.backoffice.models import Task

        holding = set(
            Task.objects.filter(case=case, department_id__in=departments).values_list(
                "department_id", flat=True
            )
        )
        departments = [d for d in departments if d in holding]
    catalog = current_catalog()
    wanted = {u for d in departments for u in catalog.departments[d].my_number_uses}
    return [u for u in catalog.municipality.my_number_uses if u.id in wanted]


def may_reveal(user, case: Case | None) -> bool:
    return bool(reveal_uses(user, case))


def whole_registry(user) -> bool:
    """Staff of a department with a 番号利用事務 search the whole registry."""
    return bool(number_departments(user))


def visible_residents(user):
    """None: every resident. Otherwise the ids of the residents on cases the user works on."""
    if whole_registry(user):
        return None
    from madoguchi.web.juki.models import CaseRegistryLink

    return CaseRegistryLink.objects.filter(case__in=cases_worked_on(user)).values("resident_id")


class RevealRefused(Exception):
    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


def check_reveal(request, case: Case | None, reason_id: str) -> MyNumberUse:
    """The chosen 事務 when the full number may be shown now; RevealRefused (a Japanese message) otherwise.
    A refusal for the rate limit writes an alert to the audit log."""
    uses = reveal_uses(request.user, case)
    if not uses:
        raise RevealRefused(NO_NEED)
    if not reason_id:
        raise RevealRefused(NO_REASON, 400)
    use = next((u for u in uses if u.id == reason_id), None)
    if use is None:
        raise RevealRefused(UNKNOWN_REASON, 400)
    limit = getattr(settings, "MADOGUCHI_MY_NUMBER_REVEALS", 10)
    window = getattr(settings, "MADOGUCHI_MY_NUMBER_WINDOW_SECONDS", 600)
    since = timezone.now() - timedelta(seconds=window)
    recent = AuditEvent.objects.filter(user=request.user, action__in=REVEAL_ACTIONS, at__gte=since).count()
    if recent >= limit:
        audit(request, RATE_ALERT, case, reveals=recent, limit=limit, window_seconds=window)
        raise RevealRefused(TOO_MANY, 429)
    return use
