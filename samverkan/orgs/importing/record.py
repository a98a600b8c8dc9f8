"""What an import remembers from one chunk of rows to the next, kept on disk.

A row is checked against the rows before it (a duplicate, a value that differs from an
earlier row, an identifier another organisation of the file took), and the rows that follow
an organisation's creation need its id. Held in memory for every organisation of a long file,
that would grow with the file; instead it lives in a private temporary SQLite database,
deleted when closed, and each chunk loads the part its rows need and saves what they added.
"""

import marshal
import sqlite3
from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

# Rows looked up at a time, well below SQLite's limit on parameters.
LOOKUP = 500


class Record:
    """Dictionaries, each under a name, on disk. A key is a string or a tuple of strings
    (stored as its repr, which tells any two apart); a value is made of what marshal
    writes (numbers, strings, None, tuples, lists and dictionaries of them) and comes back
    as it was saved."""

    def __init__(self) -> None:
        # An empty name: a private database in a temporary file, removed on close, of
        # which memory holds a small cache of pages. Writing opens a transaction, which
        # save() commits.
        self._db = sqlite3.connect("")
        # Nothing to recover or roll back to: a failed import starts again from its file.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE entry (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))"
            " WITHOUT ROWID"
        )

    def load(self, kind: str, keys: Iterable[Hashable]) -> dict[Any, Any]:
        """The entries of these keys that were saved, by key."""
        wanted = {repr(key): key for key in keys}
        found = {}
        names = list(wanted)
        for start in range(0, len(names), LOOKUP):
            part = names[start : start + LOOKUP]
            marks = ",".join("?" * len(part))
            query = f"SELECT key, value FROM entry WHERE kind = ? AND key IN ({marks})"  # noqa: S608
            for key, value in self._db.execute(query, [kind, *part]):
                # Written by save() in this process, into a file only it can open.
                found[wanted[key]] = marshal.loads(value)  # noqa: S302
        return found

    def save(self, kind: str, entries: Mapping[Any, Any]) -> None:
        with self._db:  # one transaction, not one a row
            self._db.executemany(
                "INSERT OR REPLACE INTO entry (kind, key, value) VALUES (?, ?, ?)",
                ((kind, repr(key), marshal.dumps(value)) for key, value in entries.items()),
            )

    def close(self) -> None:
        self._db.close()


class Ids:
    """A set of database ids in eight bytes each (a set of Python ints takes ten times that)."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._sorted = True

    def add(self, pk: int) -> None:
        if self._ids and pk <= self._ids[-1]:
            self._sorted = False
        self._ids.append(pk)

    def __contains__(self, pk: object) -> bool:
        ids = self._in_order()
        i = bisect_left(ids, pk)  # type: ignore[call-overload]
        return i < len(ids) and ids[i] == pk

    def __len__(self) -> int:
        return len(self._in_order())

    def _in_order(self) -> "array[int]":
        if not self._sorted:
            self._ids = array("q", sorted(set(self._ids)))
            self._sorted = True
        return self._ids
