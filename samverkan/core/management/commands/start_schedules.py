from typing import Any

from django.core.management.base import BaseCommand

from samverkan.core.tasks import ensure_periodic_sweeps


class Command(BaseCommand):
    help = "Make sure the worker runs the periodic reminder sweep (safe to run at every start)."

    def handle(self, *args: Any, **options: Any) -> None:
        added = ensure_periodic_sweeps()
        self.stdout.write(
            "Reminder sweep scheduled." if added else "Reminder sweep already waiting."
        )
