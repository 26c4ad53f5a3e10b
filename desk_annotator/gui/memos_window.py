"""Edit → Memos…: every memo in a list (scope, what it is about, coder, last change), an
editor for the selected one, and a search box (the one matcher, as Find in corpus).

Opened on a target (the current document from the Document menu or the document list's
context menu, a label from the codebook editor) it shows the current coder's memo there, or
an empty editor that creates it on Save. Saving runs one undoable SetMemo / EditMemo, Delete
one DeleteMemo; other coders' memos are shown read-only (undo is each coder's own). The
list refreshes from the change notification.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..memos import MemoView, list_memos, memo_of, search_memos
from ..ops_memos import DeleteMemo, EditMemo, SetMemo
from ..project import Changed, Project
from ..text_match import MatchOptions
from .bridge import ProjectBridge
from .plain import plain_label

MEMO_ROLE = Qt.ItemDataRole.UserRole
WATCHED = {"memos", "documents", "labels", "coders"}
COLUMNS = ("Scope", "About", "Coder", "Updated", "Title")
SCOPES = (("All memos", None), ("Project", "project"), ("Documents", "document"),
          ("Labels", "label"))


class MemosWindow(QWidget):
    def __init__(self, project: Project, bridge: ProjectBridge, coder_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.project, self.bridge, self.coder_id = project, bridge, coder_id
        self.memos: list[MemoView] = []
        self.shown: MemoView | None = None
        # The target a new memo is written on (Save with nothing selected).
        self.target: tuple[str, str] = ("project", "")
        self.setWindowTitle("Memos")
        self.resize(980, 560)
        self.search = QLineEdit(placeholderText="Search memos…")
        self.search.setClearButtonEnabled(True)
        self.accents = QCheckBox("Ignore accents")
        self.scope_box = QComboBox()
        for text, value in SCOPES:
            self.scope_box.addItem(text, value)
        self.project_button = QPushButton("Project memo")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.accents)
        top.addWidget(self.scope_box)
        top.addWidget(self.project_button)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        for col, width in enumerate((70, 190, 70, 112)):
            self.table.setColumnWidth(col, width)
        self.about = plain_label(word_wrap=True)
        self.title_edit = QLineEdit(placeholderText="Title (optional)")
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Write the memo: reflections, coding rules, examples…")
        self.save_button = QPushButton("Save")
        self.delete_button = QPushButton("Delete")
        self.message = plain_label(word_wrap=True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.about)
        right_layout.addWidget(self.title_edit)
        right_layout.addWidget(self.editor, 1)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setSizes([560, 440])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.search.textChanged.connect(lambda _t: self.reload())
        self.accents.toggled.connect(lambda _on: self.reload())
        self.scope_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.project_button.clicked.connect(lambda: self.open_target("project", ""))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.save_button.clicked.connect(lambda: self.save())
        self.delete_button.clicked.connect(lambda: self.delete_shown())
        bridge.changed.connect(self._on_changed)
        self.reload()
        self._show(None)

    def closeEvent(self, event: Any) -> None:
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)

    def _on_changed(self, changed: Changed) -> None:
        if changed.everything or changed.tables & WATCHED:
            self.reload()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    # -- the list ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the memos (filtered by scope and search), keeping the selection."""
        keep = self.shown.id if self.shown else None
        scope = self.scope_box.currentData()
        pattern = self.search.text()
        if pattern:
            options = MatchOptions(fold_diacritics=self.accents.isChecked())
            try:
                hits = search_memos(self.project, pattern, options, scope=scope)
            except DeskAnnotatorError as exc:
                self.show_message(str(exc), error=True)
                hits = []
            self.memos = list({h.memo.id: h.memo for h in hits}.values())
        else:
            self.memos = list_memos(self.project, scope=scope)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.memos))
        for row, memo in enumerate(self.memos):
            cells = (memo.scope, memo.target_label, memo.coder_name or "—",
                     memo.updated[:16].replace("T", " "), memo.title)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(MEMO_ROLE, memo.id)
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        fresh = next((m for m in self.memos if m.id == keep), None)
        if keep is not None:
            if fresh is None:  # deleted, hidden or filtered out: back to its target
                self._show(None)
                # else "Saved" would still stand under the emptied editor after an undo
                self.show_message("The memo shown is no longer there (undone, deleted or "
                                  "filtered out).")
            else:
                self._select_row(fresh.id)
                if fresh.updated != self.shown.updated:  # type: ignore[union-attr]
                    self._show(fresh)

    def _select_row(self, memo_id: str) -> None:
        self.table.blockSignals(True)
        for row, memo in enumerate(self.memos):
            if memo.id == memo_id:
                self.table.selectRow(row)
        self.table.blockSignals(False)

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        memo = self.memos[rows[0].row()] if rows else None
        if memo is not None:
            self.target = (memo.scope, memo.target_id)
        self._show(memo)

    # -- the editor ------------------------------------------------------------------------
    def _editable(self, memo: MemoView | None) -> bool:
        if self.project.read_only or self.coder_id is None:
            return False
        return memo is None or memo.coder_id == self.coder_id

    def _show(self, memo: MemoView | None) -> None:
        self.shown = memo
        if memo is None:
            about = self._target_text(*self.target)
            self.about.setText(f"New memo on {about}")
            self.title_edit.clear()
            self.editor.clear()
        else:
            self.about.setText(f"On {self._target_text(memo.scope, memo.target_id)} — by "
                                  f"{memo.coder_name or 'no coder'}, created "
                                  f"{memo.created[:16].replace('T', ' ')}, updated "
                                  f"{memo.updated[:16].replace('T', ' ')} (UTC)")
            self.title_edit.setText(memo.title)
            self.editor.setPlainText(memo.text)
        editable = self._editable(memo)
        self.title_edit.setReadOnly(not editable)
        self.editor.setReadOnly(not editable)
        self.save_button.setEnabled(editable)
        self.delete_button.setEnabled(editable and memo is not None)
        if self.coder_id is None and not self.project.read_only:
            self.show_message("Choose a coder (Coder menu) to write memos.")

    def _target_text(self, scope: str, target_id: str) -> str:
        if scope == "project":
            return "the project"
        if scope == "document":
            infos = self.project.q.document_infos([target_id])
            return f"document “{infos[0].title}”" if infos else "a document"
        label = self.project.q.label(target_id)
        return f"label “{label.name}”" if label else "a label"

    def open_target(self, scope: str, target_id: str) -> None:
        """Show the current coder's memo on the target, or an empty editor for it."""
        self.target = (scope, target_id)
        if self.search.text():
            self.search.clear()
        memo = memo_of(self.project, scope, target_id, self.coder_id)
        if memo is None:
            self.table.clearSelection()
            self._show(None)
        else:
            self._select_row(memo.id)
            self._show(memo)
        self.editor.setFocus()

    def save(self) -> MemoView | None:
        """Write the editor's text: the shown memo, or the coder's memo on the target."""
        text, title = self.editor.toPlainText(), self.title_edit.text()
        try:
            if self.shown is not None:
                memo = self.project.run(EditMemo(self.shown.id, text, title), self.coder_id)
            else:
                scope, target = self.target
                memo = self.project.run(SetMemo(scope, target, self.coder_id, text, title),
                                        self.coder_id)
        except DeskAnnotatorError as exc:
            self.show_message(str(exc), error=True)
            return None
        self.shown = memo
        self.reload()
        self._select_row(memo.id)
        self._show(memo)
        self.show_message("Saved (Edit → Undo reverts it).")
        return memo

    def delete_shown(self) -> bool:
        if self.shown is None:
            return False
        try:
            gone = self.project.run(DeleteMemo(self.shown.id), self.coder_id)
        except DeskAnnotatorError as exc:
            self.show_message(str(exc), error=True)
            return False
        self.target = (gone.scope, gone.target_id)
        self.shown = None
        self.reload()
        self._show(None)
        self.show_message("Deleted (Edit → Undo brings it back).")
        return True


def open_memos_window(win: Any, scope: str | None = None,
                      target_id: str = "", parent: QWidget | None = None) -> MemosWindow:
    """Edit → Memos… (kept open beside the main window); with a target, on that target."""
    window = MemosWindow(win.project, win.bridge, win.coder_id(), parent or win)
    if parent is None:
        win.keep_window(window)
    window.show()
    if scope is not None:
        window.open_target(scope, target_id)
    return window


def open_document_memo(win: Any, document_id: str | None = None) -> MemosWindow | None:
    """Document → Memo… / the document list's "Memo…": the memo on that document."""
    doc_id = document_id or win.view.document_id
    if not doc_id:
        win.flash("Open a document first.")
        return None
    return open_memos_window(win, "document", doc_id)


def open_label_memo(editor: Any) -> MemosWindow | None:
    """The codebook editor's "Label memo…": the memo on its selected label (the window is
    the editor's child, so it can be used while the editor is open)."""
    label = editor.selected_label()
    win = editor.parent()
    if label is None or win is None or not hasattr(win, "bridge"):
        return None
    window = open_memos_window(win, "label", label.id, parent=editor)
    editor.memo_windows = [*getattr(editor, "memo_windows", []), window]
    return window
