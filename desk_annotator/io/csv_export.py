"""CSV export: one row per annotation (DESIGN §3). Plain UTF-8, written with the csv module."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from desk_annotator.io.exchange_common import SnapshotIndex, atomic_text_writer
from desk_annotator.models import ProjectSnapshot

CSV_COLUMNS = (
    "document_id", "title", "coder", "start", "end", "quote", "stance", "themes", "note",
    "created", "updated",
)
THEME_SEPARATOR = ";"


def snapshot_to_csv_rows(snapshot: ProjectSnapshot) -> Iterator[dict[str, Any]]:
    """Rows in document order, then by position; missing stance/note are empty cells."""
    index = SnapshotIndex(snapshot)
    for doc in snapshot.documents:
        for ann in index.by_document[doc.id]:
            yield {
                "document_id": doc.id, "title": doc.title, "coder": index.coder_name(ann),
                "start": ann.start, "end": ann.end, "quote": ann.quote,
                "stance": index.stance_name(ann) or "",
                "themes": THEME_SEPARATOR.join(index.theme_names(ann)),
                "note": ann.note or "", "created": ann.created, "updated": ann.updated,
            }


def write_csv(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows with exactly CSV_COLUMNS as header; returns the number of data rows."""
    count = 0
    # newline="" lets the csv module write its own \r\n row ends and keep \n inside quotes intact.
    with atomic_text_writer(Path(path), newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
