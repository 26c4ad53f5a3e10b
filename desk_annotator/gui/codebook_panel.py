"""The codebook panel: stance and theme labels as buttons (colour, name, shortcut key).

Clicking a label tags the selection (or toggles it on the current annotation); the buttons
show which labels the current annotation carries, and each tooltip gives the definition. A
collapsible Definition section at the bottom keeps the definition of the label under the mouse
(or else the one last clicked or applied by key) in view while coding.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..models import Annotation, Label
from .plain import escape, plain_label, rich_tooltip, safe_color


class LabelButton(QPushButton):
    hovered = Signal(object)  # the Label on enter, None on leave

    def __init__(self, label: Label, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setObjectName("labelButton")
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep the keyboard in the reading view
        # Children made with their parent (here and for the button): a widget moved under a
        # parent once built is styled again, and a codebook has a button per label.
        swatch = QLabel(self)
        shape = "border-radius: 6px;" if label.scheme == "stance" else "border-radius: 2px;"
        swatch.setFixedSize(12, 12)
        swatch.setStyleSheet(f"background: {safe_color(label.color)}; {shape}")
        name = plain_label(label.name, self)
        key = plain_label(label.key or "", self)
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
        tip = f"<b>{escape(label.name)}</b>" + (f" — key <code>{escape(label.key)}</code>"
                                                 if label.key else "")
        if label.description:
            tip += f"<p style='white-space:pre-wrap'>{escape(label.description)}</p>"
        self.setToolTip(rich_tooltip(f"<div style='max-width: 360px;'>{tip}</div>"))

    def enterEvent(self, event: QEvent) -> None:
        super().enterEvent(event)
        self.hovered.emit(self.label)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self.hovered.emit(None)


def definition_html(label: Label) -> str:
    """Name, scheme, key and definition of one label, for the Definition section."""
    key = f" · key <code>{escape(label.key)}</code>" if label.key else " · no key"
    scheme = "stance" if label.scheme == "stance" else "theme"
    text = (escape(label.description).replace("\n", "<br>") if label.description.strip()
            else "<i>No definition yet — add one in Edit codebook…</i>")
    return (f"<b><span style='color:{safe_color(label.color)};'>&#9679;</span> "
            f"{escape(label.name)}</b> <span style='color:gray;'>{scheme}{key}</span>"
            f"<p style='margin-top:4px;'>{text}</p>")


class DefinitionSection(QWidget):
    """An arrow button that folds a read-only view of one label's definition."""
    toggled = Signal(bool)  # expanded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText("Definition")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.toggle.toggled.connect(self.set_expanded)
        self.text = QTextBrowser()
        self.text.setReadOnly(True)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep the keyboard in the reading view
        self.text.setOpenLinks(False)
        self.text.setMinimumHeight(60)
        self.text.setMaximumHeight(150)
        self.label: Label | None = None
        self._shown = False  # nothing set yet, not even the hint
        self.show_label(None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle)
        layout.addWidget(self.text)

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        if self.toggle.isChecked() != expanded:
            self.toggle.setChecked(expanded)  # comes back here through toggled
            return
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.text.setVisible(expanded)
        self.toggled.emit(expanded)

    def show_label(self, label: Label | None) -> None:
        if self._shown and label == self.label:
            return  # already shown: setHtml lays the text out again (every label key press)
        self._shown = True
        self.label = label
        if label is None:
            self.text.setHtml("<span style='color:gray;'>Point at a label, or click one, to "
                              "read its definition here.</span>")
        else:
            self.text.setHtml(definition_html(label))


class CodebookPanel(QWidget):
    labelClicked = Signal(str)  # label id
    editRequested = Signal()
    definitionToggled = Signal(bool)  # the Definition section was expanded (True) / folded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, LabelButton] = {}
        self._labels: dict[str, Label] = {}
        self._pinned: str | None = None  # label last clicked or applied: shown when not hovering
        self.definition = DefinitionSection()
        self.definition.toggled.connect(self.definitionToggled)
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
        self.edit_button = edit = QPushButton("Edit codebook…")
        edit.clicked.connect(self.editRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 6)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(edit)
        layout.addWidget(self.definition)

    def set_read_only(self, read_only: bool) -> None:
        """A read-only project: the labels and definitions are shown, not applied."""
        self.hint.setText("Read-only project: the codebook is shown, not applied."
                          if read_only else "Select text, then click a label or press its key.")
        self.edit_button.setText("View codebook…" if read_only else "Edit codebook…")

    def set_labels(self, labels: list[Label]) -> None:
        while self._body_layout.count():
            item = self._body_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.buttons = {}
        self._labels = {lb.id: lb for lb in labels}
        if self._pinned not in self._labels:
            self._pinned = None
        self.definition.show_label(self._labels.get(self._pinned or ""))
        for scheme, title in (("stance", "STANCE · one per passage"),
                              ("themes", "THEMES · any number")):
            heading = QLabel(title, self._body)
            heading.setObjectName("sectionTitle")
            self._body_layout.addWidget(heading)
            in_scheme = sorted((lb for lb in labels if lb.scheme == scheme), key=lambda lb: lb.order)
            if not in_scheme:
                empty = QLabel("No labels yet — use Edit codebook… or File → Import codebook…")
                empty.setWordWrap(True)
                empty.setObjectName("docMeta")
                self._body_layout.addWidget(empty)
            for label in in_scheme:
                button = LabelButton(label, self._body)
                button.clicked.connect(lambda _checked=False, lid=label.id: self._clicked(lid))
                button.hovered.connect(self._hovered)
                self.buttons[label.id] = button
                self._body_layout.addWidget(button)
        self._body_layout.addStretch(1)

    def _clicked(self, label_id: str) -> None:
        # The check state is driven by the current annotation, not by the click itself.
        button = self.buttons.get(label_id)
        if button is not None:
            button.setChecked(not button.isChecked())
        self.pin_definition(label_id)
        self.labelClicked.emit(label_id)

    # -- the Definition section ---------------------------------------------------------------
    def pin_definition(self, label_id: str) -> None:
        """Show this label's definition, and keep it once the mouse leaves the buttons."""
        if label_id in self._labels:
            self._pinned = label_id
            self.definition.show_label(self._labels[label_id])

    def show_definition_for_key(self, key: str) -> None:
        """A label key was pressed in the reading view: show what it means."""
        label = next((lb for lb in self._labels.values() if lb.key == key), None)
        if label is not None:
            self.pin_definition(label.id)

    def set_definition_expanded(self, expanded: bool) -> None:
        self.definition.set_expanded(expanded)

    def _hovered(self, label: Label | None) -> None:
        self.definition.show_label(label or self._labels.get(self._pinned or ""))

    def show_annotation(self, annotation: Annotation | None) -> None:
        """Check the buttons of the labels the current annotation carries."""
        chosen = set()
        if annotation is not None:
            chosen = set(annotation.theme_ids) | ({annotation.stance_id} - {None})
        for label_id, button in self.buttons.items():
            button.setChecked(label_id in chosen)
