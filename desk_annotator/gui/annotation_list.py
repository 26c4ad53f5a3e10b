"""The annotation list: every annotation of the open document (or of the whole corpus).

Sortable, filterable by stance, theme and coder; the note column is editable in place
(the edit becomes one undoable operation through the main window). Activating a row asks the
main window to show the passage. The open document's annotations sit in memory behind a
sort/filter proxy; the whole corpus's come page by page from a lazy model
(corpus_annotations.py) that filters and orders in SQL.
"""

from __future__ import annotations

from collections.abc import MutableSequence, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..models import Annotation, Label
from .corpus_list import refilter
from .plain import tooltip_text
from .span_index import LazyAnnotations

Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
QUOTE_CHARS = 140


class AnnotationTableModel(QAbstractTableModel):
    noteEdited = Signal(str, str)  # annotation id, new note

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: MutableSequence[Annotation] = LazyAnnotations()  # built as shown
        self._row_index: dict[str, int] | None = {}  # id -> row, None until asked for
        self.labels: dict[str, Label] = {}
        self.coder_names: dict[str, str] = {}
        self.document_titles: dict[str, str] = {}
        self.corpus_mode = False

    @property
    def columns(self) -> list[str]:
        cols = ["Start", "Quote", "Stance", "Themes", "Coder", "Note"]
        return ["Document", *cols] if self.corpus_mode else cols

    def reload(self, annotations: Sequence[Annotation], corpus_mode: bool = False) -> None:
        self.beginResetModel()
        self.corpus_mode = corpus_mode
        self._rows = LazyAnnotations.of(annotations)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._row_index = None  # built when a row is looked up by id, not on every open

    @property
    def _row_of(self) -> dict[str, int]:
        if self._row_index is None:
            rows = self._rows  # the corpus model (a subclass) keeps a plain list
            ids = rows.ids() if isinstance(rows, LazyAnnotations) else [a.id for a in rows]
            self._row_index = dict(zip(ids, range(len(ids))))
        return self._row_index

    @_row_of.setter
    def _row_of(self, index: dict[str, int]) -> None:
        self._row_index = index

    def upsert(self, annotations: list[Annotation]) -> None:
        for ann in annotations:
            i = self._row_of.get(ann.id)
            if i is None:
                n = len(self._rows)
                self.beginInsertRows(QModelIndex(), n, n)
                self._rows.append(ann)
                self._row_of[ann.id] = n
                self.endInsertRows()
            else:
                self._rows[i] = ann
                self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    def remove(self, ids: list[str]) -> None:
        for ann_id in ids:
            i = self._row_of.get(ann_id)
            if i is None:
                continue
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self._reindex()
            self.endRemoveRows()

    def annotation_at(self, row: int) -> Annotation:
        return self._rows[row]

    def filter_key(self, row: int) -> tuple[str, str | None, tuple[str, ...]]:
        """(coder, stance, themes) of a row, without building a lazy row's annotation."""
        rows = self._rows
        if isinstance(rows, LazyAnnotations):
            return rows.filter_key(row)
        ann = rows[row]
        return ann.coder_id, ann.stance_id, tuple(ann.theme_ids)

    def row_of(self, ann_id: str) -> int | None:
        return self._row_of.get(ann_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.columns[index.column()] == "Note":
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or self.columns[index.column()] != "Note":
            return False
        ann = self._rows[index.row()]
        if (value or "") != (ann.note or ""):
            self.noteEdited.emit(ann.id, str(value or ""))
        return True

    def _cell(self, ann: Annotation, column: str) -> Any:
        if column == "Document":
            return self.document_titles.get(ann.document_id, "?")
        if column == "Start":
            return ann.start
        if column == "Quote":
            quote = " ".join(ann.quote.split())
            return quote if len(quote) <= QUOTE_CHARS else quote[:QUOTE_CHARS] + "…"
        if column == "Stance":
            label = self.labels.get(ann.stance_id or "")
            return label.name if label else ""
        if column == "Themes":
            return ", ".join(self.labels[t].name for t in ann.theme_ids if t in self.labels)
        if column == "Coder":
            return self.coder_names.get(ann.coder_id, "?")
        return ann.note or ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ann = self._rows[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, SORT_ROLE):
            return self._cell(ann, column)
        if role == ID_ROLE:
            return ann.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(ann.quote if column == "Quote" else ann.note) or None
        if role == Qt.ItemDataRole.DecorationRole and column == "Stance":
            label = self.labels.get(ann.stance_id or "")
            return QColor(label.color) if label else None
        if role == Qt.ItemDataRole.ForegroundRole and column == "Start":
            return QBrush(QColor("#8c959f"))
        return None


class AnnotationFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.stance_id: str | None = None
        self.theme_id: str | None = None
        self.coder_id: str | None = None
        self.setSortRole(SORT_ROLE)

    def set_filters(self, stance_id: str | None, theme_id: str | None,
                    coder_id: str | None) -> None:
        self.stance_id, self.theme_id, self.coder_id = stance_id, theme_id, coder_id
        refilter(self)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not (self.stance_id or self.theme_id or self.coder_id):
            return True  # no filter: do not build the row's annotation just to accept it
        coder, stance, themes = self.sourceModel().filter_key(source_row)  # type: ignore[attr-defined]
        if self.stance_id and stance != self.stance_id:
            return False
        if self.theme_id and self.theme_id not in themes:
            return False
        return not (self.coder_id and coder != self.coder_id)


class AnnotationPanel(QWidget):
    annotationActivated = Signal(object)  # Annotation
    scopeChanged = Signal(bool)  # True = whole corpus

    def __init__(self, parent: QWidget | None = None) -> None:
        from .corpus_annotations import CorpusAnnotationModel

        super().__init__(parent)
        self.model = AnnotationTableModel(self)
        # Two proxies, only one attached: with no filter chosen the plain one (C++ only), so
        # a reset of 50,000 rows calls no Python per row; a filter swaps in the filtering one.
        self._plain_proxy = QSortFilterProxyModel(self)
        self._plain_proxy.setSortRole(SORT_ROLE)
        self._filter_proxy = AnnotationFilterProxy(self)
        self.proxy: QSortFilterProxyModel = self._plain_proxy
        self.proxy.setSourceModel(self.model)
        self.corpus_model = CorpusAnnotationModel(parent=self)
        self._corpus_query: tuple[Any, list[str] | None] | None = None  # queries, coder ids
        # Children made with their parent: one moved under it once built is styled again.
        self.scope = QComboBox(self)
        self.scope.addItem("This document", False)
        self.scope.addItem("Whole corpus", True)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.stance_filter = QComboBox(self)
        self.theme_filter = QComboBox(self)
        self.coder_filter = QComboBox(self)
        for combo in (self.stance_filter, self.theme_filter, self.coder_filter):
            combo.currentIndexChanged.connect(self._apply_filters)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        # Fixed rows: a reset with 50,000 annotations asks no row for its height.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.clicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._keep_corpus_order)
        self.model.modelReset.connect(self._size_columns)
        self.corpus_model.modelReset.connect(self._size_columns)
        top = QHBoxLayout()
        top.addWidget(self.scope)
        top.addWidget(self.stance_filter)
        top.addWidget(self.theme_filter)
        top.addWidget(self.coder_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def set_choices(self, labels: list[Label], coder_names: dict[str, str]) -> None:
        """Fill the filter menus (keeping the current choice when it still exists)."""
        for model in (self.model, self.corpus_model):
            model.labels = {lb.id: lb for lb in labels}
            model.coder_names = dict(coder_names)
        fill = [(self.stance_filter, "Any stance", [(lb.name, lb.id) for lb in labels
                                                     if lb.scheme == "stance"]),
                (self.theme_filter, "Any theme", [(lb.name, lb.id) for lb in labels
                                                   if lb.scheme == "themes"]),
                (self.coder_filter, "Any coder", sorted((n, i) for i, n in coder_names.items()))]
        for combo, any_text, items in fill:
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(any_text, None)
            for name, value in items:
                combo.addItem(name, value)
            combo.setCurrentIndex(max(0, combo.findData(keep)))
            combo.blockSignals(False)
        self._apply_filters()
        self.table.viewport().update()  # renamed labels or coders: repaint the loaded rows

    def _apply_filters(self) -> None:
        filters = (self.stance_filter.currentData(), self.theme_filter.currentData(),
                   self.coder_filter.currentData())
        self._filter_proxy.stance_id, self._filter_proxy.theme_id, \
            self._filter_proxy.coder_id = filters
        wanted = self._filter_proxy if any(filters) else self._plain_proxy
        if wanted is not self.proxy:
            self._swap_proxy(wanted)
        elif wanted is self._filter_proxy:
            refilter(wanted)
        if self.corpus_mode and self._corpus_query is not None:
            self.show_corpus(*self._corpus_query)

    def _swap_proxy(self, proxy: QSortFilterProxyModel) -> None:
        """Attach ``proxy`` in place of the current one, keeping the sort and the selection."""
        header = self.table.horizontalHeader()
        column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        selected = self.table.currentIndex()
        source_row = self.proxy.mapToSource(selected).row() if selected.isValid() else -1
        self.proxy.setSourceModel(None)  # a detached proxy does no work on resets
        self.proxy = proxy
        proxy.setSourceModel(self.model)
        if self.corpus_mode:
            return
        self.table.setModel(proxy)
        self.table.sortByColumn(column, order)
        if source_row >= 0:
            index = proxy.mapFromSource(self.model.index(source_row, 0))
            if index.isValid():
                self.table.selectRow(index.row())

    def _scope_changed(self, _index: int) -> None:
        corpus = self.corpus_mode
        self.table.setModel(self.corpus_model if corpus else self.proxy)
        # The corpus list sorts in SQL and only by corpus order: the Document column.
        self.table.sortByColumn(0 if corpus else -1, Qt.SortOrder.AscendingOrder)
        self._size_columns()
        self.scopeChanged.emit(corpus)

    def _keep_corpus_order(self, column: int, order: Qt.SortOrder) -> None:
        if self.corpus_mode and column != 0:
            self.table.horizontalHeader().setSortIndicator(0, order)

    def show_corpus(self, queries: Any, coder_ids: list[str] | None, *,
                    force: bool = False) -> None:
        """Show the whole corpus's annotations by these coders (None = all) under the filter
        menus; loads only the first page, and nothing when the query is unchanged."""
        self._corpus_query = (queries, coder_ids)
        wanted = self.coder_filter.currentData()
        if wanted is not None:
            coder_ids = [wanted] if coder_ids is None or wanted in coder_ids else []
        self.corpus_model.set_query(queries, coder_ids=coder_ids,
                                    stance_id=self.stance_filter.currentData(),
                                    theme_id=self.theme_filter.currentData(), force=force)

    @property
    def active_model(self) -> AnnotationTableModel:
        return self.corpus_model if self.corpus_mode else self.model

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        widths = {"Document": 140, "Start": 56, "Quote": 240, "Stance": 96, "Themes": 150,
                  "Coder": 80}
        for col, name in enumerate(self.active_model.columns):
            if name in widths:
                header.resizeSection(col, widths[name])

    def _activated(self, index: QModelIndex) -> None:
        model = self.active_model
        if index.isValid() and model.columns[index.column()] == "Note" and \
                self.table.state() == QAbstractItemView.State.EditingState:
            return
        if self.corpus_mode:
            if index.isValid() and index.model() is self.corpus_model:
                self.annotationActivated.emit(self.corpus_model.annotation_at(index.row()))
            return
        source = self.proxy.mapToSource(index)
        if source.isValid():
            self.annotationActivated.emit(self.model.annotation_at(source.row()))

    def select_annotation(self, ann_id: str | None) -> None:
        model = self.active_model
        row = model.row_of(ann_id) if ann_id else None
        if row is None:
            self.table.clearSelection()
            return
        index = model.index(row, 0) if self.corpus_mode else \
            self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    @property
    def corpus_mode(self) -> bool:
        return bool(self.scope.currentData())

    def visible_count(self) -> int:
        """Rows the list holds under the filters (corpus mode: all of them, loaded or not)."""
        return self.corpus_model.total if self.corpus_mode else self.proxy.rowCount()
