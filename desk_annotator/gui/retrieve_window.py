"""Analysis → Retrieve coded segments…: the passages that carry chosen labels, with context.

Filters: labels (any or all of the checked ones), coders (gold included; none checked means
every coder the main window may show — in blind mode only one's own), stance, document set and
one "variable = value" condition (built-in or custom variables). Each change reloads the list:
one count and the first page (analysis/retrieve_pages.py; the list is lazy, see
segment_model.py). Double-click (or Enter) opens the passage in the reading view. Export writes
every matching segment as DOCX (quotes to paste into a paper), XLSX or CSV through
analysis/retrieve_export.py, in a worker thread with its own read connection (export_job.py).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..analysis.retrieve import RetrievalQuery
from ..analysis.retrieve_export import write_segments
from ..analysis.retrieve_pages import (
    PAGE_SIZE,
    SegmentPager,
    pager_for,
    parse_condition,
)
from ..document_sets import set_names
from ..errors import DeskAnnotatorError
from ..project import Changed
from ..variables import variable_names
from .export_job import ExportJob
from .plain import plain_label
from .segment_model import SegmentTableModel

WATCHED = {"annotations", "annotation_themes", "labels", "coders", "documents",
           "document_sets", "document_set_members", "variables", "document_variables"}
CHOICES = {"labels", "coders", "document_sets", "variables"}  # tables behind the filter lists
CONTEXTS = (("sentence", "sentence"), ("±50 characters", 50), ("±100 characters", 100),
            ("±200 characters", 200))
EXPORTS = "Word document (*.docx);;Spreadsheet (*.xlsx);;CSV (*.csv)"
ALL_SETS = "(all documents)"
REFRESH_DELAY_MS = 250  # changes in a burst (typing codes) reload the list once
ANY_STANCE = "(any stance)"


def _check_list(height: int = 120) -> QListWidget:
    widget = QListWidget()
    widget.setMaximumHeight(height)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    return widget


def _checked(widget: QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


def _fill_checks(widget: QListWidget, names: list[str], checked: set[str]) -> None:
    widget.blockSignals(True)
    widget.clear()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    widget.blockSignals(False)


def _fill_combo(combo: QComboBox, first: str, names: list[str]) -> None:
    current = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems([first, *names])
    combo.setCurrentIndex(max(0, combo.findText(current)))
    combo.blockSignals(False)


class RetrieveWindow(QWidget):
    def __init__(self, win: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.win, self.project, self.bridge = win, win.project, win.bridge
        self.setWindowTitle("Retrieve coded segments")
        self.resize(1100, 680)
        self.label_list, self.coder_list = _check_list(220), _check_list(110)
        self.match_box = QComboBox()
        self.match_box.addItem("any of the checked labels", False)
        self.match_box.addItem("all of the checked labels", True)
        self.stance_box, self.set_box, self.context_box = QComboBox(), QComboBox(), QComboBox()
        for text, value in CONTEXTS:
            self.context_box.addItem(text, value)
        self.condition_edit = QLineEdit()
        self.condition_edit.setPlaceholderText("variable = value, e.g. outlet = Frontier Ledger")
        self.group_box = QComboBox()
        self.group_box.addItem("DOCX headings: label", "label")
        self.group_box.addItem("DOCX headings: document", "document")
        self.export_button = QPushButton("Export…")
        self.count_label = plain_label()
        self.message = plain_label(word_wrap=True)
        self.model = SegmentTableModel(self)
        self.model.make_pager = self._make_pager
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 55, 75, 130, 220, 420, 55, 140, 80)):
            self.table.setColumnWidth(column, width)
        self._layout()
        self.job: ExportJob | None = None
        self.page_size = PAGE_SIZE
        self.last_export: str | None = None
        for combo in (self.match_box, self.stance_box, self.set_box, self.context_box):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        # Clicking several boxes in a row reloads once, after the pause (see _refresh below).
        self.label_list.itemChanged.connect(lambda _item: self._refresh.start())
        self.coder_list.itemChanged.connect(lambda _item: self._refresh.start())
        self.condition_edit.editingFinished.connect(self.apply_filters)
        self.table.doubleClicked.connect(self.jump_to)
        self.table.activated.connect(self.jump_to)
        self.export_button.clicked.connect(lambda: self.ask_export())
        # A change reloads the list after a short pause, and a hidden window only when shown:
        # on a big project the count behind a reload is not free, and coding must stay fluid.
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_DELAY_MS)
        self._refresh.timeout.connect(self._reload_after_change)
        self._stale_choices = False
        self._stale = False  # a change not shown yet
        self.bridge.changed.connect(self._on_changed)
        self.reload_choices()
        self.apply_filters()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Labels", self.label_list)
        form.addRow("", self.match_box)
        form.addRow("Coders", self.coder_list)
        form.addRow("Stance", self.stance_box)
        form.addRow("Document set", self.set_box)
        form.addRow("Variable", self.condition_edit)
        form.addRow("Context", self.context_box)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addLayout(form)
        side_layout.addStretch(1)
        side_layout.addWidget(self.group_box)
        side_layout.addWidget(self.export_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.count_label, 1)
        right_layout.addLayout(top)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.message)
        splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 760])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def closeEvent(self, event: Any) -> None:
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)

    # -- choices ------------------------------------------------------------------------------
    def allowed_coders(self) -> list[str]:
        """Coder names this window may show: the main window's visible coders (blind mode:
        one's own only), gold included when all are visible."""
        visible = self.win.visible_coder_ids() if hasattr(self.win, "visible_coder_ids") else None
        coders = self.project.q.coders()
        return [c.name for c in coders if visible is None or c.id in visible]

    def reload_choices(self) -> None:
        codebook = self.project.q.codebook()
        names = list(dict.fromkeys(lb.name for lb in codebook.labels))
        _fill_checks(self.label_list, names, set(_checked(self.label_list)))
        _fill_checks(self.coder_list, self.allowed_coders(), set(_checked(self.coder_list)))
        _fill_combo(self.stance_box, ANY_STANCE,
                    [lb.name for lb in codebook.labels if lb.scheme == "stance"])
        _fill_combo(self.set_box, ALL_SETS, set_names(self.project))
        self.condition_edit.setToolTip("One condition on a document variable: "
                                       + ", ".join(variable_names(self.project)))

    def check(self, widget: QListWidget, names: list[str]) -> None:
        """Check exactly these names (tests, and choices restored after a reload)."""
        _fill_checks(widget, [widget.item(i).text() for i in range(widget.count())],
                     set(names))
        self.apply_filters()

    # -- the query ----------------------------------------------------------------------------
    def query(self) -> tuple[RetrievalQuery, str | None, tuple[str, str] | None]:
        labels = _checked(self.label_list) or None
        visible = self.win.visible_coder_ids() if hasattr(self.win, "visible_coder_ids") else None
        coders = _checked(self.coder_list) or (None if visible is None else self.allowed_coders())
        stance = self.stance_box.currentText()
        query = RetrievalQuery(labels=labels, match_all=bool(self.match_box.currentData()),
                               stances=None if stance in ("", ANY_STANCE) else [stance],
                               coders=coders, context=self.context_box.currentData())
        set_name = self.set_box.currentText()
        return (query, None if set_name in ("", ALL_SETS) else set_name,
                parse_condition(self.condition_edit.text()))

    def _make_pager(self, sort: str, descending: bool, q: Any = None) -> SegmentPager | None:
        try:
            query, set_name, condition = self.query()
            return pager_for(q or self.project.q, query, set_name=set_name,
                             condition=condition, sort=sort, descending=descending,
                             page_size=self.page_size)
        except DeskAnnotatorError as exc:
            self.show_message(str(exc), error=True)
            return None

    def apply_filters(self) -> None:
        self.show_message("")
        self.model.reload()
        n = self.model.total
        self.count_label.setText(f"{n:,} segment{'s' if n != 1 else ''}")
        self.export_button.setEnabled(n > 0)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _on_changed(self, changed: Changed) -> None:
        tables = changed.tables
        if not (changed.everything or tables & WATCHED):
            return
        self._stale_choices |= bool(changed.everything or tables & CHOICES)
        self._stale = True
        if self.isVisible():
            self._refresh.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self._reload_after_change()

    def _reload_after_change(self) -> None:
        self._refresh.stop()
        self._stale = False
        if self._stale_choices:
            self._stale_choices = False
            self.reload_choices()
        self.apply_filters()

    def refresh_now(self) -> None:
        """Apply pending changes at once (tests, scripts)."""
        self._reload_after_change()

    # -- jump and export ----------------------------------------------------------------------
    def jump_to(self, index: QModelIndex) -> None:
        s = self.model.segment_at(index.row())
        if s is not None and hasattr(self.win, "show_passage"):
            self.win.show_passage(s.document_id, s.start, s.end)
            self.win.raise_()
            self.win.activateWindow()

    def ask_export(self, path: str | None = None, *, wait: bool = False) -> ExportJob | None:
        """Write every matching segment to ``path`` (.docx .xlsx .csv) off the GUI thread."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export segments", "segments.docx",
                                                  EXPORTS)
            if not path:
                return None
        query, set_name, condition = self.query()
        sort, descending = self.model.sort_key, self.model.descending
        group_by = self.group_box.currentData()
        parts = [("labels: " + (" and " if query.match_all else ", ").join(query.labels))
                 if query.labels else "all labels", f"coders: {', '.join(query.coders)}" if query.coders else "all coders"]
        if set_name:
            parts.append(f"set: {set_name}")
        if condition:
            parts.append(f"{condition[0]} = {condition[1]}")

        def work(reader: Any) -> str:
            with reader.reading():
                pager = pager_for(reader.q, query, set_name=set_name, condition=condition,
                                  sort=sort, descending=descending)
                segments = list(pager)
            return write_segments(path, segments, group_by=group_by,
                                  description="; ".join(parts))

        self.job = ExportJob(self.project, work, self, title="Export segments",
                             label=f"Writing {self.model.total:,} segments…")
        self.job.finished.connect(self._export_finished)
        if wait:
            self.job.run_blocking()
        else:
            self.job.start()
        return self.job

    def _export_finished(self, summary: str | None) -> None:
        job = self.job
        self.last_export = summary
        if summary is not None:
            self.show_message(summary)
        elif job is not None:
            self.show_message(job.error or "nothing written", error=True)


def open_retrieve_window(win: Any) -> RetrieveWindow:
    """Analysis → Retrieve coded segments… (kept open beside the main window)."""
    window = RetrieveWindow(win, win)
    win.keep_window(window)
    window.show()
    return window
