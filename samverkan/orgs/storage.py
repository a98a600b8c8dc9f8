"""Where uploaded import files wait: a private directory that no web server serves."""

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateImportStorage(FileSystemStorage):
    """Files under VAR_DIR/imports: outside MEDIA_ROOT and STATIC_ROOT, readable by the
    platform's own processes only (the web process and the worker)."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    # Read from the settings on every use, not cached, so tests can move it.
    @property
    def base_location(self) -> Path:
        return Path(settings.VAR_DIR) / "imports"

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: Any) -> str:
        raise ValueError("Import files are never served.")

    def progress_path(self, job_id: int) -> Path:
        """A small file the worker writes its progress to: outside the import's transaction,
        so the page can show it while the rows are still uncommitted."""
        return Path(self.location) / "progress" / f"{job_id}.txt"


def private_import_storage() -> PrivateImportStorage:
    return PrivateImportStorage()
