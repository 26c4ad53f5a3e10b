"""The project integrity check, run after the window is shown and off the GUI thread.

The window opens with ``Project(path, check_integrity="deferred")``; this runs the background
check (every page of the file, the summaries, the quotes written since the last check) on a
connection of its own in a worker thread, then reports through a queued Qt signal. The checked
quotes leave the queue on the GUI thread, through the project's own connection.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Signal

from ..project import Project


START_DELAY_MS = 500


class IntegrityCheck(QObject):
    finished = Signal(list)  # the problems found (one line each); [] when all is well

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._thread: threading.Thread | None = None
        self._began = False
        # Connected first, so the queue is settled before the window hears of the result.
        self.finished.connect(self._settle)

    def _settle(self, _problems: list) -> None:
        self.project.settle_checked_quotes()

    def start(self) -> None:
        if self.project.in_memory:
            self._run()  # no second connection to an in-memory project; it is small anyway
            return
        self._thread = threading.Thread(target=self._run, name="integrity-check", daemon=True)
        # The check reads the whole file: on a cold cache it would compete for the disk with
        # the first screen's own reads, so it begins a moment after the first paint.
        QTimer.singleShot(START_DELAY_MS, self._begin)

    def _begin(self) -> None:
        if self._thread is not None and not self._began:
            self._began = True
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the worker is done, starting it now if it is still to begin (tests;
        the GUI never waits)."""
        if self._thread is not None:
            self._begin()
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            problems = self.project.check_integrity(separate_connection=True)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            problems = [f"the integrity check could not run ({exc})"]
        try:
            self.finished.emit(problems)
        except RuntimeError:  # the window (and this object) closed meanwhile
            pass
