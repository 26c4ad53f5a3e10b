"""Edit → Document variables…: every document's variables as a spreadsheet-style table.

One row per document, one column per variable (the built-ins, then the project's own). Editing
a cell runs one undoable SetVariableValues (listed in Edit → History); a value that does not
fit the variable's type is refused with its one line, and the cell shows the stored value
again. New variables, import and export go through the same headless code as the CLI
(ops_variables, variables_io).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..ops_variables import DefineVariable, SetVariableValues
from ..project import Changed, Project
from ..variables import TYPES, all_variables, variable_table
from ..variables_io import export_variables, import_variables
from .bridge import ProjectBridge
from .plain import plain_label

DOC_ROLE = Qt.ItemDataRole.UserRole
SHEETS = "Spreadsheets (*.csv *.xlsx)"
WATCHED = {"documents", "variables", "document_variables"}


class VariablesWindow(QWidget):
    def __init__(self, project: Project, bridge: ProjectBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.project, self.bridge = project, bridge
        self.names: list[str] = []
        self._loading = False
        self.setWindowTitle("Document variables")
        self.resize(900, 520)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("new variable name")
        self.type_box = QComboBox()
        self.type_box.addItems(list(TYPES))
        self.categories_edit = QLineEdit()
        self.categories_edit.setPlaceholderText("categories in order: a, b, c")
        self.define_button = QPushButton("Add variable")
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        top = QHBoxLayout()
        for widget in (self.name_edit, self.type_box, self.categories_edit, self.define_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        self.table = QTableWidget(0, 0)
        self.table.setAlternatingRowColors(True)
        self.message = plain_label(word_wrap=True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.define_button.clicked.connect(self.define_from_fields)
        self.import_button.clicked.connect(lambda: self.ask_import())
        self.export_button.clicked.connect(lambda: self.ask_export())
        self.table.itemChanged.connect(self._on_item_changed)
        bridge.changed.connect(self._on_changed)
        read_only = project.read_only
        for widget in (self.define_button, self.import_button):
            widget.setEnabled(not read_only)
        self.reload()

    def closeEvent(self, event: Any) -> None:
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)

    def _on_changed(self, changed: Changed) -> None:
        if changed.everything or changed.tables & WATCHED:
            self.reload()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    # -- the table -------------------------------------------------------------------------
    def reload(self) -> None:
        self._loading = True
        try:
            variables = all_variables(self.project)
            rows = variable_table(self.project)
            titles = {d.id: d.title for d in self.project.q.document_infos()}
            self.names = [v.name for v in variables]
            headers = ["Title"] + [v.name if v.builtin else f"{v.name} ({v.type})"
                                   for v in variables]
            self.table.clear()
            self.table.setColumnCount(len(headers))
            self.table.setHorizontalHeaderLabels(headers)
            for col, var in enumerate(variables, start=1):
                header = self.table.horizontalHeaderItem(col)
                if header is not None and var.categories:
                    header.setToolTip("categories: " + ", ".join(var.categories))
            self.table.setRowCount(len(rows))
            for r, (doc_id, values) in enumerate(rows):
                title = QTableWidgetItem(titles.get(doc_id, doc_id))
                title.setFlags(title.flags() & ~Qt.ItemFlag.ItemIsEditable)
                title.setData(DOC_ROLE, doc_id)
                self.table.setItem(r, 0, title)
                for c, name in enumerate(self.names, start=1):
                    value = values.get(name)
                    item = QTableWidgetItem("" if value is None else str(value))
                    if self.project.read_only:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    self.table.setItem(r, c, item)
        finally:
            self._loading = False

    def document_id(self, row: int) -> str | None:
        item = self.table.item(row, 0)
        return item.data(DOC_ROLE) if item is not None else None

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading or item.column() == 0:
            return
        doc_id = self.document_id(item.row())
        if doc_id is not None:
            self.set_value(doc_id, self.names[item.column() - 1], item.text())

    def set_value(self, document_id: str, name: str, value: str) -> bool:
        """Store one cell (the same op as ``variable set``); a refusal becomes the message
        line and the table shows the stored values again."""
        try:
            self.project.run(SetVariableValues([(document_id, name, value)], f"Set {name}"))
        except DeskAnnotatorError as exc:
            self.show_message(str(exc), error=True)
            self.reload()
            return False
        self.show_message("")
        return True

    # -- define, import, export ------------------------------------------------------------
    def define_from_fields(self) -> bool:
        kind = self.type_box.currentText()
        categories = self.categories_edit.text() if kind == "category" else None
        try:
            var = self.project.run(DefineVariable(self.name_edit.text(), kind, categories))
        except DeskAnnotatorError as exc:
            self.show_message(str(exc), error=True)
            return False
        self.name_edit.clear()
        self.categories_edit.clear()
        self.show_message(f"defined {var.name} ({var.type})")
        return True

    def ask_import(self, path: str | None = None, match: str = "auto") -> list[str]:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import variables", "", SHEETS)
            if not path:
                return []
        try:
            lines = import_variables(self.project, path, match).lines()
        except (DeskAnnotatorError, OSError) as exc:
            self.show_message(str(exc), error=True)
            return [str(exc)]
        self.show_message("\n".join(lines[:12] + ([f"… {len(lines) - 12} more"]
                                                  if len(lines) > 12 else [])))
        return lines

    def ask_export(self, path: str | None = None) -> int:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export variables", "variables.xlsx",
                                                  SHEETS)
            if not path:
                return 0
        try:
            n = export_variables(self.project, path)
        except (DeskAnnotatorError, OSError) as exc:
            self.show_message(str(exc), error=True)
            return 0
        self.show_message(f"{n} documents written to {path}")
        return n


def open_variables_window(win: Any) -> VariablesWindow:
    """Edit → Document variables… (kept open beside the main window)."""
    window = VariablesWindow(win.project, win.bridge, win)
    win.keep_window(window)
    window.show()
    return window
