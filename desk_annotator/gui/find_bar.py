"""Find in the open document: a slim bar under the reading view (Ctrl+F).

Every match is shown with a neutral search highlight in the reading view; Next / Previous
select a match, so a label key tags it at once (Esc returns to the text with the match still
selected). Positions come from the one matcher, :class:`desk_annotator.text_match.Matcher`
(code points; the corpus search uses the same one); the view converts them to Qt's UTF-16
itself. The matcher's options are check boxes on the bar, remembered in the settings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..text_match import Matcher, MatchOptions, PatternError
from .match_options import MatchOptionsRow
from .reading_view import ReadingView

# Re-searching a 1 MB document on every keystroke is cheap (str.find), but painting thousands
# of matches is not free: wait for a short pause in typing.
SEARCH_DELAY_MS = 120


class FindBar(QWidget):
    closed = Signal()

    def __init__(self, view: ReadingView, parent: QWidget | None = None,
                 settings: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.view = view
        self.matches: list[tuple[int, int]] = []  # code points, in text order
        self.current: int | None = None  # index into matches
        self._origin = 0  # matches are numbered from here when the needle changes
        self.error = ""  # an invalid regex, shown instead of the count

        self.field = QLineEdit()
        self.field.setPlaceholderText("Find in document")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(220)
        self.field.installEventFilter(self)
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(90)
        self.count_label.setObjectName("docMeta")
        self.previous_button = self._tool("▲", "Previous match (Shift+Enter, Shift+F3)",
                                          self.previous_match)
        self.next_button = self._tool("▼", "Next match (Enter, F3)", self.next_match)
        self.option_row = MatchOptionsRow(settings, "find_options", take_focus=False,
                                          compact=True)  # full names in the tooltips
        self.option_row.changed.connect(self._options_changed)
        self.case_button = self.option_row.boxes["case_sensitive"]
        close = self._tool("✕", "Close (Esc)", self.close_bar)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(12, 4, 12, 4)
        rows.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(QLabel("Find:"))
        row.addWidget(self.field, 1)
        row.addWidget(self.count_label)
        for button in (self.previous_button, self.next_button, close):
            row.addWidget(button)
        rows.addLayout(row)
        # The options on a line of their own: the bar stays as narrow as the reading view.
        options = QHBoxLayout()
        options.addWidget(self.option_row)
        options.addStretch(1)
        rows.addLayout(options)
        self.setMaximumHeight(self.sizeHint().height())

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(lambda: self.search(select_first=True))
        self.field.textChanged.connect(lambda _text: self._timer.start())
        view.documentLoaded.connect(self._document_loaded)
        self.hide()

    def _tool(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter must keep going to the field
        button.clicked.connect(lambda _checked=False: slot())
        return button

    @property
    def case_sensitive(self) -> bool:
        return self.case_button.isChecked()

    @property
    def options(self) -> MatchOptions:
        return self.option_row.options()

    @property
    def needle(self) -> str:
        return self.field.text()

    # -- opening and closing ------------------------------------------------------------------
    def open_bar(self) -> None:
        """Show the bar with the field focused; a short one-line selection becomes the needle."""
        selected = self.view.textCursor().selectedText()
        if selected and "\u2029" not in selected and len(selected) <= 80:
            self.field.setText(selected)  # Qt text: fine, it is only the needle
        span = self.view.selection_span()
        self._origin = span[0] if span else self._caret()
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self.search(select_first=False)

    def close_bar(self) -> None:
        """Hide the bar and its highlights; the selected match stays selected for tagging."""
        self._timer.stop()
        self.hide()
        self.view.set_search_matches([])
        self.view.setFocus()
        self.closed.emit()

    def find_again(self, direction: int) -> None:
        """F3 / Shift+F3 from anywhere: step through the matches, reopening the bar (without
        taking the focus from the text) when it was closed."""
        if not self.needle:
            self.open_bar()
            return
        if not self.isVisible():
            self.show()
            self.search(select_first=False)
        self._step(direction)

    def _caret(self) -> int:
        return self.view.utf16.to_cp(self.view.textCursor().position(), snap="down")

    # -- searching ----------------------------------------------------------------------------
    def _options_changed(self) -> None:
        self.search(select_first=True)

    def _document_loaded(self) -> None:
        self._origin = 0
        if self.isVisible():
            self.search(select_first=False)

    def search(self, select_first: bool = True) -> None:
        """Find every match of the needle; with ``select_first``, select the first match at or
        after where the search began (the caret when the bar opened)."""
        self._timer.stop()
        needle = self.needle
        text = self.view.text
        self.error = ""
        try:
            self.matches = Matcher(needle, self.options).find_all(text) if needle and text else []
        except PatternError as exc:
            self.matches, self.error = [], str(exc)
        self.current = None
        if self.matches and select_first:
            self._go(self._first_from(self._origin))
        else:
            self.view.set_search_matches(self.matches)
            self._show_count()

    def _first_from(self, position: int) -> int:
        return next((i for i, (s, _) in enumerate(self.matches) if s >= position), 0)

    def next_match(self) -> None:
        self._step(1)

    def previous_match(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if self._timer.isActive() or (self.needle and not self.matches):
            self.search(select_first=False)  # typed but not searched yet
        if not self.matches:
            self._show_count()
            return
        if self.current is not None and self.view.selection_span() != self.matches[self.current]:
            self.current = None  # the user moved on (clicked, tagged): continue from the caret
        if self.current is None:
            # Start from the caret: the next match after it, or the last one before it.
            caret = self._caret()
            if direction > 0:
                index = self._first_from(caret)
            else:
                before = [i for i, (s, _) in enumerate(self.matches) if s < caret]
                index = before[-1] if before else len(self.matches) - 1
        else:
            index = (self.current + direction) % len(self.matches)  # wraps around
        self._go(index)

    def _go(self, index: int) -> None:
        self.current = index
        start, end = self.matches[index]
        self.view.set_search_matches(self.matches)
        self.view.select_span(start, end)
        self._show_count()

    def _show_count(self) -> None:
        self.count_label.setToolTip(self.error)
        if not self.needle:
            self.count_label.setText("")
        elif self.error:
            self.count_label.setText(self.error)
        elif not self.matches:
            self.count_label.setText("No matches")
        elif self.current is None:
            n = len(self.matches)
            self.count_label.setText(f"{n} match{'es' if n != 1 else ''}")
        else:
            self.count_label.setText(f"{self.current + 1} of {len(self.matches)}")

    # -- keys in the field --------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.previous_match()
                else:
                    self.next_match()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(watched, event)
