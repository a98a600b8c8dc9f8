from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.core.backup import RestoreError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into an empty database (migrated first) "
        "and put the files back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The .tar.gz file made by `backup`")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", database=options["database"], verbosity=0, interactive=False)
        try:
            manifest = restore_backup(Path(options["archive"]), using=options["database"])
        except RestoreError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {manifest['rows']} rows from {manifest['created_at']}.")
