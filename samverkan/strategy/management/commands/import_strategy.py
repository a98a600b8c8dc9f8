from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.strategy.actions import do_import_file


class Command(BaseCommand):
    help = (
        "Import a strategy from a YAML or CSV file (CSV by its .csv extension), all or "
        "nothing. The strategy with the file's key becomes exactly what the file says."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--add-missing",
            action="store_true",
            help="Only add what is missing; leave what is already there as it is.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            results = do_import_file(
                None, path.name, path.read_bytes(), replace=not options["add_missing"]
            )
        except OSError as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError(
                f"{path}: nothing was imported.\n" + "\n".join(error.messages)
            ) from error
        for result in results:
            counts = ", ".join(f"{n} {k}" for k, n in sorted(result.counts.items())) or "no change"
            state = "created" if result.created else "updated"
            self.stdout.write(f"{result.strategy.slug}: {state} ({counts})")
