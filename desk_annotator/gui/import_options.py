"""File → Import with options…: the CLI's import options in a dialog (the same ReadOptions).

Files of other tools need choices the program cannot always make for the user: which of their
labels are stances (the rest become themes), the unit of their offsets (detected by default and
reported), the encoding of legacy text files, and whether labels a dataset uses but the
codebook lacks may be added.
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
    QWidget,
)

from ..import_files import ReadOptions
from .plain import plain_label

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
        self.add_missing = QCheckBox("Add labels the codebook lacks (else such a dataset is "
                                     "refused)")
        self.error = plain_label("")
        self.error.setStyleSheet("color: #b42318;")
        form = QFormLayout(self)
        form.addRow("Offsets", self.positions)
        form.addRow("Stance labels", self.stance_labels)
        form.addRow("Text encoding", self.encoding)
        form.addRow("", self.add_missing)
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
