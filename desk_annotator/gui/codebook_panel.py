"""The codebook panel: stance and theme labels as buttons (colour, name, shortcut key).

Clicking a label tags the selection (or toggles it on the current annotation); the buttons
show which labels the current annotation carries, and each tooltip gives the definition.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..models import Annotation, Label


class LabelButton(QPushButton):
    def __init__(self, label: Label, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setObjectName("labelButton")
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep the keyboard in the reading view
        swatch = QLabel()
        shape = "border-radius: 6px;" if label.scheme == "stance" else "border-radius: 2px;"
        swatch.setFixedSize(12, 12)
        swatch.setStyleSheet(f"background: {label.color}; {shape}")
        name = QLabel(label.name)
        key = QLabel(label.key or "")
        key.setStyleSheet("color: palette(placeholder-text); font-family: monospace;")
        for child in (swatch, name, key):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(8)
        row.addWidget(swatch)
        row.addWidget(name, 1)
        row.addWidget(key)
        self.setMinimumHeight(28)
        tip = f"<b>{label.name}</b>" + (f" — key <code>{label.key}</code>" if label.key else "")
        if label.description:
            tip += f"<p>{label.description}</p>"
        self.setToolTip(f"<div style='max-width: 360px;'>{tip}</div>")


class CodebookPanel(QWidget):
    labelClicked = Signal(str)  # label id
    editRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, LabelButton] = {}
        self._body = QWidget()
        self._body_layout = QVBoxLayout(self._body)
        self._body_layout.setContentsMargins(6, 4, 6, 4)
        self._body_layout.setSpacing(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._body)
        self.hint = QLabel("Select text, then click a label or press its key.")
        self.hint.setWordWrap(True)
        self.hint.setObjectName("docMeta")
        edit = QPushButton("Edit codebook…")
        edit.clicked.connect(self.editRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 6)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(edit)

    def set_labels(self, labels: list[Label]) -> None:
        while self._body_layout.count():
            item = self._body_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.buttons = {}
        for scheme, title in (("stance", "STANCE · one per passage"),
                              ("themes", "THEMES · any number")):
            heading = QLabel(title)
            heading.setObjectName("sectionTitle")
            self._body_layout.addWidget(heading)
            in_scheme = sorted((lb for lb in labels if lb.scheme == scheme), key=lambda lb: lb.order)
            if not in_scheme:
                empty = QLabel("No labels yet — use Edit codebook… or File → Import codebook…")
                empty.setWordWrap(True)
                empty.setObjectName("docMeta")
                self._body_layout.addWidget(empty)
            for label in in_scheme:
                button = LabelButton(label)
                button.clicked.connect(lambda _checked=False, lid=label.id: self._clicked(lid))
                self.buttons[label.id] = button
                self._body_layout.addWidget(button)
        self._body_layout.addStretch(1)

    def _clicked(self, label_id: str) -> None:
        # The check state is driven by the current annotation, not by the click itself.
        button = self.buttons.get(label_id)
        if button is not None:
            button.setChecked(not button.isChecked())
        self.labelClicked.emit(label_id)

    def show_annotation(self, annotation: Annotation | None) -> None:
        """Check the buttons of the labels the current annotation carries."""
        chosen = set()
        if annotation is not None:
            chosen = set(annotation.theme_ids) | ({annotation.stance_id} - {None})
        for label_id, button in self.buttons.items():
            button.setChecked(label_id in chosen)
