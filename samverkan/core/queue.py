"""Hand work to the worker by the task's dotted path.

An app's tasks.py imports its actions (a task calls an action); the actions enqueue tasks
through this helper by name, so the two modules never import each other both ways.
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus


def enqueue_on_commit(task_path: str, *args: Any) -> None:
    """Enqueue the task at `task_path` (such as "samverkan.orgs.tasks.run_import_job") with
    `args` once the current transaction commits, so the worker never sees unsaved rows."""

    def enqueue() -> None:
        import_string(task_path).enqueue(*args)

    transaction.on_commit(enqueue)


def enqueue_once(task_path: str, *args: Any, delay: datetime.timedelta | None = None) -> bool:
    """Enqueue the task at `task_path` with `args` (to run after `delay`), unless a run of
    it with the same arguments is already waiting; True when one was added. Call it outside
    a transaction (or from an on-commit callback). A run already under way does not count:
    it may have read the data before the change that asks for another."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    task = import_string(task_path)
    if isinstance(task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path,
            status=TaskResultStatus.READY,
            args_kwargs__args=list(args),
        )
        if waiting.exists():
            return False
    if delay is not None:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(*args)
    return True
