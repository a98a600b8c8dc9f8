from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverkan.reference.loader import DEFAULT_FILE, load_reference


class Command(BaseCommand):
    help = "Load (or update) the infrastructure's reference data from a YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference(Path(options["path"]))
        summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
        self.stdout.write(f"Reference data loaded: {summary}.")
