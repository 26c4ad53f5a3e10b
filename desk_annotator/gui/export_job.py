"""An export or report written off the GUI thread, with a busy dialog while it runs.

The work is one of project_io's functions (the CLI's code path) run on a read-only second
connection of its own (export_formats.reader_for) in a worker thread, so the window stays live
and keeps its connection; a queued signal brings back the one-line summary, or one line saying
why nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Signal
from PySide6.QtWidgets import QWidget

from ..atomic import describe_os_error
from ..errors import DeskAnnotatorError
from ..store import SQLiteError, explain_failure
from .background_job import busy_dialog, close_busy_dialog, reading_job

SHOW_AFTER_MS = 400
Work = Callable[[Any], str]  # (project or reader) -> one-line summary


def failure_line(exc: BaseException, project_path: object) -> str:
    if isinstance(exc, DeskAnnotatorError):
        return str(exc)
    if isinstance(exc, OSError):
        return describe_os_error(exc, exc.filename or "a file")
    if isinstance(exc, SQLiteError):
        return explain_failure(project_path, exc)
    return f"{type(exc).__name__}: {exc}"


class ExportJob(QObject):
    """``finished`` carries the summary line, or None (``error`` then says why)."""

    finished = Signal(object)

    def __init__(self, project: Any, work: Work, parent: QWidget | None = None, *,
                 title: str = "Export", label: str = "Writing…") -> None:
        super().__init__(parent)
        self.project = project
        self.summary: str | None = None
        self.error: str | None = None
        # No Cancel: a half-written file is never left (atomic writes), so nothing to stop.
        self.dialog = busy_dialog(parent, title, label, show_after_ms=SHOW_AFTER_MS)
        self._job = reading_job(project, lambda reader, _progress, _cancel: work(reader), self,
                                name="export-writer",
                                explain=lambda exc: failure_line(exc, project.path))
        self._job.finished.connect(lambda summary: self._finish(summary, None))
        self._job.failed.connect(lambda line: self._finish(None, line))

    @property
    def state(self) -> str:
        """new, running, done or failed (the worker's)."""
        return self._job.state

    @property
    def running(self) -> bool:
        return self._job.running

    def start(self) -> None:
        if self._job.state == "new":
            self.dialog.setValue(0)
            self._job.start()  # an in-memory project runs here: no second connection to it

    def _finish(self, summary: str | None, error: str | None) -> None:
        self.summary, self.error = summary, error
        close_busy_dialog(self.dialog)
        self.finished.emit(summary)

    def wait(self, timeout: float | None = None) -> bool:
        return self._job.wait(timeout)

    def run_blocking(self) -> str | None:
        """Start (unless started) and wait, the event loop running, until it is over."""
        loop = QEventLoop()
        self.finished.connect(lambda _s: loop.quit())
        self.start()
        if self.running:
            loop.exec()
        return self.summary
