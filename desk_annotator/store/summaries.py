"""What start-up and the open checks read instead of the whole file, kept right by triggers.

- ``annotation_counts(document_id, coder_id, annotations)``: the corpus list's per-coder counts
  and ``stats`` without reading a million annotations.
- ``annotation_owners(annotation_id, document_id, coder_id)``: which count each annotation is in.
  ``INSERT OR REPLACE`` of an existing id fires no delete trigger (SQLite deletes the replaced
  row silently unless recursive_triggers is on), so the insert trigger looks up the row's old
  (document, coder) here instead of trusting that a delete trigger ran.
- ``unchecked_quotes(annotation_id)``: annotations whose quote has not been compared with their
  document's text since they (or that text) were last written. The open checks only these.
- ``idx_documents_list``: a covering index of the corpus list's columns, so listing 50,000
  documents never reads their texts (the text column sits before length and metadata in the
  row, so a table scan would walk every text's overflow pages).

Triggers, not op-maintained counters: they fire for every program that writes the file (the
sqlite3 shell, sqlite-utils, a user's script). Trigger bodies use plain INSERT guarded by NOT
EXISTS, never INSERT OR IGNORE/REPLACE: an outer statement's conflict clause overrides those of
the statements inside a trigger.
"""

from __future__ import annotations

import sqlite_utils

SUMMARY_TABLES = ("annotation_counts", "annotation_owners", "unchecked_quotes")

_TABLES = (
    """CREATE TABLE IF NOT EXISTS annotation_counts (
        document_id TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        annotations INTEGER NOT NULL,
        PRIMARY KEY (document_id, coder_id)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS annotation_owners (
        annotation_id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL,
        coder_id TEXT NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS unchecked_quotes (
        annotation_id TEXT PRIMARY KEY) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS idx_documents_list "
    "ON documents(id, title, author, outlet, date, url, length)",
    # stats' stance counts per coder from the index alone (not every annotation row)
    "CREATE INDEX IF NOT EXISTS idx_annotations_coder_stance ON annotations(coder_id, stance_id)",
)

# Steps shared by the triggers: take annotation :old out of its count (as annotation_owners
# records it), put (:id, :doc, :coder) into its count.
_LEAVE = """
    UPDATE annotation_counts SET annotations = annotations - 1
     WHERE (document_id, coder_id) IN
           (SELECT document_id, coder_id FROM annotation_owners WHERE annotation_id = {old});
    DELETE FROM annotation_counts WHERE annotations <= 0 AND (document_id, coder_id) IN
           (SELECT document_id, coder_id FROM annotation_owners WHERE annotation_id = {old});
    DELETE FROM annotation_owners WHERE annotation_id = {old};"""
_ENTER = """
    INSERT INTO annotation_counts (document_id, coder_id, annotations)
      SELECT NEW.document_id, NEW.coder_id, 0 WHERE NOT EXISTS (SELECT 1 FROM annotation_counts
             WHERE document_id = NEW.document_id AND coder_id = NEW.coder_id);
    UPDATE annotation_counts SET annotations = annotations + 1
     WHERE document_id = NEW.document_id AND coder_id = NEW.coder_id;
    INSERT INTO annotation_owners (annotation_id, document_id, coder_id)
      VALUES (NEW.id, NEW.document_id, NEW.coder_id);"""
_QUEUE = """
    INSERT INTO unchecked_quotes (annotation_id) SELECT NEW.id
     WHERE NOT EXISTS (SELECT 1 FROM unchecked_quotes WHERE annotation_id = NEW.id);"""

TRIGGERS = {
    "summary_annotation_insert": "AFTER INSERT ON annotations BEGIN"
                                 + _LEAVE.format(old="NEW.id") + _ENTER + _QUEUE + "\nEND",
    "summary_annotation_delete": "AFTER DELETE ON annotations BEGIN"
                                 + _LEAVE.format(old="OLD.id")
                                 + "\n    DELETE FROM unchecked_quotes WHERE annotation_id = OLD.id;"
                                 "\nEND",
    "summary_annotation_move": "AFTER UPDATE OF id, document_id, coder_id ON annotations BEGIN"
                               + _LEAVE.format(old="OLD.id") + _ENTER + "\nEND",
    "summary_annotation_requote": "AFTER UPDATE OF id, document_id, start, [end], quote "
                                  "ON annotations BEGIN" + _QUEUE + "\nEND",
    "summary_document_retext": """AFTER UPDATE OF id, text ON documents BEGIN
    INSERT INTO unchecked_quotes (annotation_id)
      SELECT a.id FROM annotations a WHERE a.document_id IN (OLD.id, NEW.id)
         AND NOT EXISTS (SELECT 1 FROM unchecked_quotes u WHERE u.annotation_id = a.id);
END""",
}


def create_summaries(db: sqlite_utils.Database) -> None:
    """The tables, index and triggers (idempotent)."""
    for sql in _TABLES:
        db.execute(sql)
    for name, body in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def fill_summaries(db: sqlite_utils.Database, *, queue_all: bool = True) -> None:
    """Recount from the annotations; queue_all: every quote is to be checked again (after a
    migration, or when a trigger was found missing and writes may have gone unseen)."""
    db.execute("DELETE FROM annotation_counts")
    db.execute("DELETE FROM annotation_owners")
    db.execute("INSERT INTO annotation_owners (annotation_id, document_id, coder_id) "
               "SELECT id, document_id, coder_id FROM annotations")
    db.execute("INSERT INTO annotation_counts (document_id, coder_id, annotations) "
               "SELECT document_id, coder_id, count(*) FROM annotations "
               "GROUP BY document_id, coder_id")
    if queue_all:
        db.execute("DELETE FROM unchecked_quotes")
        db.execute("INSERT INTO unchecked_quotes (annotation_id) SELECT id FROM annotations")


def missing_summaries(db: sqlite_utils.Database) -> list[str]:
    """Triggers, tables or the index another program dropped (read from the schema only)."""
    present = {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')")}
    wanted = [*TRIGGERS, *SUMMARY_TABLES, "idx_documents_list", "idx_annotations_coder_stance"]
    return [name for name in wanted if name not in present]


def summary_mismatches(db: sqlite_utils.Database, limit: int = 5) -> list[str]:
    """(document, coder) pairs whose stored count differs from a recount: part of the full
    check (it reads every annotation's index entry)."""
    rows = db.execute(
        """SELECT coalesce(r.document_id, s.document_id), coalesce(r.coder_id, s.coder_id),
                  coalesce(s.annotations, 0), coalesce(r.n, 0)
           FROM (SELECT document_id, coder_id, count(*) AS n FROM annotations
                 GROUP BY document_id, coder_id) r
           FULL OUTER JOIN annotation_counts s
             ON s.document_id = r.document_id AND s.coder_id = r.coder_id
           WHERE coalesce(s.annotations, 0) != coalesce(r.n, 0) LIMIT ?""", (limit,)).fetchall()
    return [f"document {d} coder {c}: summary says {stored}, the annotations are {real}"
            for d, c, stored, real in rows]
