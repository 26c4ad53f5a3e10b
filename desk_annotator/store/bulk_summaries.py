"""Bulk writes of annotations without paying the summary triggers once per row.

The summaries (store/summaries.py, store/label_summaries.py) are kept by row triggers, so they
hold for every program that writes the file. Per row they cost ~0.1 ms, which made a
million-annotation import spend minutes in triggers. An import therefore drops those triggers
*inside its own write transaction*, inserts, recounts the summaries of the documents it
touched set-wise, and creates the triggers again from their stored SQL before the commit.
DDL is transactional in SQLite and the write transaction excludes every other writer, so no
other program ever writes while a trigger is missing, and a failed import rolls the drop
back with everything else. Deleting a document (and undoing that) takes the same path, as do
merges and deletions of a much-used label (:func:`label_triggers_suspended`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

import sqlite_utils

from . import label_summaries, summaries

# Below this many rows the triggers are cheaper than recounting whole documents.
BULK_ROWS = 1000

_AFFECTED = "(SELECT id FROM temp.bulk_documents)"


def _saved_triggers(db: sqlite_utils.Database, names: Iterable[str] = (
        *summaries.TRIGGERS, *label_summaries.TRIGGERS)) -> list[tuple[str, str]] | None:
    names = list(names)
    marks = ", ".join("?" * len(names))
    saved = db.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                       f"AND name IN ({marks})", names).fetchall()
    # With one missing, the open's repair recounts everything anyway: leave the rest alone.
    return saved if len(saved) == len(names) else None


def _recount(db: sqlite_utils.Database, *, queue_quotes: bool = True) -> None:
    """Recompute every summary row of the documents in temp.bulk_documents; ``queue_quotes``
    False leaves the quote-check queue as it is (the caller checked the quotes it wrote)."""
    run = db.execute
    # store/summaries.py: counts per (document, coder), owners, the unchecked-quotes queue.
    # Queue entries of annotations the body deleted go, as the delete trigger takes them
    # (read through the queue, mostly empty: the owner table has no index by document).
    run("DELETE FROM unchecked_quotes WHERE NOT EXISTS "
        "(SELECT 1 FROM annotations a WHERE a.id = unchecked_quotes.annotation_id)")
    run(f"DELETE FROM annotation_owners WHERE document_id IN {_AFFECTED}")
    run("INSERT INTO annotation_owners (annotation_id, document_id, coder_id) "
        f"SELECT id, document_id, coder_id FROM annotations WHERE document_id IN {_AFFECTED}")
    run(f"DELETE FROM annotation_counts WHERE document_id IN {_AFFECTED}")
    run("INSERT INTO annotation_counts (document_id, coder_id, annotations) "
        "SELECT document_id, coder_id, count(*) FROM annotations "
        f"WHERE document_id IN {_AFFECTED} GROUP BY document_id, coder_id")
    if queue_quotes:
        run("INSERT INTO unchecked_quotes (annotation_id) SELECT a.id FROM annotations a "
            f"WHERE a.document_id IN {_AFFECTED} AND NOT EXISTS "
            "(SELECT 1 FROM unchecked_quotes u WHERE u.annotation_id = a.id)")
    # store/label_summaries.py: per (kind, document, coder, label), then the totals
    run(f"DELETE FROM label_owners WHERE document_id IN {_AFFECTED}")
    run("INSERT INTO label_owners (annotation_id, kind, label_id, document_id, coder_id, length) "
        "SELECT id, 's', stance_id, document_id, coder_id, [end] - start FROM annotations "
        f"WHERE stance_id IS NOT NULL AND document_id IN {_AFFECTED} UNION ALL "
        "SELECT a.id, 't', t.label_id, a.document_id, a.coder_id, a.[end] - a.start "
        "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
        f"WHERE a.document_id IN {_AFFECTED}")
    run(f"DELETE FROM label_counts WHERE document_id IN {_AFFECTED}")
    run("INSERT INTO label_counts (kind, document_id, coder_id, label_id, passages, characters) "
        "SELECT kind, document_id, coder_id, label_id, count(*), sum(length) FROM label_owners "
        f"WHERE document_id IN {_AFFECTED} GROUP BY kind, coder_id, label_id, document_id")
    run("DELETE FROM label_totals")
    run("INSERT INTO label_totals (kind, coder_id, label_id, passages, characters, documents) "
        "SELECT kind, coder_id, label_id, sum(passages), sum(characters), count(*) "
        "FROM label_counts GROUP BY kind, coder_id, label_id")


# Page cache while a bulk insert runs (KiB, as PRAGMA cache_size takes it when negative): the
# id and document indexes of a million annotations are inserted in random order, and the
# default 2 MB cache made most of those inserts read a page back from the file.
BULK_CACHE_KIB = 128 * 1024

# Helper threads for SQLite's sorter while the indexes are built again and the summaries
# recounted: those are sorts of a million rows keyed by text ids, which SQLite splits among
# its threads and merges. 0 (the default) sorts in the calling thread alone.
BULK_SORT_THREADS = min(os.cpu_count() or 1, 4)


@contextlib.contextmanager
def _sorter_threads(db: sqlite_utils.Database) -> Iterator[None]:
    """BULK_SORT_THREADS for the statements of the body, then the connection's own setting."""
    before = db.execute("PRAGMA threads").fetchone()[0]
    db.execute(f"PRAGMA threads = {BULK_SORT_THREADS}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA threads = {before}")


