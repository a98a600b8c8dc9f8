"""Backup and restore of everything the platform keeps: the database and the files.

One `.tar.gz` holds `database.backupjson` (every row, history included, as Django's
`dumpdata` writes it but with times to the microsecond, and natural keys for content
types and permissions so it loads into any freshly migrated database, SQLite or
PostgreSQL alike), `media/` (uploaded documents and reports) and `imports/` (the
private import files), plus a manifest.

Restore needs an empty database (run `migrate` first, nothing else): the rows are loaded
in one transaction as they were, with history recording off, so no history row is
added. Sequences are reset by `loaddata`, so new records continue after the restored ones.
"""

import datetime
import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

FORMAT = 1
# Rebuilt by `migrate` in every database, or of no value in another one. The caches'
# generation numbers are taken afresh: a restored database starts with fresh caches.
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions.session",
    "admin.logentry",
    "core.generation",
]


def file_roots() -> dict[str, Path]:
    """The directories with files, by their name in the archive."""
    return {
        "media": Path(settings.MEDIA_ROOT),
        "imports": Path(settings.VAR_DIR) / "imports",
    }


def _is_excluded(model: Any) -> bool:
    label = model._meta.label_lower
    return model._meta.app_label in EXCLUDED or label in EXCLUDED


def backed_up_models() -> list[Any]:
    return [m for m in apps.get_models() if not _is_excluded(m) and m._meta.managed]


# Rows that `migrate` itself makes; a restore replaces them with the backed-up ones.
MADE_BY_MIGRATE = {"sites.site"}


def row_count(using: str = DEFAULT_DB_ALIAS, *, own_only: bool = False) -> int:
    models = backed_up_models()
    if own_only:
        models = [m for m in models if m._meta.label_lower not in MADE_BY_MIGRATE]
    return sum(m._base_manager.using(using).count() for m in models)


def create_backup(target: Path, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write the archive to `target`; return its manifest."""
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "database.backupjson"
        # One consistent snapshot of all tables (a repeatable read on PostgreSQL).
        with transaction.atomic(using=using):
            if connections[using].vendor == "postgresql":
                with connections[using].cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            call_command(
                "dumpdata",
                "--format=backupjson",
                *[f"--exclude={label}" for label in EXCLUDED],
                natural_foreign=True,
                natural_primary=False,
                database=using,
                output=str(dump),
                verbosity=0,
            )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database_vendor": connections[using].vendor,
            "rows": row_count(using),
            "files": {},
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(dump, arcname="database.backupjson")
            for name, root in file_roots().items():
                count = 0
                if root.is_dir():
                    for path in sorted(p for p in root.rglob("*") if p.is_file()):
                        archive.add(path, arcname=f"{name}/{path.relative_to(root)}")
                        count += 1
                manifest["files"][name] = count
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
        partial.replace(target)  # never a half-written backup under the real name
    return manifest


class RestoreError(Exception):
    pass


def restore_backup(source: Path, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Load the archive into the empty database and put the files back."""
    if row_count(using, own_only=True):
        raise RestoreError(
            "The database is not empty. Restore into a freshly migrated, empty database."
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(source, "r:gz") as archive:
        # The "data" filter refuses absolute paths, links out of the directory and devices.
        archive.extractall(work, filter="data")
        manifest = json.loads((Path(work) / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise RestoreError(f"Unknown backup format: {manifest.get('format')!r}")
        # Rows made by migrations (the site) are replaced by the backed-up ones. History is
        # switched off: loaddata saves rows raw, but sets many-to-many fields as changes,
        # which django-simple-history would otherwise record as new history entries.
        dump = str(Path(work) / "database.backupjson")
        with transaction.atomic(using=using), override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", dump, database=using, verbosity=0)
        for name, root in file_roots().items():
            unpacked = Path(work) / name
            if unpacked.is_dir():
                shutil.copytree(unpacked, root, dirs_exist_ok=True)
    return manifest
