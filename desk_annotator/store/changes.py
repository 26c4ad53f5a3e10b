"""Row-level change recording: what makes every operation undoable, across restarts.

An operation writes only through a :class:`ChangeRecorder`. It logs each row it inserts,
updates or deletes; undo replays the log backwards (re-inserting deleted rows, restoring old
values, deleting inserted rows — capturing them first so redo can put them back), redo replays
it forwards. Replaying in reverse order keeps foreign keys satisfied at every step.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlite_utils

# Primary-key columns of every table an operation may touch.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("key",),
    "coders": ("id",),
    "labels": ("id",),
    "documents": ("id",),
    "annotations": ("id",),
    "annotation_themes": ("annotation_id", "label_id"),
    "doc_status": ("document_id", "coder_id"),
    "assignments": ("document_id", "coder_id"),
    "variables": ("id",),
    "document_variables": ("document_id", "variable_id"),
    "document_sets": ("id",),
    "document_set_members": ("set_id", "document_id"),
    "document_codings": ("document_id", "coder_id"),
    "document_coding_themes": ("document_id", "coder_id", "label_id"),
    "memos": ("id",),
    "suggestions": ("annotation_id",),
}

Row = dict[str, Any]

# Tables whose rowid is their display order (the corpus list): captured rows keep it, so a
# deleted document comes back in its old place on undo, not at the end.
KEEP_ROWID = {"documents"}
ROWID_KEY = "__rowid__"


def _select(table: str) -> str:
    return f"SELECT rowid AS {ROWID_KEY}, * FROM {table}" if table in KEEP_ROWID else f"SELECT * FROM {table}"


def _q(name: str) -> str:
    return f"[{name}]"


# Which ids a changed row of each table names: (Touched set, column) pairs, one table list for
# the row-at-a-time and the bulk form alike.
_DOCUMENT_ROWS = ("doc_status", "assignments", "document_variables", "document_set_members",
                  "document_codings", "document_coding_themes")
TOUCHED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "documents": (("document_ids", "id"),),
    "annotations": (("annotation_ids", "id"), ("document_ids", "document_id")),
    "annotation_themes": (("annotation_ids", "annotation_id"),),
    "suggestions": (("annotation_ids", "annotation_id"),),
    **{table: (("document_ids", "document_id"),) for table in _DOCUMENT_ROWS},
}


@dataclass
class Touched:
    """What an operation changed, for views to refresh just that (Anki's OpChanges)."""

    tables: set[str] = field(default_factory=set)
    document_ids: set[str] = field(default_factory=set)
    annotation_ids: set[str] = field(default_factory=set)

    def note(self, table: str, row: Row) -> None:
        self.tables.add(table)
        for target, column in TOUCHED_COLUMNS.get(table, ()):
            if row.get(column):
                getattr(self, target).add(row[column])

    def note_columns(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """:meth:`note` for many rows given as tuples in ``columns`` order (bulk inserts: one
        set update per column instead of a call per row)."""
        self.tables.add(table)
        for target, column in TOUCHED_COLUMNS.get(table, ()):
            i = columns.index(column)
            getattr(self, target).update(r[i] for r in rows if r[i])


class ChangeRecorder:
    """Writes rows inside the caller's transaction and logs each change for undo/redo."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.log: list[list[Any]] = []
        self.touched = Touched()
        # Annotations whose quote this transaction cut from its document's stored text
        # (ops.check_span) and wrote unchanged: verify_written takes them off the quote queue
        # without reading the text again (a 1 MB text decoded on every tag: a third of the
        # tag key's 23 ms). Nothing else can write the file inside our transaction.
        self.quotes_cut: set[str] = set()
        self._pending_sets: list[Any] = []  # [(table, columns), [params...]]: see _set_logged

    # -- writes --------------------------------------------------------------------------
    def insert(self, table: str, row: Row) -> None:
        self.insert_many(table, [row])

    def insert_many(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        sql = (f"INSERT INTO {table} ({', '.join(map(_q, cols))}) "
               f"VALUES ({', '.join('?' for _ in cols)})")
        self.db.conn.executemany(sql, [tuple(r[c] for c in cols) for r in rows])
        pk = PRIMARY_KEYS[table]
        # Inserted rows are logged by key only; undo captures their content when it removes them.
        self.log.append(["i", table, [[r[c] for c in pk] for r in rows]])
        for r in rows:
            self.touched.note(table, r)

    def insert_tuples(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Insert rows given as tuples in ``columns`` order: the bulk form of
        :meth:`insert_many` (a million annotations build no dict per row). Logged the same way,
        by primary key, so undo, redo and the history's dependency check treat both alike."""
        if not rows:
            return
        sql = (f"INSERT INTO {table} ({', '.join(map(_q, columns))}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        self.db.conn.executemany(sql, rows)
        pk = [columns.index(c) for c in PRIMARY_KEYS[table]]
        if len(pk) == 1:
            i = pk[0]
            keys = [[r[i]] for r in rows]
        else:
            keys = [[r[i] for i in pk] for r in rows]
        self.log.append(["i", table, keys])
        self.touched.note_columns(table, columns, rows)

    def update(self, table: str, key: Row, values: Row) -> Row:
        before = self._fetch(table, key)
        if before is None:
            raise KeyError(f"{table} {key} does not exist")
        old = {c: before[c] for c in values}
        if old == values:
            return before
        self._set(table, key, values)
        self.log.append(["u", table, list(key.values()), old, values])
        self.touched.note(table, before)
        return before

    def delete(self, table: str, key: Row) -> Row | None:
        before = self._fetch(table, key)
        if before is None:
            return None
        self._delete(table, key)
        self.log.append(["d", table, [before]])
        self.touched.note(table, before)
        return before

    def update_where(self, table: str, where: str, params: tuple[Any, ...],
                     values: Row) -> list[Row]:
        """:meth:`update` of every row matching ``where`` (the rows as they were): one read
        and one statement for all of them, logged row by row as :meth:`update` logs."""
        rows = [dict(r) for r in self.db.query(f"{_select(table)} WHERE {where}", params)]
        changed = [r for r in rows if any(r[c] != v for c, v in values.items())]
        if not changed:
            return rows
        pk = PRIMARY_KEYS[table]
        sets = ", ".join(f"{_q(c)} = ?" for c in values)
        # One statement over ``where`` (inside our transaction it matches the rows just read):
        # 250,000 updates by key, one statement each, took twice as long.
        self.db.execute(f"UPDATE {table} SET {sets} WHERE {where}", (*values.values(), *params))
        for r in changed:
            self.log.append(["u", table, [r[c] for c in pk], {c: r[c] for c in values},
                             dict(values)])
            self.touched.note(table, r)
        return rows

    def delete_where(self, table: str, where: str, params: tuple[Any, ...]) -> list[Row]:
        rows = [dict(r) for r in self.db.query(f"{_select(table)} WHERE {where}", params)]
        if rows:
            self.db.execute(f"DELETE FROM {table} WHERE {where}", params)
            self.log.append(["d", table, rows])
            for r in rows:
                self.touched.note(table, r)
        return rows

    # -- replay --------------------------------------------------------------------------
    def undo(self, log: list[list[Any]]) -> list[list[Any]]:
        """Revert ``log``; returns the log to keep for redo (inserted rows now captured)."""
        with self._label_summaries(log), self._document_summaries(log):
            return self._undo(log)

    def redo(self, log: list[list[Any]]) -> list[list[Any]]:
        with self._label_summaries(log), self._document_summaries(log):
            return self._redo(log)

    def _undo(self, log: list[list[Any]]) -> list[list[Any]]:
        kept: list[list[Any]] = []
        for entry in reversed(log):
            kind, table = entry[0], entry[1]
            if kind != "u":
                self._flush_sets()
            if kind == "i":
                keys = entry[2]
                if len(keys) >= BULK_KEYS:
                    captured = self._take_rows(table, keys)
                else:
                    captured = []
                    for key_values in reversed(keys):
                        key = dict(zip(PRIMARY_KEYS[table], key_values))
                        row = self._fetch(table, key)
                        if row is not None:
                            captured.append(row)
                            self._delete(table, key)
                            self.touched.note(table, row)
                    captured.reverse()
                kept.append(["i", table, keys, captured])
            elif kind == "u":
                self._set_logged(table, entry[2], entry[3])
                kept.append(entry)
            else:
                self._insert_rows(table, entry[2])
                kept.append(entry)
        self._flush_sets()
        kept.reverse()
        return kept

    def _redo(self, log: list[list[Any]]) -> list[list[Any]]:
        kept: list[list[Any]] = []
        for entry in log:
            kind, table = entry[0], entry[1]
            if kind == "i":
                self._flush_sets()
                rows = entry[3]
                with self._bulk_summaries(table, rows):
                    self._insert_rows(table, rows)
                kept.append(["i", table, entry[2]])
            elif kind == "u":
                self._set_logged(table, entry[2], entry[4])
                kept.append(entry)
            else:
                self._flush_sets()
                self._delete_rows(table, entry[2])
                kept.append(entry)
        self._flush_sets()
        return kept

    # -- updates replayed in runs -------------------------------------------------------
    def _set_logged(self, table: str, key_values: list[Any], values: Row) -> None:
        """Set ``values`` on the row of ``key_values``, in a run with the updates before it
        of the same table and columns (a merge's or a deletion's thousands of annotations):
        one statement for the run, then its rows read back a few hundred at a time for what
        changed. Any other kind of step flushes the run first, so the order holds."""
        run = self._pending_sets
        shape = (table, tuple(values))
        if run and run[0] != shape:
            self._flush_sets()
            run = self._pending_sets
        if not run:
            run.append(shape)
            run.append([])
        run[1].append((*values.values(), *key_values))

    def _flush_sets(self) -> None:
        if not self._pending_sets:
            return
        (table, columns), params = self._pending_sets
        self._pending_sets = []
        pk = PRIMARY_KEYS[table]
        where, _ = self._where(table, dict.fromkeys(pk))
        sets = ", ".join(f"{_q(c)} = ?" for c in columns)
        self.db.conn.executemany(f"UPDATE {table} SET {sets} WHERE {where}", params)
        keys = [p[len(columns):] for p in params]
        if len(pk) > 1 or not TOUCHED_COLUMNS.get(table):
            for key_values in keys:  # composite keys: few rows (statuses, assignments)
                row = self._fetch(table, dict(zip(pk, key_values)))
                if row:
                    self.touched.note(table, row)
            return
        for row in self._rows_by_first_key(table, keys):
            self.touched.note(table, row)
        self.touched.tables.add(table)

    def _rows_by_first_key(self, table: str, keys: list[Any]) -> Iterator[Row]:
        """The rows whose key's first column is one of ``keys``' (a few hundred per
        statement): looked up through an index's leading column, where a row-value IN over a
        VALUES list scanned the whole table per statement. A composite key's other rows of
        the same first value come too: the caller filters them."""
        firsts = list(dict.fromkeys(k[0] for k in keys))
        first = _q(PRIMARY_KEYS[table][0])
        for i in range(0, len(firsts), _CHUNK):
            chunk = firsts[i:i + _CHUNK]
            cur = self.db.execute(f"{_select(table)} WHERE {first} IN "
                                  f"({','.join('?' * len(chunk))})", chunk)
            names = [d[0] for d in cur.description]
            for values in cur.fetchall():
                yield dict(zip(names, values))

    # -- bulk undo and redo (a big import) ---------------------------------------------
    def _take_rows(self, table: str, keys: list[list[Any]]) -> list[Row]:
        """Capture and delete the rows of ``keys`` (those still there, in ``keys`` order) a
        few hundred per statement: undoing a 100,000-annotation import row by row took
        minutes, most of it in the summary triggers, suspended here as an import does."""
        pk = PRIMARY_KEYS[table]
        wanted = set(map(tuple, keys))
        found: dict[tuple, Row] = {}
        for row in self._rows_by_first_key(table, keys):
            key = tuple(row[c] for c in pk)
            if key in wanted:  # not a composite key's other rows of the same first value
                found[key] = row
        captured = [found[k] for k in map(tuple, keys) if k in found]
        with self._bulk_summaries(table, captured):
            self._delete_rows(table, captured)
        return captured

    def relabelling(self, label_ids: set[str], rows: int) -> Any:
        """A context for an operation that changes only which labels ``rows`` annotations
        carry (label_ids: every label it adds or takes away): see label_triggers_suspended."""
        from .bulk_summaries import label_triggers_suspended

        return label_triggers_suspended(self.db, label_ids, rows)

    def rewriting_documents(self, document_ids: set[str], rows: int) -> Any:
        """A context for an operation that writes ``rows`` annotations, all in
        ``document_ids`` (deleting documents): with many, the summary triggers are dropped for
        the body and those documents recounted (bulk_summaries.triggers_suspended)."""
        from .bulk_summaries import triggers_suspended

        return triggers_suspended(self.db, document_ids, rows)

    def _document_summaries(self, log: list[list[Any]]) -> Any:
        """:meth:`rewriting_documents` over a replay whose annotation rows are all deleted
        ones (a document deletion: re-inserted by undo, deleted again by redo), else a no-op
        context."""
        found = documents_only_deleted(log)
        if found is None:
            return contextlib.nullcontext()
        return self.rewriting_documents(*found)

    def _label_summaries(self, log: list[list[Any]]) -> Any:
        """:meth:`relabelling` over a replay that changes only which labels annotations carry
        (a merge or a forced label deletion: theme rows in and out, annotations' stance and
        time), else a no-op context."""
        labels = labels_only_changed(log)
        if labels is None:
            return contextlib.nullcontext()
        return self.relabelling(*labels)

    def _bulk_summaries(self, table: str, rows: list[Row]) -> Any:
        """triggers_suspended for many annotation or theme rows (else a no-op context)."""
        from .bulk_summaries import BULK_ROWS, triggers_suspended

        if table not in ("annotations", "annotation_themes") or len(rows) < BULK_ROWS:
            return contextlib.nullcontext()
        if table == "annotations":
            documents = {r["document_id"] for r in rows}
        else:  # their annotations are still there: themes are undone first, redone last
            ids = sorted({r["annotation_id"] for r in rows})
            documents = set()
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i:i + _CHUNK]
                documents.update(d for (d,) in self.db.execute(
                    "SELECT DISTINCT document_id FROM annotations WHERE id IN "
                    f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return triggers_suspended(self.db, documents, len(rows))

    # -- helpers -------------------------------------------------------------------------
    def _where(self, table: str, key: Row) -> tuple[str, tuple[Any, ...]]:
        cols = PRIMARY_KEYS[table]
        return " AND ".join(f"{_q(c)} = ?" for c in cols), tuple(key[c] for c in cols)

    def _fetch(self, table: str, key: Row) -> Row | None:
        where, params = self._where(table, key)
        cur = self.db.execute(f"{_select(table)} WHERE {where}", params)
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row))

    def _set(self, table: str, key: Row, values: Row) -> None:
        where, params = self._where(table, key)
        sets = ", ".join(f"{_q(c)} = ?" for c in values)
        self.db.execute(f"UPDATE {table} SET {sets} WHERE {where}", (*values.values(), *params))

    def _delete(self, table: str, key: Row) -> None:
        where, params = self._where(table, key)
        self.db.execute(f"DELETE FROM {table} WHERE {where}", params)

    def _delete_rows(self, table: str, rows: list[Row]) -> None:
        """Delete these rows by key, one statement for all."""
        pk = PRIMARY_KEYS[table]
        where, _params = self._where(table, dict.fromkeys(pk))
        self.db.conn.executemany(f"DELETE FROM {table} WHERE {where}",
                                 [tuple(r[c] for c in pk) for r in rows])
        for row in rows:
            self.touched.note(table, row)

    def _insert_rows(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        if ROWID_KEY in rows[0]:
            self._insert_rows_keeping_rowid(table, rows)
            return
        cols = list(rows[0])
        sql = (f"INSERT INTO {table} ({', '.join(map(_q, cols))}) "
               f"VALUES ({', '.join('?' for _ in cols)})")
        self.db.conn.executemany(sql, [tuple(r[c] for c in cols) for r in rows])
        for r in rows:
            self.touched.note(table, r)


    def _insert_rows_keeping_rowid(self, table: str, rows: list[Row]) -> None:
        for row in rows:
            row = dict(row)
            rowid = row.pop(ROWID_KEY)
            # Undo runs in stack order, so the old rowid is free again; if something outside
            # the history took it meanwhile, the row goes to the end rather than failing.
            if self.db.execute(f"SELECT 1 FROM {table} WHERE rowid = ?", (rowid,)).fetchone():
                self._insert_rows(table, [row])
                continue
            cols = list(row)
            self.db.execute(
                f"INSERT INTO {table} (rowid, {', '.join(map(_q, cols))}) "
                f"VALUES (?, {', '.join('?' for _ in cols)})", (rowid, *row.values()))
            self.touched.note(table, row)


_LABEL_COLUMNS = {"stance_id", "updated"}


def labels_only_changed(log: list[list[Any]]) -> tuple[set[str], int] | None:
    """(every label id the log adds or takes away, rows) when the log changes annotations only
    in which labels they carry: theme rows inserted or deleted, an annotation's stance and
    modification time updated; None when it changes anything else about annotations."""
    labels: set[str] = set()
    rows = 0
    for entry in log:
        kind, table = entry[0], entry[1]
        if table == "annotation_themes":
            if kind == "u":
                return None
            if kind == "i":
                labels.update(key[1] for key in entry[2])
                rows += len(entry[2])
            else:
                labels.update(row["label_id"] for row in entry[2])
                rows += len(entry[2])
        elif table == "annotations":
            if kind != "u" or not set(entry[3]) <= _LABEL_COLUMNS:
                return None
            labels.update(v for v in (entry[3].get("stance_id"), entry[4].get("stance_id")) if v)
            rows += 1
    return labels, rows


def documents_only_deleted(log: list[list[Any]]) -> tuple[set[str], int] | None:
    """(the documents, rows) when the log's every annotation and theme row is a deleted one,
    each theme's annotation deleted by the same log (a document deletion's shape), so
    replaying it writes annotation rows in those documents alone; None otherwise."""
    documents: set[str] = set()
    deleted: set[str] = set()
    theme_owners: list[str] = []
    for entry in log:
        kind, table = entry[0], entry[1]
        if table not in ("annotations", "annotation_themes"):
            continue
        if kind != "d":
            return None
        if table == "annotations":
            for row in entry[2]:
                documents.add(row["document_id"])
                deleted.add(row["id"])
        else:
            theme_owners.extend(row["annotation_id"] for row in entry[2])
    if not deleted or not deleted.issuperset(theme_owners):
        return None
    return documents, len(deleted) + len(theme_owners)


# Inserted rows undone in bulk from this many on (fewer: one by one, as always); keys per
# lookup statement, under SQLite's oldest limit of 999 parameters.
BULK_KEYS = 1000
_CHUNK = 400


def pack_log(log: list[list[Any]]) -> bytes:
    # orjson writes the same compact UTF-8 JSON as json.dumps(ensure_ascii=False, separators
    # without spaces), some ten times faster: a million-annotation import logs two million
    # keys. The values are SQLite's (integers within 64 bits, no NaN: SQLite stores NULL for
    # it), which both write alike; anything orjson refuses still goes through json.
    try:
        text = orjson.dumps(log)
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(log, ensure_ascii=False, separators=(",", ":")).encode()
    return zlib.compress(text, 3)


def unpack_log(blob: bytes) -> list[list[Any]]:
    text = zlib.decompress(blob)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what only json writes (NaN, Infinity)
        return json.loads(text)
