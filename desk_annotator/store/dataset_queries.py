"""The dataset export's read: every document with its annotations, as compact tuples.

Why it looks unlike the other queries (issue 14: a million annotations in seconds):

- Most of the time of a plain read goes into making Python strings of SQLite's values, the
  quote above all (a hundred characters of UTF-8 per annotation). A quote that is not in
  ``unchecked_quotes`` equals ``text[start:end]`` of its document: the triggers queue every
  write of an annotation's offsets or quote and of a document's text, and a quote the check
  found wrong stays queued (store/integrity.py). So only queued quotes are read; the others
  are cut from the document's text, which is read anyway. The stored value wins wherever the
  invariant is not yet proven.
- ``updated`` comes back as NULL when it equals ``created`` (one string fewer per row of an
  annotation never edited). Themes come from a LEFT JOIN, one row per (annotation, theme), the
  rows of an annotation next to each other (they tie on the whole ORDER BY key), merged here
  into one space-joined string of label ids: the join's seek costs about 1 s per million
  annotations less than a correlated ``group_concat`` subquery per row (an aggregate set up
  and torn down per annotation).
- The documents come from one cursor over the table (texts streamed, not held), instead of a
  list of every document's details and a second query per document for its text.
- No reader thread: Python's sqlite3 takes the GIL back for every row, so a second thread
  reading ahead waited for the thread making JSON at each row and doubled the time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..models import Document
from .queries import _DOC_INFO_COLS, Queries

# id, coder_id, start, end, quote (None: cut it from the text), stance_id, note, created,
# updated (None: same as created), one theme label id (None: no theme; an annotation with
# several themes has one row per theme, merged by _themes_merged).
# In the order of idx_annotations_document_spans: no sort per document (ties in start and end
# are put in created order in Python, see _ties_by_created).
_ANNOTATION_SQL = """
    SELECT a.id, a.coder_id, a.start, a.[end], {quote},
           a.stance_id, a.note, a.created,
           CASE WHEN a.updated = a.created THEN NULL ELSE a.updated END, t.label_id
      FROM annotations a {join}
      LEFT JOIN annotation_themes t ON t.annotation_id = a.id
     WHERE a.document_id = ?
     ORDER BY a.start, a.[end], a.id"""
# The queue is joined only when it is big (right after a large import); a small one is read
# once into a dict, an empty one not at all.
_QUEUED_QUOTE_SQL = _ANNOTATION_SQL.format(
    quote="CASE WHEN u.annotation_id IS NULL THEN NULL ELSE a.quote END",
    join="LEFT JOIN unchecked_quotes u ON u.annotation_id = a.id")
_NO_QUOTE_SQL = _ANNOTATION_SQL.format(quote="NULL", join="")
QUEUE_READ_WHOLE = 100_000

# SQLite reads the file through a memory map during the export (fewer system calls and
# copies: about a third of the read's time on a 1 GB project). Only for this read: a file
# truncated under a mapping would stop the program with SIGBUS instead of an error, which a
# read-only export risks only while it runs, and the desktop app never.
EXPORT_MMAP_BYTES = 1 << 32


@contextlib.contextmanager
def mapped_reads(q: Queries) -> Iterator[None]:
    q.db.execute(f"PRAGMA mmap_size = {EXPORT_MMAP_BYTES}")
    try:
        yield
    finally:
        q.db.execute("PRAGMA mmap_size = 0")


def documents_with_rows(q: Queries, document_ids: list[str] | None = None
                        ) -> Iterator[tuple[Document, list[tuple]]]:
    """(document, annotation rows) in document order; rows are in (start, end, created, id)
    order, as Queries.annotations orders them. Run it inside one read transaction."""
    db = q.db
    queued = db.execute("SELECT count(*) FROM unchecked_quotes").fetchone()[0]
    stored: dict[str, str] = {}
    if queued > QUEUE_READ_WHOLE:
        sql = _QUEUED_QUOTE_SQL
    else:
        sql = _NO_QUOTE_SQL
        if queued:
            stored = dict(db.execute(
                "SELECT a.id, a.quote FROM unchecked_quotes u "
                "JOIN annotations a ON a.id = u.annotation_id").fetchall())
    for doc in _documents(q, document_ids):
        rows = db.execute(sql, (doc.id,)).fetchall()
        if len({r[0] for r in rows}) != len(rows):
            rows = _themes_merged(rows)
        if stored:
            rows = [(r[0], r[1], r[2], r[3], stored.get(r[0]), *r[5:]) for r in rows]
        yield doc, _ties_by_created(rows)


_DOCUMENT_SQL = f"SELECT {_DOC_INFO_COLS}, text FROM documents ORDER BY rowid"


def _documents(q: Queries, document_ids: list[str] | None) -> Iterator[Document]:
    """The documents with their texts in display order (Queries.document_infos' order), as
    Queries.document makes them; the whole table through one cursor when none are named."""
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


def _themes_merged(rows: list[tuple]) -> list[tuple]:
    """One row per annotation from the join's rows (one per theme, an annotation's rows next
    to each other): the label ids joined by spaces, in no particular order (the caller puts
    the names in codebook order)."""
    merged: list[tuple] = []
    for row in rows:
        if merged and merged[-1][0] == row[0]:
            merged[-1] = (*merged[-1][:9], f"{merged[-1][9]} {row[9]}")
        else:
            merged.append(row)
    return merged


def _ties_by_created(rows: list[tuple]) -> list[tuple]:
    """Rows in (start, end, id) order put in (start, end, created, id) order. Ties in start
    and end are rare: the sort runs only when there is one (cheaper than SQLite's sort of every
    document's rows)."""
    spans = {(r[2], r[3]) for r in rows}
    if len(spans) == len(rows):
        return rows
    rows.sort(key=lambda r: (r[2], r[3], r[7], r[0]))
    return rows
