"""Search the whole corpus; open a hit, or step through the hits coding each one.

Search goes through ``project.find_in_corpus`` with the options of the check boxes (the one
matcher of ``text_match``, as Ctrl+F; offsets in code points); opening a hit calls
the ``open_passage(document_id, start, end)`` callable the main window passes in. "Code all
matches…" turns the hits into suggestions the user accepts (one add_annotation op each) or skips.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..project import Project
from ..text_match import MatchOptions
from .match_options import MatchOptionsRow
from .plain import escape, plain_label, tooltip_text

OpenPassage = Callable[[str, int, int], Any]
CONTEXT = 60  # code points either side of a hit, as find_in_corpus returns them


class HtmlDelegate(QStyledItemDelegate):
    """Draws a cell's text as rich text, so the hit inside its context can be bold."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self.initStyleOption(option, index)
        doc = QTextDocument()
        doc.setDocumentMargin(2)
        doc.setDefaultFont(option.font)
        doc.setHtml(option.text)
        option.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        painter.translate(QPointF(option.rect.topLeft()))
        painter.setClipRect(option.rect.translated(-option.rect.topLeft()))
        doc.setTextWidth(option.rect.width())
        doc.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        """Tall enough for the wrapped rich text at the view's current width."""
        self.initStyleOption(option, index)
        doc = QTextDocument()
        doc.setDocumentMargin(2)
        doc.setDefaultFont(option.font)
        doc.setHtml(option.text)
        view = option.widget
        width = option.rect.width()
        if width <= 0 and view is not None and hasattr(view, "viewport"):
            width = view.viewport().width() - 4
        doc.setTextWidth(max(width, 120))
        return QSize(int(doc.idealWidth()), max(int(doc.size().height()) + 2, 24))


def context_html(hit: dict[str, Any]) -> str:
    """The hit's context with the hit in bold (escaped; one line, ellipses where cut)."""
    context: str = hit["context"]
    lead = min(CONTEXT, hit["start"])
    width = hit["end"] - hit["start"]
    before, match, after = context[:lead], context[lead:lead + width], context[lead + width:]
    flat = [" ".join(part.split()) for part in (before, match, after)]
    pad_before = " " if before[-1:].isspace() else ""
    pad_after = " " if after[:1].isspace() else ""
    return (("…" if hit["start"] > CONTEXT else "") + html.escape(flat[0]) + pad_before +
            f"<b>{html.escape(flat[1])}</b>" + pad_after + html.escape(flat[2]) +
            ("…" if len(after) >= CONTEXT else ""))


