"""The only place with SQL: schema, migrations, queries and recorded writes."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ..errors import OperationError
from ._import_sqlite_utils import sqlite_utils as _sqlite_utils  # noqa: F401 - first, see there
from .changes import ChangeRecorder, Touched
from .db import connect, connect_reader, copy_project, describe_sqlite_error, explain_failure, is_memory, read_snapshot, transaction
from .history import History
from .integrity import QuoteCheck, full_check_problems, quote_problems, settle_queue, verify_written
from .queries import Queries
from .schema import SCHEMA_VERSION
from .summaries import fill_summaries

T = TypeVar("T")

# What a read can still raise from SQLite (damaged text, an I/O error): callers outside the
# store catch this name and explain it with explain_failure, without importing sqlite3.
SQLiteError = sqlite3.Error

# How often (SQLite virtual-machine steps) Store.abandon_when asks whether to stop: about a
# millisecond of a bulk insert, a few thousand calls of a cheap Python function per second.
ABANDON_CHECK_STEPS = 20_000

__all__ = ["Store", "ChangeRecorder", "Touched", "SCHEMA_VERSION", "SQLiteError",
           "describe_sqlite_error", "explain_failure", "is_memory"]


class Store:
    """An open project database: reads through ``q``, writes through :meth:`write`.

    ``read_only`` is None for a writable project, else the reason it is not (then every write
    is refused with that reason and nothing is attempted)."""

    def __init__(self, path: str | Path, *, read_only: bool = False,
                 background: bool = False) -> None:
        """background=True: a read-only reader beside an open, already checked project (the
        GUI's integrity check), skipping recognition."""
        self.path = path
        opened = connect_reader(path) if background else connect(path, read_only=read_only)
        self.db = opened.db
        self.read_only = opened.read_only
        self.q = Queries(self.db)
        self.history = History(self.db)

    def close(self) -> None:
        self.db.close()

    def _refuse_if_read_only(self, description: str) -> None:
        if self.read_only:
            raise OperationError(f"{description}: not saved, {self.read_only} "
                                 f"({self.path})")

    def write(self, kind: str, description: str, coder_id: str | None,
              apply: Callable[[ChangeRecorder], T], *, undoable: bool = True) -> tuple[T, Touched]:
        """Run ``apply`` in one transaction and record it in the history for undo/redo."""
        self._refuse_if_read_only(description)
        with self._failures(description):
            with transaction(self.db):
                rec = ChangeRecorder(self.db)
                result = apply(rec)
                verify_written(self.db, rec.touched.annotation_ids, rec.quotes_cut)
                if rec.log and undoable:
                    self.history.record(coder_id, kind, description, rec.log)
        return result, rec.touched

    def undo_or_redo(self, redo: bool, *, coder_id: str | None = None,
                     entry_id: int | None = None,
                     acting_coder_id: str | None = None) -> tuple[str, Touched] | None:
        """Step ``coder_id``'s own latest action (None: the latest project-wide one), or the
        history entry ``entry_id``. Refuses (OperationError) when later work depends on it."""
        verb = "redo" if redo else "undo"
        self._refuse_if_read_only(verb)
        with self._failures(f"cannot {verb}"):
            with transaction(self.db):
                done = self.history.step(redo, coder_id=coder_id, entry_id=entry_id,
                                         acting_coder_id=acting_coder_id)
                if done is not None:
                    verify_written(self.db, done[1].annotation_ids)
                return done

    @contextlib.contextmanager
    def _failures(self, description: str) -> Iterator[None]:
        """Every SQLite failure of a write becomes one OperationError line (the transaction
        was rolled back, so nothing changed)."""
        try:
            yield
        except sqlite3.IntegrityError as exc:
            raise OperationError(f"{description}: refused, it conflicts with the project as it "
                                 f"is now (a later action still uses what it would remove, or "
                                 f"it would duplicate something) ({exc})") from exc
        except UnicodeEncodeError as exc:
            raise OperationError(f"{description}: the text holds a character that cannot be "
                                 "stored (a lone surrogate); nothing was changed") from exc
        except sqlite3.Error as exc:
            raise OperationError(explain_failure(self.path, exc, description)) from exc

    def reading(self):  # type: ignore[no-untyped-def]
        """A context manager: every read inside sees one consistent snapshot of the file."""
        return read_snapshot(self.db)

    def set_meta(self, rec: ChangeRecorder, key: str, value: str) -> None:
        if self.q.meta(key) is None:
            rec.insert("meta", {"key": key, "value": value})
        else:
            rec.update("meta", {"key": key}, {"value": value})

    def abandon_when(self, cancelled: Callable[[], bool] | None) -> Callable[[], bool]:
        """From now on, stop the running SQLite statement once ``cancelled()`` is true (asked
        every ABANDON_CHECK_STEPS of SQLite's virtual machine): the write it belongs to fails
        and its transaction is rolled back, so nothing of it is saved. Returns a function
        telling whether a statement was stopped that way. None: never stop (the default)."""
        stopped = [False]

        def handler() -> int:
            if cancelled is not None and cancelled():
                stopped[0] = True
                return 1  # non-zero: SQLite stops the statement with SQLITE_INTERRUPT
            return 0

        self.db.conn.set_progress_handler(handler if cancelled else None,
                                          ABANDON_CHECK_STEPS)
        return lambda: stopped[0]

    def data_version(self) -> int:
        """Changes whenever another connection (another program, or another Project object in
        this one) commits to the file; our own commits leave it as it is."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    # -- integrity checks (store/integrity.py) --------------------------------------------
    def quote_problems(self, *, full: bool = False) -> QuoteCheck:
        return quote_problems(self.db, full=full)

    def full_check_problems(self) -> list[str]:
        return full_check_problems(self.db)

    def settle_quote_queue(self, check: QuoteCheck) -> None:
        settle_queue(self.db, check)

    def recount_summaries(self) -> None:
        """Rebuild the per-document counts from the annotations (the full check found them
        wrong); bookkeeping, not in the undo history."""
        with transaction(self.db):
            fill_summaries(self.db, queue_all=False)

    def save_copy(self, target: Path) -> None:
        copy_project(self.db, target)
