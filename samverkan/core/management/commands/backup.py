from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverkan.core.backup import create_backup


class Command(BaseCommand):
    help = "Back up the database (every row, history included) and the uploaded files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The .tar.gz file to write")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = create_backup(Path(options["archive"]), using=options["database"])
        files = ", ".join(f"{n} {name}" for name, n in manifest["files"].items())
        self.stdout.write(f"Backed up {manifest['rows']} rows and files ({files}).")
