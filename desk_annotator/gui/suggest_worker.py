"""A computation of the suggestion engines on a worker thread, with progress and cancel.

The window reads what the computation needs on the main thread (the engines' ``training_data``
/ ``scoring_input``), hands a function of those values alone to :class:`BackgroundJob`, and
stores the result on the main thread when ``finished`` arrives (queued signals carry it back
from the thread). The function gets ``progress(done, total)`` and ``should_cancel()``; a
cancelled job reports ``cancelled`` and its result is dropped, so nothing is half-written.
:func:`reading_job` is for work that reads the project itself (the "code next" queue, "more
like this", the dry run): it gets a read-only second connection on the worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..errors import DeskAnnotatorError

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class BackgroundJob(QObject):
    """``finished(result)`` on success; ``failed(line)`` on an error; ``cancelled()``."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _done = Signal(object, object)  # (result, error line) from the thread

    def __init__(self, work: Work, parent: QObject | None = None, *,
                 name: str = "suggest-worker", inline: bool = False) -> None:
        super().__init__(parent)
        self.work = work
        self.name = name
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
        except DeskAnnotatorError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            error = f"{type(exc).__name__}: {exc}"
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


def reading_job(project: Any, work: Callable[[Any, Callable[[int, int], None],
                                              Callable[[], bool]], Any],
                parent: QObject | None = None, *, name: str = "suggest-reader"
                ) -> BackgroundJob:
    """A job whose work reads the project through a read-only connection of its own
    (``work(reader, progress, should_cancel)``), so the window's connection stays free."""
    from ..export_formats import reader_for

    def run(progress: Callable[[int, int], None], should_cancel: Callable[[], bool]) -> Any:
        with reader_for(project) as reader:
            return work(reader, progress, should_cancel)

    return BackgroundJob(run, parent, name=name, inline=str(project.path) == ":memory:")
