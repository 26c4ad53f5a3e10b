"""The project schema as numbered migrations; ``PRAGMA user_version`` holds the version.

Each migration is a function of a sqlite-utils Database, run inside one transaction. Migration 1
is the first released schema (kept as it was, so old project files can be upgraded); later ones
change it step by step. Never edit a released migration: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

# "DSKA": marks a SQLite file as a desk-annotator project (PRAGMA application_id).
APPLICATION_ID = 0x44534B41


def _migration_1_core_tables(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["coders"].create({"id": str, "name": str, "created": str}, pk="id", not_null={"name"})
    db["coders"].create_index(["name"], unique=True)
    db.execute(
        """CREATE TABLE labels (
            id TEXT PRIMARY KEY,
            scheme TEXT NOT NULL CHECK (scheme IN ('stance', 'themes')),
            name TEXT NOT NULL,
            color TEXT NOT NULL DEFAULT '#888888',
            description TEXT NOT NULL DEFAULT '',
            key TEXT,
            position INTEGER NOT NULL DEFAULT 0,
            UNIQUE (scheme, name))"""
    )
    db.execute(
        """CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            length INTEGER NOT NULL,
            author TEXT, outlet TEXT, date TEXT, url TEXT, source_file TEXT,
            imported TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE annotations (
            id TEXT PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            coder_id TEXT NOT NULL REFERENCES coders(id),
            start INTEGER NOT NULL CHECK (start >= 0),
            [end] INTEGER NOT NULL CHECK ([end] > start),
            quote TEXT NOT NULL,
            stance_id TEXT REFERENCES labels(id),
            note TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE annotation_themes (
            annotation_id TEXT NOT NULL REFERENCES annotations(id),
            label_id TEXT NOT NULL REFERENCES labels(id),
            PRIMARY KEY (annotation_id, label_id))"""
    )
    db.execute(
        """CREATE TABLE doc_status (
            document_id TEXT NOT NULL REFERENCES documents(id),
            coder_id TEXT NOT NULL REFERENCES coders(id),
            status TEXT NOT NULL CHECK (status IN ('todo', 'doing', 'done')),
            updated TEXT NOT NULL,
            PRIMARY KEY (document_id, coder_id))"""
    )
    db.execute("CREATE INDEX idx_annotations_document ON annotations(document_id, coder_id)")


def _migration_2_history_and_metadata(db: sqlite_utils.Database) -> None:
    # Undo/redo that survives a restart: every operation's row changes, newest last.
    db.execute(
        """CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            coder_id TEXT,
            kind TEXT NOT NULL,
            description TEXT NOT NULL,
            changes BLOB NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute("CREATE INDEX idx_history_undone ON history(undone, id)")
    # Metadata beyond the five fixed columns (importers may find more, e.g. language).
    db.execute("ALTER TABLE documents ADD COLUMN extra_metadata TEXT NOT NULL DEFAULT '{}'")
    db.execute("CREATE INDEX idx_annotation_themes_label ON annotation_themes(label_id)")
    db.execute("CREATE INDEX idx_annotations_stance ON annotations(stance_id)")
    db.execute("CREATE INDEX idx_annotations_coder ON annotations(coder_id)")


def _migration_3_history_per_coder(db: sqlite_utils.Database) -> None:
    # Undo is per coder (store/history.py): find a coder's latest action without a scan.
    # ``undone`` now holds the undo's sequence number (>0) instead of 1; old 1s stay valid.
    db.execute("CREATE INDEX idx_history_coder ON history(coder_id, undone, id)")


def _migration_4_assignments(db: sqlite_utils.Database) -> None:
    # Which coder is to code which document (the lead's plan, desk_annotator/assignments.py).
    # ``overlap`` = 1 for the reliability documents every coder gets. No foreign keys: a
    # deleted document's row stays behind (ignored by every read) and is in place again when
    # the deletion is undone.
    db.execute(
        """CREATE TABLE assignments (
            document_id TEXT NOT NULL,
            coder_id TEXT NOT NULL,
            overlap INTEGER NOT NULL DEFAULT 0,
            assigned TEXT NOT NULL,
            PRIMARY KEY (document_id, coder_id))"""
    )
    db.execute("CREATE INDEX idx_assignments_coder ON assignments(coder_id)")


def _migration_5_document_variables(db: sqlite_utils.Database) -> None:
    # Custom document variables (desk_annotator/variables.py): a definition per variable
    # (type text|number|date|category; a category's allowed values in order, as JSON) and one
    # value per (document, variable), stored as text in a canonical form. No foreign key to
    # documents: a deleted document's values stay behind, ignored, until its undo.
    db.execute(
        """CREATE TABLE variables (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'category')),
            categories TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        """CREATE TABLE document_variables (
            document_id TEXT NOT NULL,
            variable_id TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (document_id, variable_id))"""
    )
    db.execute("CREATE INDEX idx_document_variables_variable ON document_variables(variable_id)")


def _migration_6_document_sets(db: sqlite_utils.Database) -> None:
    # Document sets (REFI-QDA "Sets", desk_annotator/document_sets.py): named groups of
    # documents. Members have no foreign key to documents, as with variables: a deleted
    # document's membership stays behind, ignored by every read, until its undo.
    db.execute(
        """CREATE TABLE document_sets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE document_set_members (
            set_id TEXT NOT NULL,
            document_id TEXT NOT NULL,
            PRIMARY KEY (set_id, document_id))"""
    )
    db.execute("CREATE INDEX idx_document_set_members_document "
               "ON document_set_members(document_id)")


def _migration_7_document_codings(db: sqlite_utils.Database) -> None:
    # Article-level coding: a stance and themes for a document as a whole, per coder, beside
    # the passage coding. No foreign keys, as with variables and sets: a deleted document's
    # rows stay behind, ignored by every read, until its undo.
    db.execute(
        """CREATE TABLE document_codings (
            document_id TEXT NOT NULL,
            coder_id TEXT NOT NULL,
            stance_id TEXT,
            note TEXT,
            updated TEXT NOT NULL,
            PRIMARY KEY (document_id, coder_id))"""
    )
    db.execute(
        """CREATE TABLE document_coding_themes (
            document_id TEXT NOT NULL,
            coder_id TEXT NOT NULL,
            label_id TEXT NOT NULL,
            PRIMARY KEY (document_id, coder_id, label_id))"""
    )
    db.execute("CREATE INDEX idx_document_coding_themes_label ON document_coding_themes(label_id)")


def _migration_8_memos(db: sqlite_utils.Database) -> None:
    # Memos: about the project (target_id ''), a document (its id) or a label (its id: coding
    # rules and examples beyond the definition). Written by a coder, timestamped.
    db.execute(
        """CREATE TABLE memos (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL CHECK (scope IN ('project', 'document', 'label')),
            target_id TEXT NOT NULL DEFAULT '',
            coder_id TEXT,
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX idx_memos_target ON memos(scope, target_id)")


def _migration_9_suggestions(db: sqlite_utils.Database) -> None:
    # Model suggestions are annotations of a reserved coder per engine ("model:tfidf",
    # "model:llm:<name>"); this table says what became of each (suggested, accepted, rejected),
    # with the model's probability, and which human annotation an accepted one became.
    db.execute(
        """CREATE TABLE suggestions (
            annotation_id TEXT PRIMARY KEY,
            engine TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'rejected')),
            probability REAL,
            created TEXT NOT NULL,
            resolved TEXT,
            resolved_by TEXT,
            accepted_as TEXT)"""
    )
    db.execute("CREATE INDEX idx_suggestions_status ON suggestions(status)")
    db.execute("CREATE INDEX idx_suggestions_accepted_as ON suggestions(accepted_as)")
    # The audit trail of every request sent to a model endpoint (issue 13): what was asked of
    # which model where, with which parameters, and what came back.
    db.execute(
        """CREATE TABLE model_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            engine TEXT NOT NULL,
            model TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            prompt_sha256 TEXT NOT NULL,
            parameters TEXT NOT NULL DEFAULT '{}',
            document_id TEXT,
            seconds REAL,
            outcome TEXT NOT NULL,
            proposed INTEGER NOT NULL DEFAULT 0,
            discarded INTEGER NOT NULL DEFAULT 0)"""
    )


def _migration_10_open_summaries(db: sqlite_utils.Database) -> None:
    # Start-up and open checks that do not read the whole file (issue 14). Everything here is
    # kept right by SQLite triggers, so it holds for every writer of the file (the sqlite3
    # shell, sqlite-utils, a script), not only for our ops. The bodies live in
    # store/summaries.py so the open can re-create a trigger another program dropped.
    from .summaries import create_summaries, fill_summaries

    create_summaries(db)
    fill_summaries(db)


def _migration_11_label_summaries(db: sqlite_utils.Database) -> None:
    # Passage counts and characters per (document, coder, label), kept by triggers for every
    # writer of the file: the frequency and crosstab tables read these instead of a million
    # annotations (issue 12). Bodies in store/label_summaries.py.
    from .label_summaries import create_label_summaries, fill_label_summaries

    create_label_summaries(db)
    fill_label_summaries(db)


def _migration_12_read_indexes(db: sqlite_utils.Database) -> None:
    # The reading view's open reads (start, end, id) of every annotation of one document, and
    # the blind view the same for one coder: with this index the read is covered (no lookup of
    # each row in the table) and comes out in the order the span index keeps, so a 50,000-
    # annotation open reads and sorts in about 60 instead of 150 ms CPU (issue 14). It costs
    # ~115 bytes per annotation; idx_annotations_document stays for the per-coder reads.
    db.execute("CREATE INDEX IF NOT EXISTS idx_annotations_document_spans "
               "ON annotations(document_id, start, [end], id, coder_id)")
    # (coder_id) is a prefix of migration 10's (coder_id, stance_id): every read it served
    # the longer one serves, and every annotation written paid for both.
    db.execute("DROP INDEX IF EXISTS idx_annotations_coder")
    # The status bar's progress counts one coder's done documents at start-up: from this
    # index, not a scan of every coder's statuses (50,000 documents, cold: 0.2-0.3 s).
    db.execute("CREATE INDEX IF NOT EXISTS idx_doc_status_coder ON doc_status(coder_id, status)")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1_core_tables,
    _migration_2_history_and_metadata,
    _migration_3_history_per_coder,
    _migration_4_assignments,
    _migration_5_document_variables,
    _migration_6_document_sets,
    _migration_7_document_codings,
    _migration_8_memos,
    _migration_9_suggestions,
    _migration_10_open_summaries,
    _migration_11_label_summaries,
    _migration_12_read_indexes,
]
SCHEMA_VERSION = len(MIGRATIONS)
PROJECT_TABLES = {"meta", "coders", "labels", "documents", "annotations", "annotation_themes",
                  "doc_status"}
