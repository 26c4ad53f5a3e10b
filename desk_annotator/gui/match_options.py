"""The matcher's options as a row of check boxes, shared by the find bar and corpus search.

The boxes stand for :class:`desk_annotator.text_match.MatchOptions`; each change is saved at once
under a settings key of its own (``find_options``, ``corpus_search_options``), so the next start
comes back with the same options.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from ..text_match import MatchOptions

# (field, label, tooltip)
BOXES = (
    ("case_sensitive", "Match case", "Off: Unicode case folding (küme finds KÜME, strasse STRAßE)"),
    ("whole_word", "Whole word", "Only matches that are not part of a longer word"),
    ("regex", "Regex", "The search text is a Python regular expression"),
    ("fold_quotes", "Any quote", ("Straight and curly quotes and apostrophes match each other "
                                  "(' ’ ‘ ʼ ′ and \" “ ” „)")),
    ("fold_dashes", "Any dash", "Hyphen and dashes match each other (- – — ‒ − ‐)"),
    ("fold_diacritics", "Ignore accents", "e matches é, ê, ë …"),
)


# Short labels for the slim find bar (the tooltips say it in full).
SHORT = {"case_sensitive": "Aa", "whole_word": "Word", "regex": ".*", "fold_quotes": "’='",
         "fold_dashes": "–=-", "fold_diacritics": "é=e"}


class MatchOptionsRow(QWidget):
    changed = Signal()

    def __init__(self, settings: Any = None, settings_key: str = "find_options",
                 parent: QWidget | None = None, take_focus: bool = True,
                 compact: bool = False) -> None:
        super().__init__(parent)
        self.settings = settings
        self.settings_key = settings_key
        remembered = MatchOptions.from_dict(settings.get(settings_key) if settings else None)
        self.boxes: dict[str, QCheckBox] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4 if compact else 8)
        for name, label, tip in BOXES:
            box = QCheckBox(SHORT[name] if compact else label)
            box.setObjectName(f"match_{name}")
            box.setToolTip(f"{label}: {tip}" if compact else tip)
            box.setChecked(getattr(remembered, name))
            if not take_focus:
                box.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter keeps going to the field
            box.toggled.connect(lambda _checked: self._toggled())
            row.addWidget(box)
            self.boxes[name] = box

    def options(self) -> MatchOptions:
        return MatchOptions(**{name: box.isChecked() for name, box in self.boxes.items()})

    def set_options(self, options: MatchOptions) -> None:
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(getattr(options, name))
            box.blockSignals(False)
        self._toggled()

    def _toggled(self) -> None:
        if self.settings is not None:
            self.settings.set(self.settings_key, self.options().to_dict())
        self.changed.emit()
