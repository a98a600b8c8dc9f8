"""Import of organisations and contacts from a CSV or Excel file: read, plan, write.

The plan says per row what will be created, updated or refused and why; it is made with a
fixed number of queries however long the file is. Writing follows the plan inside the
caller's transaction, in batches that record their history, so a failure anywhere leaves
nothing behind. A long file is planned and written a chunk at a time (plan_chunks, Outline,
Writer): memory holds one chunk of rows; what earlier rows said about each organisation
is kept on disk (record), so memory does not grow with the file.

The modules, in the order an import uses them: reading (the file's columns and rows),
cleaning (each row on its own), planning (each row against the database and the rows
before it), record (what earlier chunks said), outline (the counts, signature and
preview) and writing.
"""

from .cleaning import Cleaned, clean_row
from .outline import PREVIEW_REFUSED, PREVIEW_ROWS, Outline, preview, summarise
from .planning import CHUNK, CREATE, PLAN_CHUNK, REFUSE, UPDATE, PlannedRow, plan, plan_chunks
from .reading import (
    COLUMNS,
    CONTACT_COLUMNS,
    EXTENSIONS,
    MAX_BYTES,
    MAX_CELL,
    MAX_COLUMNS,
    MAX_PACKING_RATIO,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    SourceRow,
    open_file,
    read_rows,
    template_csv,
)
from .writing import BATCH, WORKER_THRESHOLD, Writer, apply

__all__ = [
    "BATCH",
    "CHUNK",
    "COLUMNS",
    "CONTACT_COLUMNS",
    "CREATE",
    "EXTENSIONS",
    "MAX_BYTES",
    "MAX_CELL",
    "MAX_COLUMNS",
    "MAX_PACKING_RATIO",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "PLAN_CHUNK",
    "PREVIEW_REFUSED",
    "PREVIEW_ROWS",
    "REFUSE",
    "UPDATE",
    "WORKER_THRESHOLD",
    "Cleaned",
    "Outline",
    "PlannedRow",
    "SourceRow",
    "Writer",
    "apply",
    "clean_row",
    "open_file",
    "plan",
    "plan_chunks",
    "preview",
    "read_rows",
    "summarise",
    "template_csv",
]
