"""The open checks at a cost that does not grow with the file, and the full checks.

Pages (``page_problem``): on every open SQLite's ``quick_check`` runs over the schema and the
tables whose size does not grow with the corpus (meta, coders, labels, variables, document
sets), or over the whole file when it is small (``FULL_PAGE_CHECK_BYTES``). The whole-file
check runs before every migration, on demand (``desk-annotator check --full``) and, in the GUI,
in the background after the window is shown.

Quotes (``quote_problems``): an annotation whose quote is not ``text[start:end]`` of its
document. Only annotations in ``unchecked_quotes`` (filled by triggers on any write of an
annotation's offsets or quote, or of a document's text; all of them after a migration) are
compared on open; each document's text is read once, in Python, not ``substr`` per
annotation (SQLite walks a long text's pages from the start for every substr).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import sqlite_utils

from .summaries import summary_mismatches

# Below this size the whole file is checked on every open (it takes a few milliseconds).
FULL_PAGE_CHECK_BYTES = 32 * 1024 * 1024
# Tables whose size does not grow with documents or annotations: checked on every open.
FIXED_SIZE_TABLES = ("meta", "coders", "labels", "variables", "document_sets", "sqlite_sequence")


def file_bytes(db: sqlite_utils.Database) -> int:
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    return db.execute("PRAGMA page_count").fetchone()[0] * page_size


def page_problem(db: sqlite_utils.Database, *, full: bool,
                 full_below: int | None = None) -> str | None:
    """SQLite's quick_check: of the whole file (full, or a file under ``full_below`` bytes),
    else of the schema and the fixed-size tables. None when all is well."""
    limit = FULL_PAGE_CHECK_BYTES if full_below is None else full_below
    if full or file_bytes(db) <= limit:
        targets = [None]
    else:
        present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        targets = [t for t in FIXED_SIZE_TABLES if t in present]
    for table in targets:
        # quick_check(TABLE) reads that table's b-tree and its indexes only.
        sql = "PRAGMA quick_check(1)" if table is None else f"PRAGMA quick_check([{table}])"
        result = db.execute(sql).fetchone()[0]
        if result != "ok":
            return " ".join(str(result).split())
    return None


@dataclass
class QuoteCheck:
    bad: list[tuple[str, str]] = field(default_factory=list)  # (annotation id, document title)
    checked: int = 0
    # Queue entries that can leave the queue: their quote matched, or the annotation is gone.
    verified: list[str] = field(default_factory=list)
    # Bad annotations the queue did not hold (a full check after a trigger was dropped): queued
    # so the next open reports them too.
    requeue: list[str] = field(default_factory=list)


def quote_problems(db: sqlite_utils.Database, *, full: bool) -> QuoteCheck:
    """Compare quotes with their texts: the queued annotations, or every one (full)."""
    out = QuoteCheck()
    if full:
        doc_ids = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY rowid")]
        queued = {r[0] for r in db.execute("SELECT annotation_id FROM unchecked_quotes")}
        for doc_id in doc_ids:
            title, text = _title_and_text(db, doc_id)
            checked = _all_quotes_match(db, doc_id, text)
            if checked is not None:
                out.checked += checked
                continue
            # rowids, not ids: a third less to build per row; the few bad ones are named after
            rows = db.execute("SELECT rowid, start, [end], quote FROM annotations "
                              "WHERE document_id = ?", (doc_id,)).fetchall()
            _compare_rows(title, text, rows, out)
        out.bad = [(db.execute("SELECT id FROM annotations WHERE rowid = ?", (rowid,))
                    .fetchone()[0], title) for rowid, title in out.bad]
        bad = {b[0] for b in out.bad}
        out.verified = sorted(queued - bad)  # a queued id with no annotation is gone: verified
        out.requeue = sorted(bad - queued)
        return out
    by_doc: dict[str, list[tuple]] = defaultdict(list)
    gone: list[str] = []
    for ann_id, doc_id, start, end, quote in db.execute(
            "SELECT u.annotation_id, a.document_id, a.start, a.[end], a.quote "
            "FROM unchecked_quotes u LEFT JOIN annotations a ON a.id = u.annotation_id"):
        if doc_id is None:
            gone.append(ann_id)
        else:
            by_doc[doc_id].append((ann_id, start, end, quote))
    for doc_id, rows in by_doc.items():
        _compare(db, doc_id, rows, out)
    bad = {b[0] for b in out.bad}
    out.verified = gone + [r[0] for rows in by_doc.values() for r in rows if r[0] not in bad]
    return out


def _all_quotes_match(db: sqlite_utils.Database, doc_id: str, text: str) -> int | None:
    """How many annotations the document has, when every quote is its text[start:end]; None
    when one is not (or the answer is unclear), and the rows are to be compared one by one.

    The columns come as three group_concat texts in table order (rowids from the document
    index, then the rows in rowid order): SQLite hands over three values instead of 50,000
    rows, and the table is read in page order (a 1 MB document with 50,000 annotations:
    0.37 -> 0.21-0.26 s)."""
    n, starts, ends, quotes = db.execute(
        "SELECT count(*), group_concat(start), group_concat([end]), "
        "group_concat(quote, char(31)) FROM annotations WHERE rowid IN "
        "(SELECT rowid FROM annotations WHERE document_id = ?)", (doc_id,)).fetchone()
    if not n:
        return 0
    parts = quotes.split("\x1f")
    if len(parts) != n:  # a quote holding U+001F itself: compare row by row
        return None
    size = len(text)
    for start, end, quote in zip(map(int, starts.split(",")), map(int, ends.split(",")), parts):
        if end > size or text[start:end] != quote:
            return None
    return n


def _title_and_text(db: sqlite_utils.Database, doc_id: str) -> tuple[str, str]:
    found = db.execute("SELECT title, text FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return (found[0], found[1]) if found else ("(missing document)", "")


def _compare(db: sqlite_utils.Database, doc_id: str, rows: list[tuple], out: QuoteCheck) -> None:
    _compare_rows(*_title_and_text(db, doc_id), rows, out)


def _compare_rows(title: str, text: str, rows: list[tuple], out: QuoteCheck) -> None:
    out.checked += len(rows)
    size = len(text)
    # Every bad one stays queued, so the next open finds it again until it is fixed.
    out.bad += [(ann_id, title) for ann_id, start, end, quote in rows
                if end > size or text[start:end] != quote]


def settle_queue(db: sqlite_utils.Database, check: QuoteCheck) -> None:
    """Take verified annotations off the queue, put unqueued bad ones on it (bookkeeping, not
    a user action: no undo history entry)."""
    if not check.verified and not check.requeue:
        return
    from .db import BUSY_TIMEOUT_MS, transaction

    # Never wait for another program's write for this: a busy file keeps the queue as it is
    # (the next open checks those again), and the open goes on at once.
    db.execute("PRAGMA busy_timeout = 0")
    try:
        with transaction(db):
            db.conn.executemany("DELETE FROM unchecked_quotes WHERE annotation_id = ?",
                                [(i,) for i in check.verified])
            db.conn.executemany("INSERT INTO unchecked_quotes (annotation_id) SELECT ? WHERE "
                                "NOT EXISTS (SELECT 1 FROM unchecked_quotes WHERE "
                                "annotation_id = ?)", [(i, i) for i in check.requeue])
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


# Up to this many annotations written by one of our own actions are checked inside its
# transaction (a tag, an edit, an undo), so a later open — or another program's read — finds
# nothing queued and writes nothing. Bigger imports leave theirs to the next open's check.
CHECKED_IN_ACTION = 5_000


def verify_written(db: sqlite_utils.Database, annotation_ids: set[str],
                   cut_from_text: AbstractSet[str] = frozenset()) -> None:
    """Inside an action's transaction: compare the quotes it queued, take the good ones off.

    ``cut_from_text``: annotations whose quote the action itself cut from the stored text in
    this transaction (right by construction): taken off without reading the text."""
    if not annotation_ids or len(annotation_ids) > CHECKED_IN_ACTION:
        return
    known = annotation_ids & cut_from_text
    if known:
        db.conn.executemany("DELETE FROM unchecked_quotes WHERE annotation_id = ?",
                            [(i,) for i in known])
    ids = list(annotation_ids - known)
    if not ids:
        return
    by_doc: dict[str, list[tuple]] = defaultdict(list)
    for first in range(0, len(ids), 900):
        chunk = ids[first:first + 900]
        for ann_id, doc_id, start, end, quote in db.execute(
                "SELECT a.id, a.document_id, a.start, a.[end], a.quote FROM unchecked_quotes u "
                f"JOIN annotations a ON a.id = u.annotation_id WHERE u.annotation_id IN "
                f"({','.join('?' * len(chunk))})", chunk):
            by_doc[doc_id].append((ann_id, start, end, quote))
    check = QuoteCheck()
    for doc_id, rows in by_doc.items():
        _compare(db, doc_id, rows, check)
    bad = {b[0] for b in check.bad}
    db.conn.executemany("DELETE FROM unchecked_quotes WHERE annotation_id = ?",
                        [(r[0],) for rows in by_doc.values() for r in rows if r[0] not in bad])


def full_check_problems(db: sqlite_utils.Database) -> list[str]:
    """Everything the full check finds besides quotes: damaged pages, wrong summaries."""
    problems: list[str] = []
    damage = page_problem(db, full=True)
    if damage:
        problems.append(f"the project file is damaged ({damage})")
        return problems  # reading the summaries of a damaged file proves nothing more
    problems += summary_mismatches(db)
    return problems

