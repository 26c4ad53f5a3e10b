"""Commits by other programs (a CLI import, a colleague's window, sqlite-utils) show up in an
open window.

A timer asks :meth:`Project.poll_external_changes` twice a second; when another connection
committed, the project sends the one "what changed" notification with ``everything=True``
(what changed is not known row by row), and :func:`refresh_everything` reloads what the main
window shows, keeping the document list's selection and scroll position and the open document
(or closing it, and forgetting the coder, when the other program deleted them).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from ..project import Project
    from .main_window import MainWindow

log = logging.getLogger(__name__)
POLL_MS = 500


class ExternalChangeWatcher(QObject):
    """Polls the project file for other programs' commits while the window is open."""

    def __init__(self, project: Project, report: object = None,
                 parent: QObject | None = None, interval_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self.project = project
        self.report = report  # callable(str) for a one-line problem, shown once
        self._reported = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        if not self.project.in_memory:  # no other program can reach it
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def poll(self) -> bool:
        try:
            return self.project.poll_external_changes()
        except Exception as exc:  # noqa: BLE001 - a timer must never raise into Qt
            log.warning("checking %s for other programs' changes failed: %s",
                        self.project.path, exc)
            if not self._reported and callable(self.report):
                self._reported = True
                self.report(f"Cannot check the project for other programs' changes: {exc}")
            return False


def coder_still_exists(win: MainWindow) -> bool:
    return win.coder is None or win.project.q.coder(win.coder.id) is not None


def forget_deleted_coder(win: MainWindow) -> None:
    """The coder this window works as is gone (another program, or an undo of "add coder"):
    stop coding as them and ask who is coding (a read-only project only views)."""
    name = win.coder.name if win.coder else "?"
    win.coder = None
    win.view.own_coder_id = None
    win.flash(f"The coder “{name}” no longer exists in this project; choose who is coding.")
    if not win.project.read_only:
        QTimer.singleShot(0, win.ask_coder)


def refresh_everything(win: MainWindow) -> None:
    """Reload every view of the main window (after another program's commit)."""
    project = win.project
    if not coder_still_exists(win):
        forget_deleted_coder(win)
    elif win.coder is not None:
        win.coder = project.q.coder(win.coder.id) or win.coder  # it may have been renamed
    scroll = win.corpus.table.verticalScrollBar().value()
    win._reload_labels()
    win._reload_coders()
    win._reload_corpus()
    win.corpus.table.verticalScrollBar().setValue(scroll)
    doc_id = win.view.document_id
    if doc_id is not None and win.corpus.model.row_of(doc_id) is None:
        win.open_document(None)
        win.flash("The open document was deleted by another program.")
    else:
        win._load_annotations(force_list=True)
        current = win.view.current_annotation_id
        win._current_changed(current if current and win.view.annotation(current) else None)
    win._refresh_header()
    win._update_undo_actions()
