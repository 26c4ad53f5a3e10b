"""The dataset export's annotation arrays: in the exporting process, or in a helper process.

A large export spends most of its CPU here (SQLite's reads, a dict per annotation, orjson):
about 8 s for a million annotations on one core. Run as a script, this module is that helper
process: it reads the annotations of the documents it is given through its own read-only
connection, inside a read transaction begun while the exporting process held the file's write
lock (store/dataset_split.py), so both read the same committed state; it writes each
document's ``annotations`` array, serialised, to a part file. It imports only the standard
library and orjson (the package's imports take most of a second; this starts in a tenth).

Why the read looks unlike the other queries (issue 14):

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
- No reader thread: Python's sqlite3 takes the GIL back for every row, so a second thread
  reading ahead waited for the thread making JSON at each row and doubled the time. A second
  process shares nothing and does not wait.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import orjson

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


class AnnotationArrays:
    """Each document's exported annotations as the contract's dicts. Build it inside the read
    transaction the documents are read in. ``coders``: the exported coders' names by id (other
    coders' annotations are left out); ``labels``: every label's name by id; ``order``: a
    label's (position, id) by id (themes in codebook order); ``provenance``: "accepted from
    model:…" by annotation id. ``skipped`` counts annotations left out for a label the project
    lacks (cannot happen with its foreign keys)."""

    def __init__(self, db: sqlite3.Connection, coders: dict[str, str], labels: dict[str, str],
                 order: dict[str, Any], provenance: dict[str, str],
                 queue_read_whole: int | None = None) -> None:
        self.db, self.coders, self.labels = db, coders, labels
        self.order, self.provenance = order, provenance
        self.skipped = 0
        # One group of theme ids -> their names in codebook order: a project has few distinct
        # theme combinations, so each is sorted once, not once per annotation.
        self.theme_lists: dict[str | None, list[str] | None] = {None: []}
        self.queue_read_whole = QUEUE_READ_WHOLE if queue_read_whole is None else queue_read_whole
        queued = db.execute("SELECT count(*) FROM unchecked_quotes").fetchone()[0]
        self.stored: dict[str, str] = {}
        if queued > self.queue_read_whole:
            self.sql = _QUEUED_QUOTE_SQL
        else:
            self.sql = _NO_QUOTE_SQL
            if queued:
                self.stored = dict(db.execute(
                    "SELECT a.id, a.quote FROM unchecked_quotes u "
                    "JOIN annotations a ON a.id = u.annotation_id").fetchall())

    def rows(self, document_id: str) -> list[tuple]:
        """The document's rows, one per annotation, in (start, end, created, id) order, as
        Queries.annotations orders them."""
        rows = self.db.execute(self.sql, (document_id,)).fetchall()
        if len({r[0] for r in rows}) != len(rows):
            rows = _themes_merged(rows)
        if self.stored:
            stored = self.stored
            rows = [(r[0], r[1], r[2], r[3], stored.get(r[0]), *r[5:]) for r in rows]
        return _ties_by_created(rows)

    def _theme_names(self, joined: str) -> list[str] | None:
        ids = joined.split(" ")
        labels = self.labels
        if not all(t in labels for t in ids):
            return None  # a label the project lacks (cannot happen with its keys)
        return [labels[t] for t in sorted(ids, key=self.order.__getitem__)]

    def annotations(self, document_id: str, text: str) -> list[dict[str, Any]]:
        coders, labels, theme_lists = self.coders, self.labels, self.theme_lists
        accepted_from = self.provenance
        anns: list[dict[str, Any]] = []
        add = anns.append
        for (ann_id, coder_id, start, end, quote, stance_id, note, created, updated,
             themes) in self.rows(document_id):
            coder = coders.get(coder_id)
            if coder is None:  # another coder's (or an unknown coder's): not exported
                continue
            if themes not in theme_lists:
                theme_lists[themes] = self._theme_names(themes)
            names = theme_lists[themes]
            if names is None or (stance_id is not None and stance_id not in labels):
                self.skipped += 1
                continue
            # A quote the row does not carry is proven equal to the text's slice (see the
            # module's docstring); the stored one wins wherever it is not.
            add({"id": ann_id, "start": start, "end": end,
                 "quote": text[start:end] if quote is None else quote, "coder": coder,
                 "stance": labels[stance_id] if stance_id is not None else None,
                 "themes": list(names), "note": note, "created": created,
                 "updated": created if updated is None else updated})
            if accepted_from and ann_id in accepted_from:
                anns[-1]["provenance"] = accepted_from[ann_id]
        return anns


def _themes_merged(rows: list[tuple]) -> list[tuple]:
    """One row per annotation from the join's rows (one per theme, an annotation's rows next
    to each other): the label ids joined by spaces, in no particular order (the names are put
    in codebook order later)."""
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


# --------------------------------------------------------------------------- the helper process
# Protocol: one JSON line on stdin (the job below); "ready" on stdout once the read
# transaction holds its snapshot; the part file written (the documents' arrays back to back);
# then one JSON line on stdout: {"lengths": [bytes per document], "skipped": n}.


def job(path: str | Path, part: str | Path, document_ids: list[str], arrays: AnnotationArrays
        ) -> bytes:
    return json.dumps({
        "path": str(Path(path).absolute()), "part": str(part), "documents": document_ids,
        "coders": arrays.coders, "labels": arrays.labels, "order": arrays.order,
        "provenance": arrays.provenance,
        "queue_read_whole": arrays.queue_read_whole}).encode() + b"\n"


def _run(stdin: Any, stdout: Any) -> None:
    task = json.loads(stdin.readline())
    db = sqlite3.connect(Path(task["path"]).as_uri() + "?mode=ro", uri=True,
                         isolation_level=None, timeout=10)
    try:
        db.execute("BEGIN DEFERRED")
        order = {k: tuple(v) for k, v in task["order"].items()}
        arrays = AnnotationArrays(db, task["coders"], task["labels"], order, task["provenance"],
                                  task["queue_read_whole"])
        stdout.write(b"ready\n")
        stdout.flush()
        db.execute(f"PRAGMA mmap_size = {EXPORT_MMAP_BYTES}")
        lengths = []
        dumps = orjson.dumps
        # The part file the parent made exclusively beside the exported file: not the project.
        with open(task["part"], "wb") as out:
            for document_id in task["documents"]:
                row = db.execute("SELECT text FROM documents WHERE id = ?",
                                 (document_id,)).fetchone()
                data = dumps(arrays.annotations(document_id, row[0]))
                out.write(data)
                lengths.append(len(data))
        stdout.write(json.dumps({"lengths": lengths, "skipped": arrays.skipped}).encode() + b"\n")
        stdout.flush()
    finally:
        db.close()


if __name__ == "__main__":
    _run(sys.stdin.buffer, sys.stdout.buffer)
