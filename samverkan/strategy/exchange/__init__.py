"""A strategy as a file, YAML or CSV, so a region can load its own plan and take it out again.

Both formats carry the same document; exporting and importing gives the same strategy. A file
is read completely and checked before anything is stored, and every error names its line and
key (YAML) or line and column (CSV). The reference file `reference/strategies.yaml` is a list
of such documents under `strategies:`.

The package holds the file's shape (format), reading and checking it (importing) and
writing it (exporting); every name is re-exported here.

YAML, one strategy::

    format: samverkan-strategy/1
    strategy: {key, kind, title_sv, title_en, publisher, adopted_on, period_start, period_end,
               implements, note_sv, note_en, sources: [source keys]}
    sources: [{key, title, publisher, url, published_on, note}]
    areas:   [{number, title_sv, title_en, note_sv, note_en,
               points: [{number, title_sv, title_en, note_sv, note_en,
                         implements: [numbers of the implemented strategy's points],
                         goal: goal number, sources: [source keys]}]}]
    actions: [{key, title, description, owner, owner_organisation, status, progress,
               start_date, end_date, points: [point numbers], sources: [source keys]}]

CSV: one row per record, the column `record` saying which (strategy, source, area, point,
action), the other columns named like the YAML keys; `area` gives a point's area number and
lists are separated by semicolons.
"""

from .exporting import export_document, to_csv, to_yaml
from .format import COLUMNS, FORMAT, LIST_COLUMNS, LIST_SEPARATOR, RECORD_COLUMNS, Path
from .importing import (
    ACTION_KEYS,
    AREA_KEYS,
    POINT_KEYS,
    SOURCE_KEYS,
    STRATEGY_KEYS,
    TOP_KEYS,
    ActionDoc,
    AreaDoc,
    Locator,
    PointDoc,
    SourceDoc,
    StrategyDoc,
    check_document,
    company_owner_problem,
    documents_in,
    progress_problem,
    read_csv,
    read_file,
    read_yaml,
)

__all__ = [
    "ACTION_KEYS",
    "AREA_KEYS",
    "COLUMNS",
    "FORMAT",
    "LIST_COLUMNS",
    "LIST_SEPARATOR",
    "POINT_KEYS",
    "RECORD_COLUMNS",
    "SOURCE_KEYS",
    "STRATEGY_KEYS",
    "TOP_KEYS",
    "ActionDoc",
    "AreaDoc",
    "Locator",
    "Path",
    "PointDoc",
    "SourceDoc",
    "StrategyDoc",
    "check_document",
    "company_owner_problem",
    "documents_in",
    "export_document",
    "progress_problem",
    "read_csv",
    "read_file",
    "read_yaml",
    "to_csv",
    "to_yaml",
]
