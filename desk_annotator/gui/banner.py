"""A one-line bar above the reading view: the read-only notice, the storage warning.

The text is plain (it quotes a file path and the reason the operating system gave). A
warning banner can be dismissed; the read-only banner stays while the project is open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from .plain import plain_label

STYLES = {
    "read_only": "background: #fff8c5; color: #3d2e00; border-bottom: 1px solid #d4a72c;",
    "warning": "background: #ffebe9; color: #5c0011; border-bottom: 1px solid #ff8182;",
}


class Banner(QFrame):
    dismissed = Signal()

    def __init__(self, text: str, kind: str = "warning", *, closable: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName(f"banner-{kind}")
        self.setStyleSheet(f"QFrame#banner-{kind} {{ {STYLES.get(kind, STYLES['warning'])} }}")
        self.label = plain_label(text, word_wrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 8, 6)
        row.addWidget(self.label, 1)
        self.close_button: QToolButton | None = None
        if closable:
            self.close_button = QToolButton()
            self.close_button.setText("✕")
            self.close_button.setAutoRaise(True)
            self.close_button.setToolTip("Dismiss")
            self.close_button.clicked.connect(self.dismiss)
            row.addWidget(self.close_button)

    def text(self) -> str:
        return self.label.text()

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()


def read_only_text(reason: str | None) -> str:
    return (f"Read-only: {reason or 'the project file cannot be written'} — browse, search, "
            "export and agreement work; changes are off.")


def storage_text(warning: str) -> str:
    return f"Caution: {warning}"
