"""File → Import with options…: the CLI's import options in a dialog (the same ReadOptions).

Files of other tools need choices the program cannot always make for the user: which of their
labels are stances (the rest become themes), the unit of their offsets (detected by default and
reported), the encoding of legacy text files, and whether labels a dataset uses but the
codebook lacks may be added.

Before anything is written the import shows a preview (:class:`PreviewImportJob`): the files
are read in the worker thread as always, import_preview.preview_import compares them with the
project (labels per scheme, coders, documents new or already present), and only "Import" in
:class:`ImportPreviewDialog` starts the writes; Cancel writes nothing.
"""

from __future__ import annotations

import codecs

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..import_files import ReadInputs, ReadOptions
from ..import_preview import ImportPreview, preview_import
from .import_worker import ImportJob
from .plain import plain_label

ADD_MISSING_TEXT = "Add labels the codebook lacks (else such a dataset is refused)"

POSITION_CHOICES = [
    ("auto", "Detect per source (reported in the summary)"),
    ("codepoints", "Code points (the REFI-QDA standard)"),
    ("utf16", "UTF-16 units (QualCoder, NVivo for Mac)"),
    ("utf16-crlf", "UTF-16 units, CRLF as two (NVivo for Windows)"),
    ("utf16-lf", "UTF-16 units, CRLF as one"),
    ("codepoints-crlf", "Code points, CRLF as two"),
    ("codepoints-lf", "Code points, CRLF as one (ATLAS.ti style, unverified)"),
]


class ImportOptionsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, stance_names: list[str] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import options")
        self.positions = QComboBox()
        for key, text in POSITION_CHOICES:
            self.positions.addItem(text, key)
        self.stance_labels = QLineEdit()
        self.stance_labels.setPlaceholderText(", ".join(stance_names) or "e.g. pro, contra")
        self.stance_labels.setToolTip("Labels of the other tool that are stances, separated by "
                                      "commas; empty: this project's stance names")
        self.encoding = QLineEdit()
        self.encoding.setPlaceholderText("detect (e.g. cp1252, cp1250, shift_jis)")
        self.add_missing = QCheckBox(ADD_MISSING_TEXT)
        self.preview = QCheckBox("Show what will be added before importing")
        self.preview.setChecked(True)
        self.error = plain_label("")
        self.error.setStyleSheet("color: #b42318;")
        form = QFormLayout(self)
        form.addRow("Offsets", self.positions)
        form.addRow("Stance labels", self.stance_labels)
        form.addRow("Text encoding", self.encoding)
        form.addRow("", self.add_missing)
        form.addRow("", self.preview)
        form.addRow("", self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose files…")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _accept(self) -> None:
        name = self.encoding.text().strip()
        if name:
            try:
                codecs.lookup(name)
            except LookupError:
                self.error.setText(f"Unknown encoding: {name}")
                return
        self.accept()

    def options(self) -> ReadOptions:
        names = [n.strip() for n in self.stance_labels.text().split(",") if n.strip()]
        return ReadOptions(stance_labels=set(names) if names else None,
                           positions=str(self.positions.currentData()),
                           encoding=self.encoding.text().strip() or None)

    def add_missing_labels(self) -> bool:
        return self.add_missing.isChecked()

    def show_preview(self) -> bool:
        return self.preview.isChecked()


class ImportPreviewDialog(QDialog):
    """What the import will add, file by file; nothing is written until "Import"."""

    def __init__(self, project: object, read: ReadInputs, add_missing_labels: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import preview")
        self.project = project
        self.read = read
        self.summary = plain_label("", word_wrap=True)
        self.details = QPlainTextEdit()  # file names, titles and labels: plain text
        self.details.setReadOnly(True)
        self.details.setMinimumSize(520, 240)
        self.add_missing = QCheckBox(ADD_MISSING_TEXT)
        self.add_missing.setChecked(add_missing_labels)
        self.add_missing.toggled.connect(lambda _on: self.update_preview())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.add_missing)
        layout.addWidget(self.buttons)
        self.preview: ImportPreview | None = None
        self.update_preview()

    def update_preview(self) -> None:
        self.preview = preview_import(self.project, self.read,
                                      add_missing_labels=self.add_missing.isChecked())
        files = self.preview.files
        docs = sum(f.documents_added for f in files if f.refused is None)
        present = sum(f.documents_present for f in files if f.refused is None)
        labels = self.preview.labels_added
        refused = [f for f in files if f.refused]
        parts = [f"{docs} new document(s), {present} already in the project",
                 f"{sum(len(v) for v in labels.values())} label(s) to add"]
        coders = sorted({c for f in files if f.refused is None for c in f.coders_added})
        if coders:
            parts.append(f"new coder(s): {', '.join(coders)}")
        text = "; ".join(parts) + "."
        if refused:
            text += (f" {len(refused)} file(s) would be refused for labels the codebook lacks: "
                     "tick “Add labels the codebook lacks” below to add them.")
        self.summary.setText(text)
        self.details.setPlainText("\n".join(self.preview.lines()))
        self.import_button.setEnabled(bool(files) and len(refused) < len(files))


class PreviewImportJob(ImportJob):
    """An ImportJob that shows an :class:`ImportPreviewDialog` between reading and writing."""

    preview_dialog: ImportPreviewDialog | None = None

    def _start_writing(self, result: object) -> None:
        if self.state != "reading" or not isinstance(result, ReadInputs):
            super()._start_writing(result)
            return
        self.dialog.reset()  # the progress dialog steps aside (its show timer stops)
        self.dialog.hide()
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        dialog = ImportPreviewDialog(self.project, result, self.add_missing_labels, parent)
        self.preview_dialog = dialog

        def decided(code: int) -> None:
            if self.state != "reading":
                return  # cancelled meanwhile
            if code == QDialog.DialogCode.Accepted:
                self.add_missing_labels = dialog.add_missing.isChecked()
                super(PreviewImportJob, self)._start_writing(result)
            else:
                self.cancel()

        dialog.finished.connect(decided)
        dialog.open()
