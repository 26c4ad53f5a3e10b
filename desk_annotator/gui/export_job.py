"""An export or report written off the GUI thread, with a busy dialog while it runs.

The work is one of project_io's functions (the CLI's code path) run on a read-only second
connection of its own (export_formats.reader_for) in a worker thread, so the window stays live
and keeps its connection; a queued signal brings back the one-line summary, or one line saying
why nothing was written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..atomic import describe_os_error
from ..errors import DeskAnnotatorError
from ..export_formats import reader_for
from ..store import SQLiteError, explain_failure

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

    _done = Signal(object, object)  # (summary, error) from the worker
    finished = Signal(object)

    def __init__(self, project: Any, work: Work, parent: QWidget | None = None, *,
                 title: str = "Export", label: str = "Writing…") -> None:
        super().__init__(parent)
        self.project = project
        self.work = work
        self.summary: str | None = None
        self.error: str | None = None
        self.state = "new"  # new, running, done, failed
        self._thread: threading.Thread | None = None
        self.dialog = QProgressDialog(label, "", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setCancelButton(None)  # a half-written file is never left: nothing to stop
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(SHOW_AFTER_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self._done.connect(self._finish)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> None:
        if self.state != "new":
            return
        self.state = "running"
        self.dialog.setValue(0)
        if str(self.project.path) == ":memory:":
            self._run()  # no second connection to an in-memory project: run here
            return
        self._thread = threading.Thread(target=self._run, name="export-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        summary: str | None = None
        error: str | None = None
        try:
            with reader_for(self.project) as reader:
                summary = self.work(reader)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            error = failure_line(exc, self.project.path)
        try:
            self._done.emit(summary, error)
        except RuntimeError:  # the window (and this object) closed meanwhile
            pass

    def _finish(self, summary: str | None, error: str | None) -> None:
        self.summary, self.error = summary, error
        self.state = "failed" if error is not None else "done"
        self.dialog.reset()
        self.dialog.close()
        self.dialog.deleteLater()
        self.finished.emit(summary)

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def run_blocking(self) -> str | None:
        """Start (unless started) and wait, the event loop running, until it is over."""
        loop = QEventLoop()
        self.finished.connect(lambda _s: loop.quit())
        self.start()
        if self.running:
            loop.exec()
        return self.summary
