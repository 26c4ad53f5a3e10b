"""The only place with SQL: schema, migrations, queries and recorded writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import OperationError
from ..models import now_iso
from .changes import ChangeRecorder, Touched, pack_log, unpack_log
from .db import connect, copy_project, read_snapshot, transaction
from .queries import Queries
from .schema import SCHEMA_VERSION

T = TypeVar("T")

__all__ = ["Store", "ChangeRecorder", "Touched", "SCHEMA_VERSION"]


class Store:
    """An open project database: reads through ``q``, writes through :meth:`write`."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self.db = connect(path)
        self.q = Queries(self.db)

    def close(self) -> None:
        self.db.close()

    def write(self, kind: str, description: str, coder_id: str | None,
              apply: Callable[[ChangeRecorder], T], *, undoable: bool = True) -> tuple[T, Touched]:
        """Run ``apply`` in one transaction and record it in the history for undo/redo."""
        try:
            with transaction(self.db):
                rec = ChangeRecorder(self.db)
                result = apply(rec)
                if rec.log and undoable:
                    # A new action makes the undone ones unreachable: drop the redo stack.
                    self.db.execute("DELETE FROM history WHERE undone = 1")
                    self.db.execute(
                        "INSERT INTO history (time, coder_id, kind, description, changes, undone)"
                        " VALUES (?, ?, ?, ?, ?, 0)",
                        (now_iso(), coder_id, kind, description, pack_log(rec.log)))
        except sqlite3.IntegrityError as exc:
            raise OperationError(f"{description}: refused by the project's rules ({exc})") from exc
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise OperationError(f"{description}: the project is busy in another program; "
                                     "nothing was changed, try again") from exc
            raise
        return result, rec.touched

    def undo_or_redo(self, redo: bool) -> tuple[str, Touched] | None:
        verb = "redo" if redo else "undo"
        try:
            with transaction(self.db):
                entry = self.q.history_entry(undone=redo)
                if entry is None:
                    return None
                rec = ChangeRecorder(self.db)
                log = unpack_log(entry["changes"])
                kept = rec.redo(log) if redo else rec.undo(log)
                self.db.execute("UPDATE history SET undone = ?, changes = ? WHERE id = ?",
                                (0 if redo else 1, pack_log(kept), entry["id"]))
        except sqlite3.IntegrityError as exc:
            raise OperationError(f"cannot {verb} “{entry['description']}”: the project has "
                                 f"changed in a way that conflicts ({exc})") from exc
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise OperationError(f"cannot {verb}: the project is busy in another program; "
                                     "nothing was changed, try again") from exc
            raise
        return entry["description"], rec.touched

    def reading(self):  # type: ignore[no-untyped-def]
        """A context manager: every read inside sees one consistent snapshot of the file."""
        return read_snapshot(self.db)

    def set_meta(self, rec: ChangeRecorder, key: str, value: str) -> None:
        if self.q.meta(key) is None:
            rec.insert("meta", {"key": key, "value": value})
        else:
            rec.update("meta", {"key": key}, {"value": value})

    def save_copy(self, target: Path) -> None:
        copy_project(self.db, target)
