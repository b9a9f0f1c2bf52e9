"""Queue jobs (django-tasks, database backend)."""

from __future__ import annotations

import os
import socket

from madoguchi.web.backoffice.compat import task


@task(queue_name="delivery")
def deliver(delivery_id: int) -> str:
    from madoguchi.web.backoffice.services import attempt_delivery

    return attempt_delivery(delivery_id, worker=f"{socket.gethostname()}:{os.getpid()}")
