"""The shape of a strategy file, shared by import and export: the format name and the CSV
columns (see the package's description)."""

FORMAT = "samverkan-strategy/1"
LIST_SEPARATOR = ";"

Path = tuple[str | int, ...]


COLUMNS = [
    "record",
    "key",
    "number",
    "area",
    "kind",
    "title_sv",
    "title_en",
    "title",
    "publisher",
    "adopted_on",
    "period_start",
    "period_end",
    "implements",
    "goal",
    "owner",
    "owner_organisation",
    "status",
    "progress",
    "start_date",
    "end_date",
    "points",
    "sources",
    "url",
    "published_on",
    "description",
    "note",
    "note_sv",
    "note_en",
]
RECORD_COLUMNS: dict[str, list[str]] = {
    "strategy": [
        "key",
        "kind",
        "title_sv",
        "title_en",
        "publisher",
        "adopted_on",
        "period_start",
        "period_end",
        "implements",
        "note_sv",
        "note_en",
        "sources",
    ],
    "source": ["key", "title", "publisher", "url", "published_on", "note"],
    "area": ["number", "title_sv", "title_en", "note_sv", "note_en"],
    "point": [
        "number",
        "area",
        "title_sv",
        "title_en",
        "note_sv",
        "note_en",
        "implements",
        "goal",
        "sources",
    ],
    "action": [
        "key",
        "title",
        "description",
        "owner",
        "owner_organisation",
        "status",
        "progress",
        "start_date",
        "end_date",
        "points",
        "sources",
    ],
}
LIST_COLUMNS = {
    "strategy": {"sources"},
    "source": set(),
    "area": set(),
    "point": {"implements", "sources"},
    "action": {"points", "sources"},
}
