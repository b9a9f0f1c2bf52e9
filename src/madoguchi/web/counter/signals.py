"""Signals other apps of the shell hook into. Sent inside the database transaction of the change, so a
receiver's writes (tasks, outbox records) commit or roll back together with it."""

from django.dispatch import Signal

# sender=Case class; kwargs: case, request (may be None), state (services.CaseState)
case_finished = Signal()

# Asked before finishing, to tell the clerk what finishing will do; each receiver returns a list of sentences
# and writes nothing. sender=Case class; kwargs: case, state.
case_finish_preview = Signal()
