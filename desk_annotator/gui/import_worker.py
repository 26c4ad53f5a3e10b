"""File → Import off the GUI thread, with a progress dialog and Cancel.

Reading and parsing files is the slow part of most imports (a large PDF or .docx): it runs
``import_files.read_inputs`` in a worker thread that never touches the project. The writes are
``import_files.write_steps`` — one operation for all the articles, one per dataset file, exactly
as the CLI's import. For a project file they run in a second worker thread on a Project of its
own (``import_files.write_in_own_project``; the window's SQLite connection belongs to the GUI
thread), so the window keeps painting through a million-annotation import (most of a minute)
and learns of each commit as of another connection's. A project in memory, which no second
connection can reach, is written on the GUI thread, one event-loop step per operation.

Cancel closes the dialog at once and imports nothing that was not committed yet: while files
are being read, nothing at all (a file being parsed is abandoned: its result is dropped when
the reader returns; a thread cannot be interrupted inside a parser); while a file is being
written, that file's operation is stopped inside SQLite and rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ..errors import DeskAnnotatorError
from ..import_files import (
    Cancelled,
    ReadInputs,
    ReadOptions,
    read_inputs,
    write_in_own_project,
    write_steps,
)
from ..models import ImportReport
from .plain import plain_label
from .background_job import BackgroundJob, busy_dialog, close_busy_dialog

if TYPE_CHECKING:
    from ..project import Project

SHOW_AFTER_MS = 300


class ImportJob(QObject):
    """One import: read in a worker thread, then write in another (or, for a project in
    memory, on the GUI thread step by step).

    ``finished`` carries the ImportReport, or None when cancelled or when nothing could be
    written (``error`` then says why)."""

    progressed = Signal(int, int, str)  # from the worker (queued to the GUI thread)
    _read_done = Signal(object)  # ReadInputs, or an exception, from the worker
    finished = Signal(object)

    def __init__(self, project: Project, paths: list[str], parent: QWidget | None = None, *,
                 add_missing_labels: bool = False, doccano_coder: str = "doccano",
                 options: ReadOptions | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.paths = [str(p) for p in paths]
        self.add_missing_labels = add_missing_labels
        self.doccano_coder = doccano_coder
        self.options = options or ReadOptions(doccano_coder=doccano_coder)
        self.report: ImportReport | None = None
        self.error: str | None = None
        self.state = "new"  # new, reading, writing, done, cancelled, failed
        self.committed_steps = 0
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer: BackgroundJob | None = None  # the write on a Project of its own
        self._steps: list[Callable[[], ImportReport]] = []
        self.file_label = plain_label("Reading files…")  # file names are user data
        self.dialog = busy_dialog(parent, "Import", self.file_label, cancel_text="Cancel",
                                  show_after_ms=SHOW_AFTER_MS)
        self.dialog.setMinimumWidth(440)
        self.dialog.canceled.connect(self.cancel)
        self.progressed.connect(self._show_progress)
        self._read_done.connect(self._start_writing)

    # -- the worker thread ---------------------------------------------------------------
    def start(self) -> None:
        if self.state != "new":
            return
        self.state = "reading"
        self.dialog.setValue(0)  # starts the dialog's "show after a moment" timer
        stance_names = {lb.name for lb in self.project.q.labels() if lb.scheme == "stance"}
        self._thread = threading.Thread(target=self._read, args=(stance_names,),
                                        name="import-reader", daemon=True)
        self._thread.start()

    def _read(self, stance_names: set[str]) -> None:
        try:
            result: object = read_inputs(self.paths, stance_names=stance_names,
                                         doccano_coder=self.doccano_coder,
                                         options=self.options,
                                         cancelled=self._cancel.is_set,
                                         progress=self._emit_progress,
                                         is_project_file=self.project.owns_file)
        except Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            result = exc
        if self._cancel.is_set():
            return  # abandoned while the last file was being parsed
        try:
            self._read_done.emit(result)
        except RuntimeError:  # the window (and this object) closed meanwhile
            pass

    def _emit_progress(self, done: int, total: int, name: str) -> None:
        if not self._cancel.is_set():
            try:
                self.progressed.emit(done, total, name)
            except RuntimeError:
                self._cancel.set()

    def _write(self, read: ReadInputs, progress: Callable[[int, int], None],
               cancelled: Callable[[], bool]) -> list[ImportReport]:
        """The writer's work (a BackgroundJob's thread): every step on a Project of its own,
        see the module's doc; ``progress(steps committed, 0)`` after each commit."""
        parts: list[ImportReport] = []

        def committed(part: ImportReport) -> None:
            parts.append(part)
            progress(len(parts), 0)

        write_in_own_project(Path(self.project.path), read,
                             add_missing_labels=self.add_missing_labels,
                             cancelled=cancelled, committed=committed)
        return parts

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the reader and writer threads have stopped (tests); True when they
        have."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return False
        return self._writer is None or self._writer.wait(timeout)

    # -- the GUI thread ------------------------------------------------------------------
    def _show_progress(self, done: int, total: int, name: str) -> None:
        if self.state != "reading":
            return
        self.dialog.setMaximum(max(1, total + 1))  # +1: saving
        self.dialog.setValue(done)
        self.file_label.setText(f"Reading {name}…" if name else "Saving…")

    def _start_writing(self, result: object) -> None:
        if self.state != "reading":
            return
        if isinstance(result, BaseException):
            self._fail(f"the files could not be read ({type(result).__name__}: {result})")
            return
        assert isinstance(result, ReadInputs)
        self.state = "writing"
        self.report = ImportReport(refused=list(result.refused))
        self.file_label.setText("Saving…")
        if self.project.read_only or self.project.in_memory:
            # In memory: no other connection can reach it. Read-only: each step is refused
            # with the project's reason, on this thread as anywhere.
            self._steps = write_steps(self.project, result,
                                      add_missing_labels=self.add_missing_labels)
            QTimer.singleShot(0, self._write_next)
            return
        self._writer = BackgroundJob(
            lambda progress, cancelled: self._write(result, progress, cancelled), self,
            name="import-writer")
        self._writer.progressed.connect(self._committed)
        self._writer.finished.connect(self._written)
        self._writer.failed.connect(self._fail_writing)
        self._writer.start()

    def _committed(self, steps: int, _total: int) -> None:
        """The writer committed one more step: counted, and shown (as another connection's
        commit)."""
        if self.state not in ("writing", "cancelled"):
            return
        self.committed_steps = steps
        self.project.poll_external_changes()

    def _written(self, parts: list[ImportReport]) -> None:
        if self.state != "writing":
            return
        assert self.report is not None
        for part in parts:
            self.report = self.report.merge(part)
        self._finish()

    def _fail_writing(self, line: str) -> None:
        if self.state == "writing":
            self._fail(line)

    def _write_next(self) -> None:
        if self.state != "writing":
            return
        if not self._steps:
            self._finish()
            return
        step = self._steps.pop(0)
        try:
            part = step()
        except (DeskAnnotatorError, OSError) as exc:
            self._fail(str(exc))
            return
        self.committed_steps += 1
        assert self.report is not None
        self.report = self.report.merge(part)
        QTimer.singleShot(0, self._write_next)

    def _finish(self) -> None:
        self.state = "done"
        self._close_dialog()
        self.finished.emit(self.report)

    def _fail(self, message: str) -> None:
        self.state = "failed"
        self.error = message
        self._close_dialog()
        self.finished.emit(None)

    def cancel(self) -> None:
        """Stop now: the dialog closes, nothing not yet committed is imported."""
        if self.state not in ("new", "reading", "writing"):
            return
        self.state = "cancelled"
        self._cancel.set()
        if self._writer is not None:
            self._writer.cancel()  # the file being written is stopped inside SQLite
        self._steps.clear()
        self._close_dialog()
        self.finished.emit(None)

    def _close_dialog(self) -> None:
        self.dialog.canceled.disconnect(self.cancel)
        close_busy_dialog(self.dialog)

    @property
    def running(self) -> bool:
        return self.state in ("reading", "writing")

    def run_blocking(self) -> ImportReport | None:
        """Start (unless started) and wait, the event loop running, until the job is over."""
        loop = QEventLoop()
        self.finished.connect(lambda _r: loop.quit())
        if self.state == "new":
            self.start()
        if self.running:
            loop.exec()
        return self.report if self.state == "done" else None
