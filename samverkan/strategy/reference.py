"""Load the strategies that ship with the product from `reference/strategies.yaml`."""

from pathlib import Path

from django.conf import settings

from .actions import ImportResult, do_import_file


def default_file() -> Path:
    return Path(settings.BASE_DIR) / "reference" / "strategies.yaml"


def load_strategies(path: Path | None = None, *, replace: bool = False) -> list[ImportResult]:
    """Add the reference strategies, or what is missing from them; running it twice changes
    nothing. Coordinators' edits (an action's progress, a new action) are kept unless
    `replace`, which makes every strategy in the file exactly what the file says."""
    path = path or default_file()
    return do_import_file(None, path.name, path.read_bytes(), replace=replace)
