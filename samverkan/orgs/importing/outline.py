"""What a plan does, in brief: the counts, a signature, and the rows the preview shows."""

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from .planning import CREATE, REFUSE, UPDATE, PlannedRow

# The stored preview: the first rows and the refused ones, never the whole of a long file.
PREVIEW_ROWS = 200
PREVIEW_REFUSED = 1000


class Outline:
    """What a plan does, gathered a chunk at a time: the counts, a signature of every
    row's effect, and the preview (the first rows and the refused ones, up to a bound,
    so a long file never makes a huge record)."""

    def __init__(self) -> None:
        self.counts = {CREATE: 0, UPDATE: 0, REFUSE: 0}
        self.rows = 0
        self.preview: list[dict[str, Any]] = []
        self._refused_shown = 0
        self._signature = hashlib.sha256()

    def add(self, planned: Iterable[PlannedRow]) -> None:
        for item in planned:
            self.counts[item.action] += 1
            self._signature.update(json.dumps(item.signature(), default=str).encode())
            self._signature.update(b"\n")
            if self.rows < PREVIEW_ROWS:
                self.preview.append(item.preview())
                self._refused_shown += item.action == REFUSE
            elif item.action == REFUSE and self._refused_shown < PREVIEW_REFUSED:
                self.preview.append(item.preview())
                self._refused_shown += 1
            self.rows += 1

    def summary(self) -> dict[str, Any]:
        return {
            **self.counts,
            "rows": self.rows,
            "signature": self._signature.hexdigest(),
            "preview_rows": PREVIEW_ROWS,
        }


def summarise(planned: Sequence[PlannedRow]) -> dict[str, Any]:
    outline = Outline()
    outline.add(planned)
    return outline.summary()


def preview(planned: Sequence[PlannedRow]) -> list[dict[str, Any]]:
    """What the preview page shows and the job stores (see Outline)."""
    outline = Outline()
    outline.add(planned)
    return outline.preview
