from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.strategy.reference import default_file, load_strategies


class Command(BaseCommand):
    help = (
        "Load the reference strategies (national, regional, the infrastructure's own); "
        "running it again adds only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None, help=f"default: {default_file()}")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Make each strategy exactly what the file says, overwriting edits.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else None
        try:
            results = load_strategies(path, replace=options["replace"])
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        for result in results:
            state = "created" if result.created else ("updated" if result.changed else "unchanged")
            self.stdout.write(f"{result.strategy.slug}: {state}")
