import json
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from samverkan.orgs.models import Committee
from samverkan.scale.seed import already_seeded, counts_for, seed


class Command(BaseCommand):
    help = "Fill the database with national-scale data (deterministic) for measurements."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 inquiries")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the counts as JSON"
        )

    def handle(self, *args: Any, scale: float, as_json: bool, **options: Any) -> None:
        if already_seeded():
            self.stdout.write("Scale data is already loaded; nothing to do.")
            return
        if not Committee.objects.exists():
            # Their reports go to stderr: stdout carries only the counts.
            call_command("load_reference", stdout=self.stderr)
            call_command("load_strategies", stdout=self.stderr)
        started = time.monotonic()
        self.stderr.write(f"Seeding scale {scale}: {counts_for(scale)}")

        def progress(table: str, n: int) -> None:
            elapsed = time.monotonic() - started
            sys.stderr.write(f"\r  {elapsed:6.1f} s  {table:<40} {n:>9,}")
            sys.stderr.flush()
            if n and n % 50_000:
                sys.stderr.write("\n")

        counts = seed(scale, progress)
        counts["seconds"] = round(time.monotonic() - started, 1)  # type: ignore[assignment]
        self.stderr.write(f"Done in {counts['seconds']} s.")
        if as_json:
            self.stdout.write(json.dumps(counts))
        else:
            for name, n in counts.items():
                self.stdout.write(f"{name:>20}: {n:,}")
