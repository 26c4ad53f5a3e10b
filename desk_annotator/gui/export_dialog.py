"""File → Export…: every format of the CLI's ``export`` in one dialog.

The user chooses the format (export_formats.FORMATS, the table project_io.export_path reads),
which coders (any subset, the adjudicated ``gold`` layer included), which documents (all, those
selected in the document list, those the list's filter shows now, a document set, or by
status) and, where the format allows, the unit of the positions. The analysis exports (the
data matrix for SPSS, Stata and spreadsheets, the document variables) are formats here too:
the matrix asks for its rows (per document or per passage) and its coder. The dialog only gathers the choices into an
:class:`ExportRequest`; gui/file_actions.start_export writes it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..models import GOLD_CODER
from ..export_formats import FORMATS, FORMATS_BY_KEY, STATUSES, ExportFormat, with_suffix
from .plain import plain_label

POSITIONS = [("codepoints", "Code points (the standard)"),
             ("utf16", "UTF-16 units (QualCoder, NVivo)")]
DOCUMENT_CHOICES = ("all", "selected", "filtered", "set", "status")
MATRIX_ROWS = [("documents", "One row per document (and coder)"),
               ("passages", "One row per passage")]
EVERY_CODER = "(every coder)"


@dataclass
class ExportRequest:
    """What to write: export_path's arguments."""

    path: Path
    fmt: str
    coder_names: list[str] | None  # None: every coder
    document_ids: list[str] | None  # None: every document (or all of a status)
    statuses: list[str] | None
    positions: str = "codepoints"
    matrix_rows: str = "documents"  # data matrix only
    matrix_coder: str | None = None  # data matrix only; None: every coder

    def arguments(self) -> dict[str, object]:
        return {"fmt": self.fmt, "coder_names": self.coder_names,
                "document_ids": self.document_ids, "statuses": self.statuses,
                "positions": self.positions}


