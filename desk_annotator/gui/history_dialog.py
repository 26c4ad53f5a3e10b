"""Undo and redo in the window: Ctrl+Z steps the current coder's own actions only; Edit →
History… lists every recorded action and undoes or redoes one by name (imports, codebook
edits, merges: the project-wide ones; and the coder's own).

The project refuses a step that later work depends on, with one line; that line is shown
(message box for Ctrl+Z, a line in the dialog), and nothing changes.

Undoing an import of a million annotations takes most of a minute. An entry whose change log
is that big is stepped by a worker thread on a Project of its own (own_project), behind a busy
dialog with Cancel (which rolls the step back whole); the window keeps painting and shows the
result as another connection's commit. Small entries step at once on the window's connection,
so the views refresh exactly and Ctrl+Z stays instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from .background_job import BackgroundJob, write_in_background
from .plain import menu_text, plain_label, tooltip_text

if TYPE_CHECKING:
    from ..project import Changed, Project
    from .main_window import MainWindow

ENTRY_ROLE = Qt.ItemDataRole.UserRole
HISTORY_LIMIT = 500
PROJECT_WIDE = "(project-wide)"
# From this many bytes of packed change log on, an entry is stepped in a worker thread. How
# many rows that is depends on how well the log compresses: measured, 32 KB is some 700
# imported annotations of unrelated ids (undone in 0.05 s), the 100,000 of an import of
# sequential ids pack into 0.6 MB (undone in 7 s). Below it a step is instant either way.
BACKGROUND_LOG_BYTES = 32_768


# -- Ctrl+Z / Ctrl+Shift+Z ---------------------------------------------------------------------

def step_own(win: MainWindow, redo: bool) -> str | None:
    """Undo (or redo) the current coder's own latest action; a refusal is shown, never
    raised. Returns the description of what was stepped."""
    verb = "redo" if redo else "undo"
    if win.project.read_only:
        win.flash(f"Read-only project: nothing to {verb}.")
        return None
    coder_id = win.coder_id()
    if coder_id is None:
        win.flash(f"Choose a coder first: Ctrl+Z steps your own actions; Edit → History… "
                  f"can {verb} project-wide ones.")
        return None
    try:
        done = win.project.redo(coder_id) if redo else win.project.undo(coder_id)
    except DeskAnnotatorError as exc:
        win.inform("Redo refused" if redo else "Undo refused", str(exc), warning=True)
        return None
    if done is None:
        win.flash(f"Nothing of yours to {verb}.")
    return done


def update_undo_actions(win: MainWindow) -> None:
    """The Edit menu names what Ctrl+Z and Ctrl+Shift+Z would step, right now."""
    coder_id = win.coder_id()
    active = coder_id is not None and not win.project.read_only
    try:
        undo = win.project.undo_description(coder_id) if active else None
        redo = win.project.redo_description(coder_id) if active else None
    except DeskAnnotatorError:
        undo = redo = None
    for key, verb, what in (("undo", "Undo", undo), ("redo", "Redo", redo)):
        action = win.actions_by_name[key]
        action.setText(menu_text(f"{verb} {what}") if what else verb)
        action.setEnabled(what is not None)


def format_time(value: str) -> str:
    try:
        return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return str(value)


# -- Edit → History… ---------------------------------------------------------------------------

class HistoryDialog(QDialog):
    """Every recorded action, newest first, with Undo this / Redo this."""

    COLUMNS = ("Time", "Coder", "Action", "State")

    def __init__(self, win: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or win)
        self.win = win
        self.project = win.project
        self.entries: list[dict[str, Any]] = []
        self.step_job: BackgroundJob | None = None  # a big entry being stepped in a worker
        self.setWindowTitle("History")
        self.resize(760, 480)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for col in range(len(self.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.hint = plain_label(word_wrap=True)
        self.error_label = plain_label(word_wrap=True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.undo_button = QPushButton("Undo this")
        self.redo_button = QPushButton("Redo this")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.undo_button.clicked.connect(lambda: self.step_selected(redo=False))
        self.redo_button.clicked.connect(lambda: self.step_selected(redo=True))
        close.clicked.connect(self.close)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        win.bridge.changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, _changed: Changed) -> None:
        self.reload()

    def reload(self) -> None:
        keep = self.selected_entry()
        try:
            self.entries = self.project.history(HISTORY_LIMIT)
        except DeskAnnotatorError as exc:
            self.entries = []
            self.error_label.setText(str(exc))
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            cells = [format_time(entry.get("time", "")), entry.get("coder") or PROJECT_WIDE,
                     entry.get("description", ""), "undone" if entry.get("undone") else "done"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(str(text))  # item views draw their text plainly
                item.setData(ENTRY_ROLE, entry["id"])
                if col == 2:
                    item.setToolTip(tooltip_text(str(text)))
                if entry.get("undone"):
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, col, item)
        if keep is not None:
            self.select_entry(keep["id"])
        self._update_buttons()

    def select_entry(self, entry_id: int) -> None:
        for row, entry in enumerate(self.entries):
            if entry["id"] == entry_id:
                self.table.selectRow(row)
                return

    def selected_entry(self) -> dict[str, Any] | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _may_step(self, entry: dict[str, Any]) -> tuple[bool, str]:
        if self.project.read_only:
            return False, "Read-only project: nothing can be undone or redone."
        coder = entry.get("coder")
        if coder and (self.win.coder is None or coder != self.win.coder.name):
            return False, (f"This is {coder}'s action: each coder undoes their own (as "
                           f"{coder}, with Ctrl+Z or here).")
        return True, ""

    @property
    def stepping(self) -> bool:
        return self.step_job is not None and self.step_job.running

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        allowed, why = self._may_step(entry) if entry else (False, "")
        allowed = allowed and not self.stepping
        self.undo_button.setEnabled(allowed and entry is not None and not entry["undone"])
        self.redo_button.setEnabled(allowed and entry is not None and bool(entry["undone"]))
        self.hint.setText(why)

    def step_selected(self, *, redo: bool) -> bool:
        """Undo (or redo) the selected entry; a refusal becomes the dialog's one line. A big
        entry is only started here (True): ``step_job`` reports, the line shows the outcome."""
        entry = self.selected_entry()
        if entry is None or self.stepping:
            return False
        allowed, why = self._may_step(entry)
        if not allowed:
            self.error_label.setText(why)
            return False
        acting = self.win.coder_id()
        if (entry.get("size") or 0) >= BACKGROUND_LOG_BYTES and not self.project.in_memory:
            self._step_in_worker(entry, redo, acting)
            return True
        try:
            if redo:
                self.project.redo_entry(entry["id"], acting_coder_id=acting)
            else:
                self.project.undo_entry(entry["id"], acting_coder_id=acting)
        except DeskAnnotatorError as exc:
            self.error_label.setText(str(exc))
            return False
        self.error_label.clear()
        return True

    def _step_in_worker(self, entry: dict[str, Any], redo: bool, acting: str | None) -> None:
        verb = ("Redoing", "redone", "Redone") if redo else ("Undoing", "undone", "Undone")
        description, entry_id = entry.get("description", ""), entry["id"]

        def step(project: Project) -> str:
            if redo:
                return project.redo_entry(entry_id, acting_coder_id=acting)
            return project.undo_entry(entry_id, acting_coder_id=acting)

        def over(state: str, value: Any) -> None:
            line, flash = "", ""
            if state == "done":
                flash = f"{verb[2]}: {value}"
            elif state == "failed":
                line = value
            else:
                line = f"Cancelled: nothing was {verb[1]}."
                now = next((e for e in self.entries if e["id"] == entry_id), None)
                if now is not None and bool(now["undone"]) != bool(entry["undone"]):
                    # Cancel came as the step committed: it is done, and the line says so.
                    line = f"{verb[2]} before Cancel took effect: {description}"
            self.error_label.setText(line)
            self.win.flash(flash)
            self._update_buttons()

        self.error_label.clear()
        self.step_job = write_in_background(self, self.project, step, title="History",
                                            label=f"{verb[0]} “{description}”…", over=over)
        self._update_buttons()

    def closeEvent(self, event) -> None:
        self.win.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)
