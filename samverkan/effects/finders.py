"""Serve plotly's own bundled plotly.min.js as the static file `plotly/plotly.min.js`.

The script ships inside the installed plotly package; this finder exposes that one file
(not the package's data sets) to runserver, the test servers and collectstatic, so
production serves it like any other static file: hashed name, long cache headers.
"""

from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PREFIX = "plotly"
FILENAME = "plotly.min.js"
STATIC_PATH = f"{PREFIX}/{FILENAME}"


def package_data_dir() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=package_data_dir())
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]  # collectstatic reads it

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if not (package_data_dir() / FILENAME).is_file():
            return [Error(f"plotly's {FILENAME} is missing: reinstall plotly.", id="effects.E001")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path != STATIC_PATH:
            return []
        found = str(package_data_dir() / FILENAME)
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Any:
        yield FILENAME, self.storage