def _indexes_to_rebuild(db: sqlite_utils.Database, rows: int) -> list[tuple[str, str]]:
    """The secondary indexes of the annotation tables, when building them again after the
    insert costs less than keeping them up to date row by row: when the insert at least
    doubles the annotations (SQLite sorts once instead of seeking once per row and index)."""
    existing = db.execute("SELECT count(*) FROM annotations").fetchone()[0]
    if rows < existing:
        return []
    return db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                      "AND sql IS NOT NULL AND tbl_name IN ('annotations', 'annotation_themes') "
                      "ORDER BY name").fetchall()


@contextlib.contextmanager
def triggers_suspended(db: sqlite_utils.Database, document_ids: Iterable[str],
                       rows: int, *, quotes_checked: bool = False) -> Iterator[None]:
    """Run the body's writes of ``rows`` annotation/theme rows in ``document_ids`` with the
    summary triggers dropped, then recount those documents and restore the triggers. Must be
    called inside the caller's write transaction; small writes keep the triggers. A large
    insert also drops the tables' secondary indexes and builds them again at the end (all in
    the same transaction: a failure rolls the drops back with the rest).

    ``quotes_checked``: the body writes only annotations whose quote the caller compared with
    its document's text as stored in this same transaction (an import does), so they are not
    put on the quote-check queue: nothing else can write the file inside our transaction, and
    the insert trigger would queue them only for the next open to find them right (a million
    queued quotes made that open read every text again: 9 s of CPU). The queue entries of the
    documents' other annotations stay as they were."""
    saved = _saved_triggers(db) if rows >= BULK_ROWS else None
    if saved is None or not db.conn.in_transaction:
        yield
        return
    indexes = _indexes_to_rebuild(db, rows)
    for name, _sql in saved:
        db.execute(f"DROP TRIGGER {name}")
    for name, _sql in indexes:
        db.execute(f"DROP INDEX {name}")
    cache = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {min(cache, -BULK_CACHE_KIB)}")
    try:
        yield
        with _sorter_threads(db):
            for _name, sql in indexes:
                db.execute(sql)
    finally:
        db.execute(f"PRAGMA cache_size = {cache}")
    # The recount runs with the default cache: with the big one it took as long (1 M
    # annotations: 21-27 s of CPU either way at load 4-5, run alternately).
    db.execute("CREATE TEMP TABLE IF NOT EXISTS bulk_documents (id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.bulk_documents")
    db.conn.executemany("INSERT OR IGNORE INTO temp.bulk_documents (id) VALUES (?)",
                        ((d,) for d in document_ids))
    with _sorter_threads(db):
        _recount(db, queue_quotes=not quotes_checked)
    db.execute("DELETE FROM temp.bulk_documents")
    for _name, sql in saved:
        db.execute(sql)


_LABELS = "(SELECT id FROM temp.bulk_labels)"


def _recount_labels(db: sqlite_utils.Database) -> None:
    """Recompute every label summary row of the labels in temp.bulk_labels (both kinds: a
    label id belongs to one scheme, so it has rows of one kind only)."""
    run = db.execute
    run(f"DELETE FROM label_owners WHERE label_id IN {_LABELS}")
    run("INSERT INTO label_owners (annotation_id, kind, label_id, document_id, coder_id, length) "
        "SELECT id, 's', stance_id, document_id, coder_id, [end] - start FROM annotations "
        f"WHERE stance_id IN {_LABELS} UNION ALL "
        "SELECT a.id, 't', t.label_id, a.document_id, a.coder_id, a.[end] - a.start "
        "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
        f"WHERE t.label_id IN {_LABELS}")
    run(f"DELETE FROM label_counts WHERE label_id IN {_LABELS}")
    run("INSERT INTO label_counts (kind, document_id, coder_id, label_id, passages, characters) "
        "SELECT kind, document_id, coder_id, label_id, count(*), sum(length) FROM label_owners "
        f"WHERE label_id IN {_LABELS} GROUP BY kind, coder_id, label_id, document_id")
    run(f"DELETE FROM label_totals WHERE label_id IN {_LABELS}")
    run("INSERT INTO label_totals (kind, coder_id, label_id, passages, characters, documents) "
        "SELECT kind, coder_id, label_id, sum(passages), sum(characters), count(*) "
        f"FROM label_counts WHERE label_id IN {_LABELS} GROUP BY kind, coder_id, label_id")


@contextlib.contextmanager
def label_triggers_suspended(db: sqlite_utils.Database, label_ids: Iterable[str],
                             rows: int) -> Iterator[None]:
    """For a write that changes only which labels annotations carry (merging or deleting a
    label, and undoing that): with ``rows`` annotation and theme rows or more, the label
    summary triggers are dropped for the body, then the summaries of ``label_ids`` (every
    label the body adds or takes away) are recounted and the triggers restored, inside the
    caller's write transaction as :func:`triggers_suspended`. The passage and quote
    summaries (store/summaries.py) keep their triggers: such a write never fires them.

    Per row, the label triggers recompute the annotation's every share: a merge of a theme
    on 100,000 annotations spent 26 of its 33 s in them."""
    saved = _saved_triggers(db, label_summaries.TRIGGERS) if rows >= BULK_ROWS else None
    if saved is None or not db.conn.in_transaction:
        yield
        return
    for name, _sql in saved:
        db.execute(f"DROP TRIGGER {name}")
    yield
    db.execute("CREATE TEMP TABLE IF NOT EXISTS bulk_labels (id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.bulk_labels")
    db.conn.executemany("INSERT OR IGNORE INTO temp.bulk_labels (id) VALUES (?)",
                        ((label,) for label in label_ids if label))
    _recount_labels(db)
    db.execute("DELETE FROM temp.bulk_labels")
    for _name, sql in saved:
        db.execute(sql)
