"""Undo and redo scoped to who did the action, with a dependency check before every step.

Every recorded action has the coder who did it (``history.coder_id``; NULL for project-wide
actions such as a CLI import, a merge or a codebook import). Each coder has their own undo
stack: :meth:`History.step` without an entry id reverts that coder's latest action and nothing
of anyone else's, and a new action drops only that coder's redo stack. Project-wide actions are
undone by naming their entry (the history list).

``history.undone`` is 0 for an action in force and, once undone, the undo's sequence number
(1, 2, ...), so redo re-applies the most recently undone action first even when entries were
undone out of order from the history list.

Before a step the log is checked against what happened since: if a later action (of anyone)
touched the same rows, or a row no longer holds what the action left there (another program
wrote it), the step is refused with one line and nothing changes.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

from ..errors import OperationError
from ..models import now_iso
from .changes import PRIMARY_KEYS, ChangeRecorder, Touched, pack_log, unpack_log

RowKey = tuple[str, tuple[Any, ...]]

_WHAT = {"annotations": "passage", "annotation_themes": "passage", "labels": "label",
         "coders": "coder", "documents": "document", "doc_status": "document status",
         "meta": "project setting"}


def rows_of(log: list[list[Any]]) -> set[RowKey]:
    """Every row (table, primary key) a change log touches."""
    keys: set[RowKey] = set()
    for entry in log:
        kind, table = entry[0], entry[1]
        if kind == "i":
            keys.update((table, tuple(k)) for k in entry[2])
        elif kind == "u":
            keys.add((table, tuple(entry[2])))
        else:
            pk = PRIMARY_KEYS[table]
            keys.update((table, tuple(row[c] for c in pk)) for row in entry[2])
    return keys


class History:
    """The ``history`` table: recording, choosing and replaying actions."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- recording (inside the action's transaction) ------------------------------------
    def record(self, coder_id: str | None, kind: str, description: str,
               log: list[list[Any]]) -> None:
        # A new action makes this coder's undone ones unreachable; other coders' redo stacks
        # (and undone project-wide actions) are theirs and stay.
        self.db.execute("DELETE FROM history WHERE undone > 0 AND coder_id IS ?", (coder_id,))
        self.db.execute(
            "INSERT INTO history (time, coder_id, kind, description, changes, undone)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            (now_iso(), coder_id, kind, description, pack_log(log)))

    # -- choosing -----------------------------------------------------------------------
    def next_entry(self, redo: bool, coder_id: str | None) -> dict[str, Any] | None:
        """The entry Ctrl+Z (redo=False) or Ctrl+Shift+Z would step for ``coder_id``
        (None: the project-wide actions)."""
        if redo:
            sql = ("SELECT * FROM history WHERE coder_id IS ? AND undone > 0 "
                   "ORDER BY undone DESC LIMIT 1")
        else:
            sql = ("SELECT * FROM history WHERE coder_id IS ? AND undone = 0 "
                   "ORDER BY id DESC LIMIT 1")
        rows = list(self.db.query(sql, (coder_id,)))
        return rows[0] if rows else None

    def entry(self, entry_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM history WHERE id = ?", (entry_id,)))
        return rows[0] if rows else None

    # -- replaying ----------------------------------------------------------------------
    def step(self, redo: bool, *, coder_id: str | None = None, entry_id: int | None = None,
             acting_coder_id: str | None = None) -> tuple[str, Touched] | None:
        """Undo (or redo) one entry inside the caller's transaction. Returns its description
        and what changed, None when there is nothing to step; raises OperationError (nothing
        changed) when the step would clobber later work."""
        verb = "redo" if redo else "undo"
        if entry_id is not None:
            entry = self.entry(entry_id)
            if entry is None:
                raise OperationError(f"cannot {verb}: no history entry {entry_id}")
            if bool(entry["undone"]) != redo:
                state = "is not undone" if redo else "is already undone"
                raise OperationError(f"cannot {verb} “{entry['description']}”: it {state}")
        else:
            entry = self.next_entry(redo, coder_id)
            if entry is None:
                return None
        log = unpack_log(entry["changes"])
        self._check(entry, log, redo, verb, acting_coder_id)
        rec = ChangeRecorder(self.db)
        try:
            kept = rec.redo(log) if redo else rec.undo(log)
        except sqlite3.IntegrityError as exc:
            # Foreign keys: later work (of anyone) refers to a row this step would remove,
            # or a row it would bring back exists again.
            raise OperationError(
                f"cannot {verb} “{entry['description']}”: later work in the project still "
                f"uses what it {'removed' if redo else 'added'} ({exc}); nothing was changed"
            ) from exc
        if redo:
            undone = 0
        else:
            undone = self.db.execute("SELECT coalesce(max(undone), 0) + 1 FROM history"
                                     ).fetchone()[0]
        self.db.execute("UPDATE history SET undone = ?, changes = ? WHERE id = ?",
                        (undone, pack_log(kept), entry["id"]))
        return entry["description"], rec.touched

    def _check(self, entry: dict[str, Any], log: list[list[Any]], redo: bool, verb: str,
               acting_coder_id: str | None) -> None:
        name = entry["description"]
        mine = rows_of(log)
        if acting_coder_id is not None and ("coders", (acting_coder_id,)) in mine:
            removes_coder = any(
                (e[0] == "i" and not redo) or (e[0] == "d" and redo)
                for e in log if e[1] == "coders")
            if removes_coder:
                raise OperationError(f"cannot {verb} “{name}”: it would remove the coder you "
                                     "are working as")
        later = self.db.execute(
            "SELECT h.id, h.description, h.changes, c.name FROM history h "
            "LEFT JOIN coders c ON c.id = h.coder_id "
            "WHERE h.id > ? AND h.undone = 0 ORDER BY h.id", (entry["id"],))
        for _id, description, changes, coder_name in later:
            shared = mine & rows_of(unpack_log(changes))
            if shared:
                table = sorted(shared)[0][0]
                who = f"by {coder_name}" if coder_name else "(project-wide)"
                raise OperationError(
                    f"cannot {verb} “{name}”: the later action “{description}” {who} changed "
                    f"the same {_WHAT.get(table, table)}; undo that first")
        # Rows another program changed outside the history: an update is stepped only when
        # the row still holds the values this action (or its undo) left there.
        for e in log:
            if e[0] != "u":
                continue
            table, key_values, old, new = e[1], e[2], e[3], e[4]
            expected = old if redo else new
            key = dict(zip(PRIMARY_KEYS[table], key_values))
            where = " AND ".join(f"[{c}] = ?" for c in key)
            cols = ", ".join(f"[{c}]" for c in expected)
            row = self.db.execute(f"SELECT {cols} FROM {table} WHERE {where}",
                                  tuple(key.values())).fetchone()
            if row is None or dict(zip(expected, row)) != expected:
                raise OperationError(
                    f"cannot {verb} “{name}”: the {_WHAT.get(table, table)} it changed was "
                    "changed since by another program; nothing was changed")
