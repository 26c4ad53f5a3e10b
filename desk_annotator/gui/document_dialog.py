"""Document management in the window: Rename… (F2), Edit details… and Delete… from the
document list's context menu.

Every change is one op of desk_annotator.ops_documents run through ``project.run`` with the
current coder (so Ctrl+Z undoes it); the views refresh from the change notification like after
any other action. Titles and metadata are user data: every dialog shows them as plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..models import DocumentInfo
from ..ops import Op
from ..ops_documents import (
    EDITABLE_FIELDS,
    DeleteDocument,
    EditDocumentDetails,
    RenameDocument,
    annotation_count,
)

if TYPE_CHECKING:
    from .main_window import MainWindow

FIELD_LABELS = {"author": "Author", "outlet": "Outlet", "date": "Date", "url": "URL",
                "language": "Language"}
FIELD_HINTS = {"date": "e.g. 2025-07-26", "url": "https://…", "language": "e.g. en, zh, de"}


class DocumentDialog(QDialog):
    """Edit a document's title and metadata (its text never changes after import)."""

    def __init__(self, info: DocumentInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Document details")
        self.info = info
        self.title_edit = QLineEdit(info.title)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Title", self.title_edit)
        for key in EDITABLE_FIELDS:
            edit = QLineEdit(str(info.metadata.get(key) or ""))
            edit.setPlaceholderText(FIELD_HINTS.get(key, ""))
            self.fields[key] = edit
            form.addRow(FIELD_LABELS[key], edit)
        source = QLabel(str(info.metadata.get("source_file") or "—"))
        source.setTextFormat(Qt.TextFormat.PlainText)
        source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Source file", source)
        size = QLabel(f"{info.length:,} characters · id {info.id}")
        size.setTextFormat(Qt.TextFormat.PlainText)
        size.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Text", size)
        self.problem = QLabel("")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setObjectName("dialogProblem")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept_if_titled)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.title_edit.selectAll()
        self.resize(520, self.sizeHint().height())

    def values(self) -> tuple[str, dict[str, str | None]]:
        """(title, metadata) as typed; an empty field clears it."""
        return (self.title_edit.text(),
                {k: (e.text().strip() or None) for k, e in self.fields.items()})

    def _accept_if_titled(self) -> None:
        if not self.title_edit.text().strip():
            self.problem.setText("A document needs a title.")
            self.title_edit.setFocus()
            return
        self.accept()


def confirm_delete(parent: QWidget | None, title: str, annotations: int) -> bool:
    """Ask before deleting, naming the document and what goes with it (plain text)."""
    what = (f"its {annotations} annotation{'s' * (annotations != 1)} (all coders)"
            if annotations else "no annotations")
    box = QMessageBox(QMessageBox.Icon.Question, "Delete document", "",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"Delete “{title}” with {what} and its statuses?\n\n"
                "Edit → Undo brings it back.")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setObjectName("confirmDeleteDocument")
    return box.exec() == QMessageBox.StandardButton.Yes


class DocumentActions(QObject):
    """Connects the document list's Rename / Edit details / Delete requests to the ops."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        panel = win.corpus
        panel.renameRequested.connect(self.rename)
        panel.editRequested.connect(self.edit_details)
        panel.deleteRequested.connect(self.delete)
        panel.set_management_enabled(not win.project.read_only)

    def _info(self, doc_id: str) -> DocumentInfo | None:
        infos = self.win.project.q.document_infos([doc_id])
        return infos[0] if infos else None

    def _undo_hint(self) -> str:
        return " (Ctrl+Z undoes)" if self.win.coder_id() else " (Edit → History… undoes)"

    def _run(self, op: Op) -> Any:
        try:
            return self.win.project.run(op, self.win.coder_id())
        except DeskAnnotatorError as exc:
            self.win.inform("Document not changed", str(exc), warning=True)
            return None

    def rename(self, doc_id: str) -> None:
        info = self._info(doc_id)
        if info is None or self.win.project.read_only:
            return
        dialog = QInputDialog(self.win)
        dialog.setObjectName("renameDocument")
        dialog.setWindowTitle("Rename document")
        dialog.setLabelText("Title:")
        dialog.setTextValue(info.title)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if self._run(RenameDocument(info.id, dialog.textValue())):
            self.win.flash("Document renamed" + self._undo_hint())

    def edit_details(self, doc_id: str) -> None:
        info = self._info(doc_id)
        if info is None or self.win.project.read_only:
            return
        dialog = DocumentDialog(info, self.win)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        title, metadata = dialog.values()
        changed = self._run(EditDocumentDetails(info.id, title, metadata))
        if changed:
            self.win.flash(f"Changed {', '.join(changed)}" + self._undo_hint())

    def delete(self, doc_id: str) -> None:
        info = self._info(doc_id)
        if info is None or self.win.project.read_only:
            return
        n = annotation_count(self.win.project.q, info.id)
        if not confirm_delete(self.win, info.title, n):
            return
        if self._run(DeleteDocument(info.id)) is not None:
            self.win.flash(f"Deleted “{info.title}”" + self._undo_hint())
