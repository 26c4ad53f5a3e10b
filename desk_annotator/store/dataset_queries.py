"""The dataset export's read: every document with its text, and the exported annotations of
each (store/dataset_worker.py, which says why the read looks unlike the other queries).

The documents come from one cursor over the table (texts streamed, not held), instead of a
list of every document's details and a second query per document for its text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..models import Document
from .dataset_worker import EXPORT_MMAP_BYTES, QUEUE_READ_WHOLE, AnnotationArrays
from .queries import _DOC_INFO_COLS, Queries

__all__ = [
    "EXPORT_MMAP_BYTES",
    "QUEUE_READ_WHOLE",
    "AnnotationArrays",
    "documents",
    "mapped_reads",
]


@contextlib.contextmanager
def mapped_reads(q: Queries) -> Iterator[None]:
    q.db.execute(f"PRAGMA mmap_size = {EXPORT_MMAP_BYTES}")
    try:
        yield
    finally:
        q.db.execute("PRAGMA mmap_size = 0")


_DOCUMENT_SQL = f"SELECT {_DOC_INFO_COLS}, text FROM documents ORDER BY rowid"


def documents(q: Queries, document_ids: list[str] | None = None) -> Iterator[Document]:
    """The documents with their texts in display order (Queries.document_infos' order), as
    Queries.document makes them; the whole table through one cursor when none are named.
    Run it inside one read transaction."""
    if document_ids is not None:
        for info in q.document_infos(document_ids):
            doc = q.document(info.id)
            if doc is not None:  # cannot be None inside one read transaction
                yield doc
        return
    cursor = q.db.execute(_DOCUMENT_SQL)
    names = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        yield Document(id=row["id"], title=row["title"], text=row["text"],
                       sha256=row["sha256"], metadata=Queries._metadata(row))


def document_ids(q: Queries, document_ids: list[str] | None = None) -> list[str]:
    """The ids :func:`documents` yields, in its order, without the texts."""
    if document_ids is not None:
        return [info.id for info in q.document_infos(document_ids)]
    return [r[0] for r in q.db.execute("SELECT id FROM documents ORDER BY rowid")]


def annotation_counts(q: Queries) -> dict[str, int]:
    """Annotations per document id from the summary table (what a split of the work weighs;
    a stale summary only makes the split uneven)."""
    return dict(q.db.execute(
        "SELECT document_id, sum(annotations) FROM annotation_counts GROUP BY document_id"))
