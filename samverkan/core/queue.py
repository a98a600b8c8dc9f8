"""Hand work to the worker by the task's dotted path.

An app's tasks.py imports its actions (a task calls an action); the actions enqueue tasks
through this helper by name, so the two modules never import each other both ways.
"""

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue_on_commit(task_path: str, *args: Any) -> None:
    """Enqueue the task at `task_path` (such as "samverkan.orgs.tasks.run_import_job") with
    `args` once the current transaction commits, so the worker never sees unsaved rows."""

    def enqueue() -> None:
        import_string(task_path).enqueue(*args)

    transaction.on_commit(enqueue)
