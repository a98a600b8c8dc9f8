import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.demo.story import load_demo


class Command(BaseCommand):
    help = "Load the demo story: accounts, companies, needs and inquiries in every state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("SAMVERKAN_DEMO_PASSWORD", ""),
            help="Password of the demo accounts (default: $SAMVERKAN_DEMO_PASSWORD).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["password"]:
            raise CommandError("Give --password or set SAMVERKAN_DEMO_PASSWORD.")
        counts = load_demo(options["password"])
        self.stdout.write("Demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".")
