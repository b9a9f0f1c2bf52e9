"""django-tasks on Django 5.2 (the backport); Django 6 has the same API as django.tasks."""

try:  # pragma: no cover - Django 6
    from django.tasks import task
except ImportError:
    from django_tasks import task

__all__ = ["task"]