class ExportDialog(QDialog):
    requested = Signal(object)  # an ExportRequest, once the user pressed Export

    def __init__(self, parent: QWidget | None = None, *, coder_names: list[str] = (),
                 selected_ids: list[str] = (), filtered_ids: list[str] = (),
                 total_documents: int = 0, folder: str | Path = "",
                 base_name: str = "export", sets: dict[str, list[str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.selected_ids = list(selected_ids)
        self.filtered_ids = list(filtered_ids)
        self.sets = dict(sets or {})  # document set name -> its document ids
        self.folder = Path(folder) if folder else Path.home()
        self.base_name = base_name
        self.job = None  # the ExportJob started from this dialog (file_actions sets it)

        self.format = QComboBox()
        for fmt in FORMATS:
            self.format.addItem(fmt.title, fmt.key)
        self.path = QLineEdit()
        self.browse = QPushButton("Browse…")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)

        self.coders = QListWidget()
        for name in coder_names:
            shown = f"{name} (adjudicated gold layer)" if name == GOLD_CODER else name
            item = QListWidgetItem(shown)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.coders.addItem(item)
        self.coders.setMaximumHeight(120)

        self.documents = QButtonGroup(self)
        self.doc_buttons: dict[str, QRadioButton] = {
            "all": QRadioButton(f"All documents ({total_documents})"),
            "selected": QRadioButton(f"Selected in the document list ({len(self.selected_ids)})"),
            "filtered": QRadioButton(f"Shown by the list's current filter "
                                     f"({len(self.filtered_ids)})"),
            "set": QRadioButton("In the document set:"),
            "status": QRadioButton("By status of the chosen coders:"),
        }
        self.set_box = QComboBox()
        for name, members in self.sets.items():
            self.set_box.addItem(f"{name} ({len(members)})", name)
        self.doc_buttons["set"].setEnabled(bool(self.sets))
        doc_box = QVBoxLayout()
        for key in DOCUMENT_CHOICES:
            self.documents.addButton(self.doc_buttons[key])
            doc_box.addWidget(self.doc_buttons[key])
            if key == "set":
                set_row = QHBoxLayout()
                set_row.setContentsMargins(24, 0, 0, 0)
                set_row.addWidget(self.set_box, 1)
                doc_box.addLayout(set_row)
        self.doc_buttons["all"].setChecked(True)
        self.status_checks = {s: QCheckBox(s) for s in STATUSES}
        self.status_checks["done"].setChecked(True)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(24, 0, 0, 0)
        for check in self.status_checks.values():
            status_row.addWidget(check)
        status_row.addStretch(1)
        doc_box.addLayout(status_row)

        self.positions = QComboBox()
        for key, text in POSITIONS:
            self.positions.addItem(text, key)
        self.matrix_rows = QComboBox()
        for key, text in MATRIX_ROWS:
            self.matrix_rows.addItem(text, key)
        self.matrix_coder = QComboBox()
        self.matrix_coder.addItem(EVERY_CODER, None)
        for name in coder_names:
            self.matrix_coder.addItem(name, name)
        self.error = plain_label("")
        self.error.setStyleSheet("color: #b42318;")
        self.error.setWordWrap(True)

        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Save to", path_row)
        form.addRow("Coders", self.coders)
        form.addRow("Documents", doc_box)
        form.addRow("Positions", self.positions)
        form.addRow("Matrix rows", self.matrix_rows)
        form.addRow("Matrix coder", self.matrix_coder)
        form.addRow("", self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Export")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

        self._previous: ExportFormat | None = None
        self.format.currentIndexChanged.connect(lambda _i: self._format_changed())
        self.documents.buttonToggled.connect(lambda _b, _on: self._update_enabled())
        self.browse.clicked.connect(self._browse)
        self._format_changed()
        self.resize(560, self.sizeHint().height())

    # -- state -------------------------------------------------------------------------
    def current_format(self) -> ExportFormat:
        return FORMATS_BY_KEY[str(self.format.currentData())]

    def choose(self, key: str) -> None:
        """Select the format ``key`` (tests and callers that know what they want)."""
        self.format.setCurrentIndex(max(0, self.format.findData(key)))

    def document_choice(self) -> str:
        return next(k for k, b in self.doc_buttons.items() if b.isChecked())

    def _format_changed(self) -> None:
        fmt = self.current_format()
        text = self.path.text().strip()
        old = self._previous
        if not text:
            text = str(self.folder / (f"{self.base_name}-brat" if fmt.folder
                                      else self.base_name + fmt.suffix))
        elif old is not None and old.suffix and text.lower().endswith(old.suffix):
            text = text[: -len(old.suffix)] + fmt.suffix  # the file name follows the format
        elif old is not None and old.folder and fmt.suffix:
            text += fmt.suffix
        self.path.setText(text)
        self._previous = fmt
        self._update_enabled()

    def _update_enabled(self) -> None:
        fmt = self.current_format()
        project_format = fmt.kind == "project"
        self.coders.setEnabled(fmt.selection and project_format)
        for key, button in self.doc_buttons.items():
            button.setEnabled(fmt.selection and (key != "set" or bool(self.sets))
                              and (key != "status" or project_format))
        if not project_format and self.doc_buttons["status"].isChecked():
            self.doc_buttons["all"].setChecked(True)  # a status needs coders
        self.set_box.setEnabled(fmt.selection and self.doc_buttons["set"].isChecked())
        self.matrix_rows.setEnabled(fmt.kind == "matrix")
        self.matrix_coder.setEnabled(fmt.kind == "matrix")
        by_status = fmt.selection and self.doc_buttons["status"].isChecked()
        for check in self.status_checks.values():
            check.setEnabled(by_status)
        self.positions.setEnabled(fmt.positions)
        self.positions.setToolTip("" if fmt.positions else
                                  "This format has one unit of its own (or no positions)")

    def _browse(self) -> None:
        fmt = self.current_format()
        start = self.path.text().strip() or str(self.folder)
        if fmt.folder:
            path, _ = QFileDialog.getSaveFileName(self, "Export brat standoff to a folder",
                                                  start, "Folder (*)")
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export", start,
                                                  f"{fmt.title} (*{fmt.suffix})")
        if path:
            self.path.setText(str(with_suffix(path, fmt)))

    # -- the request -------------------------------------------------------------------
    def checked_coders(self) -> list[str]:
        return [self.coders.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.coders.count())
                if self.coders.item(i).checkState() == Qt.CheckState.Checked]

    def request(self) -> ExportRequest:
        """The choices as export_path's arguments; ValueError says what is missing."""
        fmt = self.current_format()
        text = self.path.text().strip()
        if not text:
            raise ValueError("Choose where to save the export.")
        path = with_suffix(text, fmt)
        if fmt.kind == "matrix":
            return ExportRequest(path, fmt.key, None, None, None,
                                 matrix_rows=str(self.matrix_rows.currentData()),
                                 matrix_coder=self.matrix_coder.currentData())
        if not fmt.selection:
            return ExportRequest(path, fmt.key, None, None, None)
        chosen = self.checked_coders()
        if not chosen and fmt.kind == "project":
            raise ValueError("Choose at least one coder.")
        coders = None if len(chosen) == self.coders.count() else chosen
        choice = self.document_choice()
        document_ids: list[str] | None = None
        statuses: list[str] | None = None
        if choice == "selected":
            document_ids = list(self.selected_ids)
            if not document_ids:
                raise ValueError("No document is selected in the document list.")
        elif choice == "filtered":
            document_ids = list(self.filtered_ids)
            if not document_ids:
                raise ValueError("The document list's filter shows no document.")
        elif choice == "set":
            document_ids = list(self.sets.get(str(self.set_box.currentData()), []))
            if not document_ids:
                raise ValueError("The chosen document set has no document.")
        elif choice == "status":
            statuses = [s for s, check in self.status_checks.items() if check.isChecked()]
            if not statuses:
                raise ValueError("Choose at least one status.")
        positions = str(self.positions.currentData()) if fmt.positions else "codepoints"
        return ExportRequest(path, fmt.key, coders, document_ids, statuses, positions)

    def _accept(self) -> None:
        try:
            request = self.request()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.accept()
        self.requested.emit(request)
