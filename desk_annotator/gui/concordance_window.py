"""Analysis → Concordance and word frequencies…: keyword in context across the corpus.

Tab "Keyword in context": every match of a word, phrase or regular expression (the search's
matcher and options, gui/match_options.py) as left context | match | right context; clicking
the Left or Right header sorts by the context read outward from the match (the headless
analysis/concordance.py does the sorting), Document restores corpus order. Double-click (or
Enter) opens the place in the reading view. Tab "Word frequencies": the most frequent words
without stop words (each document's own language, or one list, or none). Both take a document
set and export CSV or XLSX (every line, in a worker thread; the list shows the first
SHOWN_LINES).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..analysis.concordance import (
    CONCORDANCE_COLUMNS,
    WORD_COLUMNS,
    KwicLine,
    concordance,
    word_frequencies,
)
from ..analysis.retrieve_export import write_table_csv, write_table_xlsx
from ..analysis.stopwords import LANGUAGES
from ..document_sets import set_members, set_names
from ..errors import DeskAnnotatorError
from ..project import Changed
from .export_job import ExportJob
from .match_options import MatchOptionsRow
from .plain import plain_label

Index = QModelIndex | QPersistentModelIndex
SHOWN_LINES = 10_000
ALL_SETS = "(all documents)"
TABLES = "Spreadsheet (*.xlsx);;CSV (*.csv)"
KWIC_HEADERS = ("Document", "Left", "Match", "Right")
SORT_OF_COLUMN = {1: "left", 3: "right"}  # other columns: corpus order
WATCHED = {"documents", "document_sets", "document_set_members"}


class RowsModel(QAbstractTableModel):
    """A read-only table of already computed rows (headers, one tuple per row)."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = tuple(headers)
        self.rows: list[tuple[Any, ...]] = []
        self.alignments: dict[int, Qt.AlignmentFlag] = {}
        self.on_sort: Callable[[int, bool], None] | None = None

    def set_rows(self, rows: list[tuple[Any, ...]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.alignments:
            return int(self.alignments[index.column()] | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.on_sort is not None:
            self.on_sort(column, order == Qt.SortOrder.DescendingOrder)


def _table(model: QAbstractTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _writer(path: str) -> Callable[..., int]:
    suffix = path.lower().rsplit(".", 1)[-1]
    writer = {"csv": write_table_csv, "xlsx": write_table_xlsx}.get(suffix)
    if writer is None:
        raise DeskAnnotatorError(f"{path}: write .csv or .xlsx")
    return writer


class ConcordanceWindow(QWidget):
    def __init__(self, win: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.win, self.project, self.bridge = win, win.project, win.bridge
        self.setWindowTitle("Concordance and word frequencies")
        self.resize(1000, 640)
        self.lines: list[KwicLine] = []
        self.sort = "document"
        self.job: ExportJob | None = None
        self.last_export: str | None = None
        self.set_box = QComboBox()
        self.tabs = QTabWidget()
        self.message = plain_label(word_wrap=True)
        self._build_kwic_tab()
        self._build_words_tab()
        top = QHBoxLayout()
        top.addWidget(plain_label("Document set"))
        top.addWidget(self.set_box)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        self.reload_sets()
        self.set_box.currentIndexChanged.connect(lambda _i: self._set_changed())
        self.bridge.changed.connect(self._on_changed)

    def _build_kwic_tab(self) -> None:
        self.pattern_edit = QLineEdit()
        self.pattern_edit.setPlaceholderText("Word, phrase or regular expression")
        self.options = MatchOptionsRow(getattr(self.win, "settings", None),
                                       "concordance_options")
        self.width_box = QSpinBox()
        self.width_box.setRange(5, 300)
        self.width_box.setValue(50)
        self.width_box.setSuffix(" characters")
        self.find_button = QPushButton("Find")
        self.find_button.setDefault(True)
        self.kwic_export = QPushButton("Export…")
        self.kwic_export.setEnabled(False)  # nothing to export before a search
        self.kwic_count = plain_label()
        self.kwic_count.setText("Type a word or phrase and press Enter: every match with its "
                                "left and right context; double-click a line to open it there.")
        self.kwic_model = RowsModel(KWIC_HEADERS, self)
        self.kwic_model.alignments = {1: Qt.AlignmentFlag.AlignRight}
        self.kwic_model.on_sort = self._sort_requested
        self.kwic_table = _table(self.kwic_model)
        for column, width in enumerate((200, 330, 120)):
            self.kwic_table.setColumnWidth(column, width)
        row = QHBoxLayout()
        row.addWidget(self.pattern_edit, 1)
        row.addWidget(self.width_box)
        row.addWidget(self.find_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.kwic_count, 1)
        bottom.addWidget(self.kwic_export)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.options)
        layout.addWidget(self.kwic_table, 1)
        layout.addLayout(bottom)
        self.tabs.addTab(page, "Keyword in context")
        self.pattern_edit.returnPressed.connect(self.find)
        self.find_button.clicked.connect(self.find)
        self.kwic_table.doubleClicked.connect(self.jump_to)
        self.kwic_table.activated.connect(self.jump_to)
        self.kwic_export.clicked.connect(lambda: self.ask_export_lines())

    def _build_words_tab(self) -> None:
        self.language_box = QComboBox()
        self.language_box.addItem("each document's language", None)
        for code in LANGUAGES:
            self.language_box.addItem(f"stop words: {code}", code)
        self.language_box.addItem("keep every word", "none")
        self.top_box = QSpinBox()
        self.top_box.setRange(1, 100_000)
        self.top_box.setValue(100)
        self.top_box.setPrefix("top ")
        self.count_button = QPushButton("Count")
        self.words_export = QPushButton("Export…")
        self.words_model = RowsModel(WORD_COLUMNS, self)
        self.words_model.alignments = {1: Qt.AlignmentFlag.AlignRight,
                                       2: Qt.AlignmentFlag.AlignRight}
        self.words_table = _table(self.words_model)
        self.words_table.setSortingEnabled(False)
        self.words_table.setColumnWidth(0, 240)
        row = QHBoxLayout()
        row.addWidget(self.language_box)
        row.addWidget(self.top_box)
        row.addWidget(self.count_button)
        row.addStretch(1)
        row.addWidget(self.words_export)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.words_table, 1)
        self.tabs.addTab(page, "Word frequencies")
        self.count_button.clicked.connect(self.count_words)
        self.words_export.clicked.connect(lambda: self.ask_export_words())

    def closeEvent(self, event: Any) -> None:
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)

    # -- common ---------------------------------------------------------------------------
    def reload_sets(self) -> None:
        current = self.set_box.currentText()
        self.set_box.blockSignals(True)
        self.set_box.clear()
        self.set_box.addItems([ALL_SETS, *set_names(self.project)])
        self.set_box.setCurrentIndex(max(0, self.set_box.findText(current)))
        self.set_box.blockSignals(False)

    def documents(self, q: Any = None) -> list[str] | None:
        name = self.set_box.currentText()
        return None if name in ("", ALL_SETS) else set_members(q or self.project.q, name)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _set_changed(self) -> None:
        if self.pattern_edit.text():
            self.find()
        if self.words_model.rows:
            self.count_words()

    def _on_changed(self, changed: Changed) -> None:
        if changed.everything or changed.tables & WATCHED:
            self.reload_sets()
            self._set_changed()

    # -- keyword in context -----------------------------------------------------------------
    def find(self) -> None:
        self.show_message("")
        pattern = self.pattern_edit.text()
        try:
            self.lines = concordance(self.project.q, pattern, self.options.options(),
                                     width=self.width_box.value(), sort=self.sort,
                                     documents=self.documents(), limit=SHOWN_LINES)
        except DeskAnnotatorError as exc:
            self.lines = []
            self.show_message(str(exc), error=True)
        self.kwic_model.set_rows([(ln.title, ln.left, ln.match, ln.right) for ln in self.lines])
        n = len(self.lines)
        more = f" (the first {SHOWN_LINES:,}; export writes all)" if n >= SHOWN_LINES else ""
        self.kwic_count.setText(f"{n:,} line{'s' if n != 1 else ''}{more}")
        self.kwic_export.setEnabled(n > 0)

    def _sort_requested(self, column: int, _descending: bool) -> None:
        sort = SORT_OF_COLUMN.get(column, "document")
        if sort != self.sort:
            self.sort = sort
            if self.pattern_edit.text():
                self.find()

    def jump_to(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.lines) and hasattr(self.win, "show_passage"):
            line = self.lines[index.row()]
            self.win.show_passage(line.document_id, line.start, line.end)
            self.win.raise_()

    def ask_export_lines(self, path: str | None = None, *, wait: bool = False
                         ) -> ExportJob | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export concordance",
                                                  "concordance.xlsx", TABLES)
            if not path:
                return None
        pattern, options = self.pattern_edit.text(), self.options.options()
        width, sort, set_name = self.width_box.value(), self.sort, self.set_box.currentText()

        def work(reader: Any) -> str:
            writer = _writer(path)
            documents = None if set_name == ALL_SETS else set_members(reader.q, set_name)
            lines = concordance(reader.q, pattern, options, width=width, sort=sort,
                                documents=documents)
            kwargs = {"sheet": "concordance"} if writer is write_table_xlsx else {}
            n = writer(path, CONCORDANCE_COLUMNS, (ln.row() for ln in lines), **kwargs)
            return f"{n} line{'s' if n != 1 else ''} written to {path}"

        return self._run(work, "Export concordance", wait)

    # -- word frequencies ---------------------------------------------------------------------
    def count_words(self) -> None:
        self.show_message("")
        rows = word_frequencies(self.project.q, documents=self.documents(),
                                language=self.language_box.currentData(),
                                top=self.top_box.value())
        self.words_model.set_rows([(r["word"], r["count"], r["documents"]) for r in rows])

    def ask_export_words(self, path: str | None = None, *, wait: bool = False
                         ) -> ExportJob | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export word frequencies",
                                                  "words.xlsx", TABLES)
            if not path:
                return None
        language, top = self.language_box.currentData(), self.top_box.value()
        set_name = self.set_box.currentText()

        def work(reader: Any) -> str:
            writer = _writer(path)
            documents = None if set_name == ALL_SETS else set_members(reader.q, set_name)
            rows = word_frequencies(reader.q, documents=documents, language=language, top=top)
            kwargs = {"sheet": "words"} if writer is write_table_xlsx else {}
            return f"{writer(path, WORD_COLUMNS, rows, **kwargs)} words written to {path}"

        return self._run(work, "Export word frequencies", wait)

    def _run(self, work: Callable[[Any], str], title: str, wait: bool) -> ExportJob:
        self.job = ExportJob(self.project, work, self, title=title)
        self.job.finished.connect(self._export_finished)
        if wait:
            self.job.run_blocking()
        else:
            self.job.start()
        return self.job

    def _export_finished(self, summary: str | None) -> None:
        self.last_export = summary
        if summary is not None:
            self.show_message(summary)
        elif self.job is not None:
            self.show_message(self.job.error or "nothing written", error=True)


def open_concordance_window(win: Any) -> ConcordanceWindow:
    """Analysis → Concordance and word frequencies… (kept open beside the main window)."""
    window = ConcordanceWindow(win, win)
    win.keep_window(window)
    window.show()
    return window
