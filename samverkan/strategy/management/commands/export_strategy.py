from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.strategy.exchange import export_document, to_csv, to_yaml
from samverkan.strategy.models import Strategy


class Command(BaseCommand):
    help = "Write a strategy as YAML or CSV, to standard output or a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="the strategy's key (slug)")
        parser.add_argument("--format", choices=["yaml", "csv"], default="yaml")
        parser.add_argument("--output", "-o", help="a file to write; standard output if absent")

    def handle(self, *args: Any, **options: Any) -> None:
        strategy = Strategy.objects.filter(slug=options["key"]).first()
        if strategy is None:
            raise CommandError(f"No strategy with the key {options['key']!r}.")
        document = export_document(strategy)
        text = to_csv(document) if options["format"] == "csv" else to_yaml(document)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")
