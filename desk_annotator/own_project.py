"""A write from a worker thread: a Project of its own on the file, stoppable by Cancel.

An SQLite connection belongs to the thread that opened it, so a window that wants a long write
(a big import, undoing one) off its GUI thread opens a second Project on the same file in the
worker; the window then learns of the commit as of another program's. Once the user cancels,
SQLite's progress handler stops the running statement (``Project.abandon_when``), the
operation's transaction rolls back whole, and :class:`Cancelled` is raised: nothing of that
operation is saved. Operations committed before stay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from .errors import DeskAnnotatorError
from .project import Project
from .store import SQLiteError

T = TypeVar("T")


class Cancelled(Exception):
    """The user cancelled: what was being read or written was dropped."""


class OwnProject:
    """``with OwnProject(path, cancelled) as own: own.write(lambda: own.project.run(...))``."""

    def __init__(self, path: str | Path, cancelled: Callable[[], bool]) -> None:
        self.path = Path(path)
        self.cancelled = cancelled
        self.project: Project | None = None
        self._stopped: Callable[[], bool] = lambda: False

    def __enter__(self) -> OwnProject:
        # No quote check: the window's own Project checked the file when it opened it.
        self.project = Project(self.path, check_integrity=False)
        self._stopped = self.project.abandon_when(self.cancelled)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.project is not None:
            self.project.close()

    def write(self, step: Callable[[], T]) -> T:
        """Run one write (its own transaction) unless cancelled; a write stopped by Cancel
        raises Cancelled, whatever form its failure took."""
        if self.cancelled():
            raise Cancelled
        try:
            result = step()
        except (DeskAnnotatorError, SQLiteError):  # a stopped write fails as either
            if self._stopped():
                raise Cancelled from None
            raise
        if self._stopped():  # stopped, and the step reported the failure as its result
            raise Cancelled
        return result


def run_in_own_project(path: str | Path, work: Callable[[Project], T],
                       cancelled: Callable[[], bool] = lambda: False) -> T:
    """``work(project)`` as one write on a Project of its own on ``path`` (a label merged, a
    history entry undone, from a worker thread); a refusal raises as it would on any
    Project, and nothing changes."""
    with OwnProject(path, cancelled) as own:
        project = own.project
        assert project is not None
        return own.write(lambda: work(project))


def step_history_entry(path: str | Path, entry_id: int, *, redo: bool,
                       acting_coder_id: str | None,
                       cancelled: Callable[[], bool] = lambda: False) -> str:
    """Undo (or redo) the history entry ``entry_id`` on a Project of its own (the window's
    History list, for an entry as big as an import). Returns its description; a refusal
    raises OperationError as ``Project.undo_entry`` does, and nothing changes."""
    def step(project: Project) -> str:
        if redo:
            return project.redo_entry(entry_id, acting_coder_id)
        return project.undo_entry(entry_id, acting_coder_id)
    return run_in_own_project(path, step, cancelled)
