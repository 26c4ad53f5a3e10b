"""Ask who is coding: pick an existing coder or type a new name."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)


class CoderDialog(QDialog):
    def __init__(self, coder_names: list[str], current: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is coding?")
        intro = QLabel("Annotations are saved under your coder name, so several people can "
                       "code the same articles and compare.\nPick your name or type a new one.")
        intro.setWordWrap(True)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.addItems(coder_names)
        self.combo.setCurrentText(current or (coder_names[0] if coder_names else ""))
        self.combo.lineEdit().setPlaceholderText("e.g. your initials")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept_if_named)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.combo)
        layout.addWidget(self.buttons)
        self.resize(380, self.sizeHint().height())

    def chosen_name(self) -> str:
        return self.combo.currentText().strip()

    def _accept_if_named(self) -> None:
        if self.chosen_name():
            self.accept()


def ask_coder(coder_names: list[str], current: str | None = None,
              parent: QWidget | None = None) -> str | None:
    """Modal question; None when cancelled."""
    dialog = CoderDialog(coder_names, current, parent)
    return dialog.chosen_name() if dialog.exec() == QDialog.DialogCode.Accepted else None