class CorpusSearchDialog(QDialog):
    def __init__(self, project: Project, open_passage: OpenPassage, coder_id: str | None,
                 parent: QWidget | None = None, settings: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search the corpus")
        self.resize(860, 560)
        self.project = project
        self.open_passage = open_passage
        self.coder_id = coder_id
        self.hits: list[dict[str, Any]] = []
        self.suggestions: list[dict[str, Any]] = []
        self.suggestion_index = 0
        self.accepted = 0

        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText("Word or phrase to find in every document")
        # The options are remembered in the main window's settings (none: not remembered).
        self.option_row = MatchOptionsRow(settings or getattr(parent, "settings", None),
                                          "corpus_search_options")
        self.case_check = self.option_row.boxes["case_sensitive"]
        self.search_button = QPushButton("Search")
        self.search_button.setDefault(True)
        top = QHBoxLayout()
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.search_button)

        self.results = QTableWidget(0, 2)
        self.results.setHorizontalHeaderLabels(["Document", "Context"])
        self.results.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.setColumnWidth(0, 220)
        self.results.verticalHeader().setVisible(False)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setItemDelegateForColumn(1, HtmlDelegate(self.results))
        self.results.setAlternatingRowColors(True)
        self.status_label = plain_label("Type a word or phrase and press Enter.")
        self.code_button = QPushButton("Code all matches…")
        self.code_button.setEnabled(False)
        if project.read_only:
            self.code_button.setToolTip("Read-only project: matches can be found, not coded")
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.code_button)

        self.coding_box = self._build_coding_box()
        self.coding_box.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.option_row)
        layout.addWidget(self.results, 1)
        layout.addLayout(row)
        layout.addWidget(self.coding_box)

        self.query_edit.returnPressed.connect(lambda: self.search())
        self.search_button.clicked.connect(lambda: self.search())
        self.results.cellActivated.connect(lambda r, _c: self.activate(r))
        self.results.cellDoubleClicked.connect(lambda r, _c: self.activate(r))
        self.code_button.clicked.connect(self.start_coding)
        self.option_row.changed.connect(self._options_changed)

    def _options_changed(self) -> None:
        if self.query_edit.text():
            self.search()

    def _build_coding_box(self) -> QGroupBox:
        box = QGroupBox("Code the matches one by one")
        self.suggestion_label = QLabel()
        self.suggestion_label.setWordWrap(True)
        self.suggestion_label.setTextFormat(Qt.TextFormat.RichText)
        self.stance_combo = QComboBox()
        self.theme_list = QListWidget()
        self.theme_list.setMaximumHeight(90)
        self.accept_button = QPushButton("Accept")
        self.skip_button = QPushButton("Skip")
        self.stop_button = QPushButton("Stop")
        self.coding_error = plain_label(word_wrap=True)
        self.coding_error.setStyleSheet("color: #b00020;")
        labels = QHBoxLayout()
        stance_col = QVBoxLayout()
        stance_col.addWidget(QLabel("Stance"))
        stance_col.addWidget(self.stance_combo)
        stance_col.addStretch(1)
        labels.addLayout(stance_col)
        theme_col = QVBoxLayout()
        theme_col.addWidget(QLabel("Themes"))
        theme_col.addWidget(self.theme_list)
        labels.addLayout(theme_col, 1)
        buttons = QVBoxLayout()
        for button in (self.accept_button, self.skip_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        labels.addLayout(buttons)
        col = QVBoxLayout(box)
        col.addWidget(self.suggestion_label)
        col.addLayout(labels)
        col.addWidget(self.coding_error)
        self.accept_button.clicked.connect(self.accept_suggestion)
        self.skip_button.clicked.connect(self.skip_suggestion)
        self.stop_button.clicked.connect(lambda: self.coding_box.setVisible(False))
        return box

    # -- searching -----------------------------------------------------------------------
    def search(self, needle: str | None = None, case_sensitive: bool | None = None,
               options: MatchOptions | None = None) -> int:
        """Search with the check boxes' options (set first from ``options`` /
        ``case_sensitive`` when given); the list shows exactly the hits "Code all" codes."""
        self.option_row.blockSignals(True)  # one search, not one per changed box
        if options is not None:
            self.option_row.set_options(options)
        if case_sensitive is not None:
            self.case_check.setChecked(case_sensitive)
        self.option_row.blockSignals(False)
        if needle is not None:
            self.query_edit.setText(needle)
        needle = self.query_edit.text()
        error = None
        try:
            self.hits = self.project.find_in_corpus(needle, options=self.option_row.options())
        except DeskAnnotatorError as exc:  # an invalid regex: one line, no traceback
            self.hits, error = [], str(exc)
        self.results.setRowCount(len(self.hits))
        for row, hit in enumerate(self.hits):
            title = QTableWidgetItem(hit["title"])
            title.setToolTip(tooltip_text(hit["title"]))
            self.results.setItem(row, 0, title)
            self.results.setItem(row, 1, QTableWidgetItem(context_html(hit)))
        self.results.resizeRowsToContents()  # wrapped titles and contexts are not clipped
        docs = len({h["document_id"] for h in self.hits})
        if error:
            self.status_label.setText(error)
        elif needle.strip():
            self.status_label.setText(f"{len(self.hits)} match{'es' if len(self.hits) != 1 else ''}"
                                      f" in {docs} document{'s' if docs != 1 else ''}")
        self.code_button.setEnabled(bool(self.hits) and not self.project.read_only)
        self.coding_box.setVisible(False)
        return len(self.hits)

    def activate(self, row: int) -> None:
        """Open hit ``row`` in the main window."""
        if 0 <= row < len(self.hits):
            hit = self.hits[row]
            self.open_passage(hit["document_id"], hit["start"], hit["end"])

    # -- coding the matches --------------------------------------------------------------
    def start_coding(self) -> None:
        self.suggestions = list(self.hits)
        self.suggestion_index = 0
        self.accepted = 0
        codebook = self.project.q.codebook()
        self.stance_combo.clear()
        self.stance_combo.addItem("(no stance)", None)
        for label in codebook.stance:
            self.stance_combo.addItem(label.name, label.id)
        self.theme_list.clear()
        for label in codebook.themes:
            item = QListWidgetItem(label.name)
            item.setData(Qt.ItemDataRole.UserRole, label.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.theme_list.addItem(item)
        self.accept_button.setEnabled(self.coder_id is not None)
        if self.coder_id is None:
            self.coding_error.setText("Choose a coder in the main window to code matches.")
        self.coding_box.setVisible(True)
        self._show_suggestion()

    def set_suggestion_labels(self, stance_id: str | None, theme_ids: list[str] = ()) -> None:
        self.stance_combo.setCurrentIndex(max(0, self.stance_combo.findData(stance_id)))
        for row in range(self.theme_list.count()):
            item = self.theme_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in theme_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen_labels(self) -> tuple[str | None, list[str]]:
        themes = [self.theme_list.item(r).data(Qt.ItemDataRole.UserRole)
                  for r in range(self.theme_list.count())
                  if self.theme_list.item(r).checkState() == Qt.CheckState.Checked]
        return self.stance_combo.currentData(), themes

    def current_suggestion(self) -> dict[str, Any] | None:
        if 0 <= self.suggestion_index < len(self.suggestions):
            return self.suggestions[self.suggestion_index]
        return None

    def _show_suggestion(self) -> None:
        hit = self.current_suggestion()
        done = hit is None
        self.accept_button.setEnabled(not done and self.coder_id is not None)
        self.skip_button.setEnabled(not done)
        if done:
            self.suggestion_label.setText(
                f"Done: {self.accepted} of {len(self.suggestions)} matches coded.")
            return
        self.suggestion_label.setText(
            f"<b>{self.suggestion_index + 1} of {len(self.suggestions)}</b> · "
            f"{escape(hit['title'])}<br>{context_html(hit)}")
        self.results.selectRow(self.hits.index(hit) if hit in self.hits else -1)
        self.open_passage(hit["document_id"], hit["start"], hit["end"])

    def accept_suggestion(self) -> bool:
        """Tag the current match with the chosen labels (one undoable op), then go on."""
        hit = self.current_suggestion()
        if hit is None or self.coder_id is None:
            return False
        stance_id, theme_ids = self.chosen_labels()
        if stance_id is None and not theme_ids:
            self.coding_error.setText("Choose a stance or at least one theme first.")
            return False
        try:
            self.project.add_annotation(hit["document_id"], self.coder_id, hit["start"], hit["end"],
                                        stance_id=stance_id, theme_ids=theme_ids)
        except DeskAnnotatorError as exc:
            self.coding_error.setText(str(exc))
            return False
        self.coding_error.clear()
        self.accepted += 1
        self.suggestion_index += 1
        self._show_suggestion()
        return True

    def skip_suggestion(self) -> None:
        if self.current_suggestion() is not None:
            self.suggestion_index += 1
            self.coding_error.clear()
            self._show_suggestion()
