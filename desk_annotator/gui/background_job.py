"""Work on a worker thread, with progress and cancel, and the busy dialog shown meanwhile.

The window hands :class:`BackgroundJob` a function of values it read on the main thread (the
suggestion engines' ``training_data`` / ``scoring_input``), or one that opens a connection of
its own (an SQLite connection belongs to its thread): :func:`reading_job` for reads (the
"code next" queue, "more like this", the dry run, exports), ``own_project.OwnProject`` for
writes (File → Import, undoing a big history entry). The result arrives on the main thread
with ``finished`` (queued signals carry it back). The function gets ``progress(done,
total)`` and ``should_cancel()``; a cancelled job reports ``cancelled`` and its result is
dropped, so nothing is half-written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..errors import DeskAnnotatorError

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


def plain_failure(exc: BaseException) -> str:
    """One line for a worker's exception: ours as they are, others named by their type."""
    if isinstance(exc, DeskAnnotatorError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def busy_dialog(parent: QWidget | None, title: str, label: str | QWidget, *,
                cancel_text: str | None = None, show_after_ms: int = 300) -> QProgressDialog:
    """The window-modal "working…" dialog of a background job: it appears only when the work
    lasts longer than ``show_after_ms`` (once ``setValue(0)`` starts its timer), stays open
    until the job closes it, and has a Cancel button only when the work can be stopped."""
    dialog = QProgressDialog(parent)
    dialog.setWindowTitle(title)
    if isinstance(label, str):
        dialog.setLabelText(label)
    else:
        dialog.setLabel(label)  # a label of the caller's, e.g. one that shows user data plainly
    if cancel_text is None:
        dialog.setCancelButton(None)
    else:
        dialog.setCancelButtonText(cancel_text)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(show_after_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setRange(0, 0)
    return dialog


def close_busy_dialog(dialog: QProgressDialog) -> None:
    dialog.reset()
    dialog.close()
    dialog.deleteLater()  # hidden now; Qt deletes it once back in the event loop


class BackgroundJob(QObject):
    """``finished(result)`` on success; ``failed(line)`` on an error; ``cancelled()``."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _done = Signal(object, object)  # (result, error line) from the thread

    def __init__(self, work: Work, parent: QObject | None = None, *,
                 name: str = "suggest-worker", inline: bool = False,
                 explain: Callable[[BaseException], str] = plain_failure) -> None:
        super().__init__(parent)
        self.work = work
        self.name = name
        self.explain = explain  # an exception of the work -> the one line ``failed`` carries
        self.inline = inline  # run on the calling thread (an in-memory project has no file)
        self.state = "new"  # new, running, done, failed, cancelled
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._done.connect(self._finish)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> None:
        if self.state != "new":
            return
        self.state = "running"
        if self.inline:
            self._run()
            return
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self) -> None:
        result: Any = None
        error: str | None = None
        try:
            result = self.work(self._progress, self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            error = self.explain(exc)
        try:
            self._done.emit(result, error)
        except RuntimeError:  # the window closed meanwhile
            pass

    def _progress(self, done: int, total: int) -> None:
        try:
            self.progressed.emit(int(done), int(total))
        except RuntimeError:
            pass

    def _finish(self, result: Any, error: str | None) -> None:
        if self._cancel.is_set():  # asked to stop: whatever came back is dropped
            self.state = "cancelled"
            self.cancelled.emit()
        elif error is not None:
            self.state = "failed"
            self.failed.emit(error)
        else:
            self.state = "done"
            self.finished.emit(result)

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True


def write_in_background(parent: QWidget, project: Any, work: Callable[[Any], Any], *,
                        title: str, label: str,
                        over: Callable[[str, Any], None]) -> BackgroundJob:
    """``work(project)`` as one write on a worker thread, on a Project of its own on
    ``project``'s file (own_project.run_in_own_project), behind a busy dialog whose Cancel
    stops it inside SQLite and rolls it back whole. When it is over, ``project`` looks for
    the commit (its views refresh as for another connection's), then ``over(state, value)``
    runs on this thread: ("done", the work's result), ("failed", one line) or ("cancelled",
    None; the write may have committed just before Cancel took effect: check the project).
    ``label`` may name user data: it is shown as plain text."""
    from ..own_project import run_in_own_project
    from .plain import plain_label

    dialog = busy_dialog(parent, title, plain_label(label), cancel_text="Cancel")
    dialog.setMinimumWidth(440)
    path = project.path
    job = BackgroundJob(lambda _progress, cancelled: run_in_own_project(path, work, cancelled),
                        parent, name="own-project-write")
    dialog.canceled.connect(job.cancel)

    def finish(state: str, value: Any) -> None:
        close_busy_dialog(dialog)
        project.poll_external_changes()
        over(state, value)

    job.finished.connect(lambda result: finish("done", result))
    job.failed.connect(lambda line: finish("failed", line))
    job.cancelled.connect(lambda: finish("cancelled", None))
    dialog.setValue(0)  # the dialog shows once the write lasts longer than a moment
    job.start()
    return job


def reading_job(project: Any, work: Callable[[Any, Callable[[int, int], None],
                                              Callable[[], bool]], Any],
                parent: QObject | None = None, *, name: str = "suggest-reader",
                explain: Callable[[BaseException], str] = plain_failure) -> BackgroundJob:
    """A job whose work reads the project through a read-only connection of its own
    (``work(reader, progress, should_cancel)``), so the window's connection stays free."""
    from ..export_formats import reader_for

    def run(progress: Callable[[int, int], None], should_cancel: Callable[[], bool]) -> Any:
        with reader_for(project) as reader:
            return work(reader, progress, should_cancel)

    return BackgroundJob(run, parent, name=name, inline=project.in_memory,
                         explain=explain)
