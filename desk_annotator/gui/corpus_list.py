"""The corpus list: every document with its metadata and the current coder's progress.

A lazy QAbstractTableModel: it knows every document's id in list order (Queries.corpus_order,
one read of the id index) and reads the rows themselves a page at a time as the view asks for
them (Queries.corpus_rows_for), so a start with 50,000 documents reads only what the first
screen shows. A QSortFilterProxyModel does search, status, set filtering and sorting exactly
as before; the first sort or filter reads every row at once (Queries.corpus_rows), which the
model then keeps. Changes refresh only the touched rows.

The table's context menu (and F2) asks for Rename…, Edit details… and Delete… by signal; the
window's DocumentActions (gui/document_dialog.py) answers them with undoable ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..variable_filter import parse_search, term_matcher, unknown_hint
from .plain import tooltip_text

COLUMNS = [("title", "Title"), ("outlet", "Outlet"), ("date", "Date"), ("length", "Size"),
           ("status", "Status"), ("annotations", "Mine")]
STATUS_GLYPH = {"todo": "○ todo", "doing": "◐ doing", "done": "● done"}
STATUS_COLOUR = {"todo": "#8c959f", "doing": "#E69F00", "done": "#009E73"}
SEARCH_KEYS = ("title", "author", "outlet", "date", "url")
SEARCH_TIP = ("Words in title, outlet, author, date or url; name:value (or name=value) "
              "keeps the documents whose variable has that value, e.g. outlet:guardian")
ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
# The roles data() answers from a row; any other (size hints, fonts...) reads nothing.
SHOWN_ROLES = {Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.ForegroundRole,
               Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ToolTipRole}
# Rows read at once: a screenful or two (the first screen shows about 30).
PAGE_SIZE = 64
Index = QModelIndex | QPersistentModelIndex


def refilter(proxy: QSortFilterProxyModel) -> None:
    """Re-run the filter (Qt >= 6.10 wants begin/endFilterChange; older Qt has only
    invalidateFilter)."""
    if hasattr(proxy, "beginFilterChange"):
        proxy.beginFilterChange()
        proxy.endFilterChange()
    else:
        proxy.invalidateFilter()


def _length_text(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


class CorpusTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []  # every document, in list (import) order
        self._row_of_id: dict[str, int] | None = None  # built when first asked
        self._loaded: dict[str, dict[str, Any]] = {}  # the rows read so far, by id
        self._complete = True  # every row read
        self._read_rows: Callable[[list[str]], list[dict[str, Any]]] | None = None
        self._read_all: Callable[[], list[dict[str, Any]]] | None = None
        self.pages_read = 0  # how many page reads (tests: start-up reads only the first)
        self._variable_names: list[str] = []
        self._variable_values: list[dict[str, Any]] = []
        self._variable_numeric: list[bool] = []

    # -- optional variable columns (gui/corpus_variables.py), after the fixed ones ----------
    def set_variable_columns(self, names: list[str], values: list[dict[str, Any]]) -> None:
        """Show these variables as columns; values[i] maps document id -> value of names[i]."""
        # Columns removed and inserted, not a reset: the proxy keeps its rows (a reset
        # filters and sorts 50,000 rows again) and the selection stays.
        if self._variable_names:
            self.beginRemoveColumns(QModelIndex(), len(COLUMNS), self.columnCount() - 1)
            self._variable_names, self._variable_values, self._variable_numeric = [], [], []
            self.endRemoveColumns()
        if names:
            self.beginInsertColumns(QModelIndex(), len(COLUMNS), len(COLUMNS) + len(names) - 1)
            self._variable_names = list(names)
            self._set_values(values)
            self.endInsertColumns()

    def update_variable_values(self, values: list[dict[str, Any]]) -> None:
        """New values for the columns shown (same names): cells repaint, rows stay put."""
        self._set_values(values)
        if self._ids and self._variable_names:
            self.dataChanged.emit(self.index(0, len(COLUMNS)),
                                  self.index(len(self._ids) - 1, self.columnCount() - 1))

    def _set_values(self, values: list[dict[str, Any]]) -> None:
        self._variable_values = list(values)
        # A number column sorts its unset cells first as a number too (Qt cannot order a
        # number against a string).
        self._variable_numeric = [any(isinstance(v, (int, float)) for v in column.values())
                                  for column in self._variable_values]

    def variable_columns(self) -> list[str]:
        return list(self._variable_names)

    # -- the rows: every id known, the rows read page by page ---------------------------------
    def reload(self, rows: list[dict[str, Any]]) -> None:
        """Show these rows (every one read already)."""
        self.beginResetModel()
        self._ids = [r["id"] for r in rows]
        self._row_of_id = None
        self._loaded = {r["id"]: r for r in rows}
        self._complete, self._read_rows, self._read_all = True, None, None
        self.endResetModel()

    def reload_lazy(self, ids: list[str], read_rows: Callable[[list[str]], list[dict[str, Any]]],
                    read_all: Callable[[], list[dict[str, Any]]]) -> None:
        """Show the documents ``ids`` (in this order); ``read_rows(ids)`` reads some of their
        rows, ``read_all()`` every row (the first sort or filter needs them all)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._row_of_id = None
        self._loaded = {}
        self._complete = not self._ids
        self._read_rows, self._read_all = read_rows, read_all
        self.endResetModel()

    def load_all(self) -> None:
        """Read every row now (one query instead of a page per screen)."""
        if self._complete or self._read_all is None:
            return
        wanted = set(self._ids)
        self._loaded = {r["id"]: r for r in self._read_all() if r["id"] in wanted}
        self._complete = True

    def _row(self, row: int) -> dict[str, Any]:
        doc_id = self._ids[row]
        found = self._loaded.get(doc_id)
        if found is None:
            found = self._read_page(row)
        return found

    def _read_page(self, row: int) -> dict[str, Any]:
        first = row - row % PAGE_SIZE
        wanted = [i for i in self._ids[first:first + PAGE_SIZE] if i not in self._loaded]
        self.pages_read += 1
        for read in self._read_rows(wanted) if self._read_rows is not None else []:
            self._loaded[read["id"]] = read
        if len(self._loaded) >= len(self._ids):
            self._complete = True
        doc_id = self._ids[row]
        # A document deleted by another program since the ids were read: an empty row until
        # the change notification reloads the list.
        return self._loaded.setdefault(doc_id, {"id": doc_id, "title": "", "length": 0,
                                                "status": "todo", "annotations": 0})

    def update_rows(self, rows: list[dict[str, Any]]) -> None:
        """Replace the given documents' rows in place (status or count changed)."""
        for row in rows:
            i = self.row_of(row["id"])
            if i is None:
                continue
            self._loaded[row["id"]] = row
            self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    def row_data(self, row: int) -> dict[str, Any]:
        return self._row(row)

    def row_of(self, doc_id: str) -> int | None:
        if self._row_of_id is None:
            self._row_of_id = {d: i for i, d in enumerate(self._ids)}
        return self._row_of_id.get(doc_id)

    def id_at(self, row: int) -> str:
        return self._ids[row]

    def document_ids(self) -> list[str]:
        """Every document's id in list (import) order; no row is read."""
        return list(self._ids)

    def loaded_count(self) -> int:
        return len(self._loaded)

    def all_rows(self) -> list[dict[str, Any]]:
        self.load_all()
        return [self._row(i) for i in range(len(self._ids))]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS) + len(self._variable_names)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
                Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if section >= len(COLUMNS):
                name = self._variable_names[section - len(COLUMNS)]
                return name if role == Qt.ItemDataRole.DisplayRole else (
                    f"Variable {name} (right-click the header to choose the columns)")
            return COLUMNS[section][1] if role == Qt.ItemDataRole.DisplayRole else None
        return None

    def _variable_data(self, row: dict[str, Any], column: int, role: int) -> Any:
        value = self._variable_values[column].get(row["id"])
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else str(value)
        if role == SORT_ROLE:  # numbers sort as numbers; unset values first
            if value is None:
                return float("-inf") if self._variable_numeric[column] else ""
            return value if isinstance(value, (int, float)) else str(value)
        if role == ID_ROLE:
            return row["id"]
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == ID_ROLE:  # from the ids alone: listing the ids reads no row
            return self._ids[index.row()]
        if role not in SHOWN_ROLES:
            return None
        row = self._row(index.row())
        if index.column() >= len(COLUMNS):
            return self._variable_data(row, index.column() - len(COLUMNS), role)
        key = COLUMNS[index.column()][0]
        value = row.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "length":
                return _length_text(value or 0)
            if key == "status":
                return STATUS_GLYPH.get(value, value)
            if key == "date" and value:
                return str(value)[:10]  # the day; the full timestamp is in the tooltip
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            return value if value is not None else ""
        if role == ID_ROLE:
            return row["id"]
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            return QColor(STATUS_COLOUR.get(value, "#8c959f"))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("length", "annotations"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            meta = [f"{k}: {row[k]}" for k in ("author", "outlet", "date", "url") if row.get(k)]
            return tooltip_text("\n".join([row["title"], *meta,
                                            f"{row.get('length', 0)} characters"]))
        return None


class CorpusFilterProxy(QSortFilterProxyModel):
    """Search over title and metadata (case-insensitive, every word must match), variable
    terms ``name:value`` (variable_filter.py), status and document set."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        # (matcher, document id -> value, or the row's key of a built-in)
        self._terms: list[tuple[Any, dict[str, Any] | str]] = []
        self._values_cache: dict[str, dict[str, Any]] = {}
        self.unknown_hint = ""  # why a term was searched as text (the box's tooltip)
        self._status: str | None = None
        self._members: set[str] | None = None  # a document set's ids (gui/corpus_sets.py)
        # Set by gui/corpus_variables.py: () -> the variables, and variable -> its values.
        self.variables_source: Any = None
        self.values_source: Any = None
        self._text = ""
        self.setSortRole(SORT_ROLE)

    def filtering(self) -> bool:
        return self._members is not None or self.reads_rows()

    def reads_rows(self) -> bool:
        """Whether the filter or the sort looks at every row's data (a set looks at ids)."""
        return bool(self._status or self._words or self._terms or self.sortColumn() >= 0)

    def _read_every_row(self) -> None:
        """Before a sort or filter looks at every row: read them in one query, not a page
        per 64 rows."""
        source = self.sourceModel()
        if isinstance(source, CorpusTableModel):
            source.load_all()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column >= 0:
            self._read_every_row()
        super().sort(column, order)

    def invalidate_filter(self) -> None:
        if self.reads_rows():
            self._read_every_row()
        refilter(self)

    def set_search(self, text: str) -> None:
        self._text = text
        self._words, self._terms, self.unknown_hint = text.casefold().split(), [], ""
        if self.variables_source is not None and (":" in text or "=" in text):
            variables = self.variables_source()
            parsed = parse_search(text, variables)
            self._words = parsed.words
            self._terms = [(term_matcher(t), self._values_of(t.variable))
                           for t in parsed.terms]
            self.unknown_hint = unknown_hint(parsed.unknown, variables)
        self.invalidate_filter()

    def _values_of(self, var: Any) -> dict[str, Any] | str:
        """A variable's values by document id, or the row key of a built-in the list's rows
        carry. One read per variable, kept while the user types, not one per document."""
        if var.builtin and var.name in SEARCH_KEYS:
            return var.name
        if var.id not in self._values_cache:
            self._values_cache[var.id] = self.values_source(var)
        return self._values_cache[var.id]

    def search_again(self) -> None:
        """Re-read the values a variable term compares (they changed)."""
        self._values_cache.clear()
        if self._terms or self.unknown_hint:
            self.set_search(self._text)

    def set_status(self, status: str | None) -> None:
        self._status = status or None
        self.invalidate_filter()

    def set_members(self, document_ids: Any) -> None:
        """Only these documents (a document set), or every one with None."""
        self._members = None if document_ids is None else set(document_ids)
        self.invalidate_filter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        # A Python filter (one call per row) rather than Qt's filter role: that one costs four
        # Python calls per row (index, rowCount, columnCount, data), twice as slow a keystroke.
        if self._members is None and not self._status and not self._words and not self._terms:
            return True  # no filter: called for each of 50,000 rows at a reload
        source = self.sourceModel()
        if self._members is not None and source.id_at(source_row) not in self._members:
            return False
        if not self._status and not self._words and not self._terms:
            return True  # a set alone reads no row
        row = source.row_data(source_row)  # type: ignore[attr-defined]
        if self._status and row.get("status") != self._status:
            return False
        if not all(matches(row.get(values) if isinstance(values, str) else values.get(row["id"]))
                   for matches, values in self._terms):
            return False
        if not self._words:
            return True
        haystack = " ".join(str(row.get(k) or "") for k in SEARCH_KEYS).casefold()
        return all(w in haystack for w in self._words)


class CorpusPanel(QWidget):
    documentActivated = Signal(str)
    # Document management, asked for from the context menu / F2 (answered by DocumentActions).
    renameRequested = Signal(str)
    editRequested = Signal(str)
    deleteRequested = Signal(str)
    memoRequested = Signal(str)  # the document's memo (answered by the Memos window)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CorpusTableModel(self)
        self.proxy = CorpusFilterProxy(self)
        # Connected before the proxy's own slots, so the list as it was is still readable.
        self._order_before_reload: list[str] = []
        self.model.modelAboutToBeReset.connect(self._remember_order)
        self.proxy.setSourceModel(self.model)
        # Children made with their parent: one moved under it once built is styled again.
        self.search = QLineEdit(self, placeholderText="Search title, outlet, author, date…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(SEARCH_TIP)
        self.search.textChanged.connect(self._search_changed)
        self.status_filter = QComboBox(self)
        for text, value in (("All", None), ("To do", "todo"), ("Doing", "doing"),
                            ("Done", "done")):
            self.status_filter.addItem(text, value)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status(self.status_filter.currentData()))
        self.set_filter = QComboBox(self)  # filled and applied by gui/corpus_sets.py
        self.set_filter.setToolTip("Only the documents of a document set")
        self.set_filter.setVisible(False)
        self.stack = QStackedWidget(self)
        self.table = QTableView(self.stack)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # keep import order at first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        for col, width in enumerate((0, 100, 80, 46, 64, 42)):
            if width:
                header.resizeSection(col, width)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.activated.connect(self._activated)
        self.table.clicked.connect(self._activated)
        self._build_document_actions()
        self.empty = QLabel("No documents yet.\n\nUse File → Import… or drop article files "
                            "(txt, md, html, docx, pdf) or a dataset (jsonl, qdpx) on this "
                            "window.", self.stack)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        top.addWidget(self.set_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self.model.modelReset.connect(self._show_empty_state)

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self.search.setToolTip(self.proxy.unknown_hint or SEARCH_TIP)

    def search_again(self) -> None:
        """Filter again with values read anew (a variable or its values changed)."""
        self.proxy.search_again()
        self.search.setToolTip(self.proxy.unknown_hint or SEARCH_TIP)

    # -- document management (context menu, F2) ------------------------------------------------
    def _build_document_actions(self) -> None:
        self.rename_action = QAction("Rename…", self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.edit_action = QAction("Edit details…", self)
        self.delete_action = QAction("Delete…", self)
        self.memo_action = QAction("Memo…", self)
        for action, signal in ((self.memo_action, self.memoRequested),
                               (self.rename_action, self.renameRequested),
                               (self.edit_action, self.editRequested),
                               (self.delete_action, self.deleteRequested)):
            action.triggered.connect(lambda _checked=False, s=signal: self._request(s))
        # F2 in the list renames; elsewhere it stays the window's "Edit note" key, so the list
        # claims the key itself (ShortcutOverride) instead of adding a second F2 shortcut.
        self.table.installEventFilter(self)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_context_menu)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() in (QEvent.Type.ShortcutOverride,
                                                      QEvent.Type.KeyPress):
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() == Qt.Key.Key_F2 and key_event.modifiers() in (
                    Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
                event.accept()
                if event.type() == QEvent.Type.KeyPress and self.rename_action.isEnabled():
                    self.rename_action.trigger()
                return True
        return super().eventFilter(watched, event)

    def set_management_enabled(self, enabled: bool) -> None:
        """Off for a read-only project."""
        for action in (self.rename_action, self.edit_action, self.delete_action):
            action.setEnabled(enabled)

    def current_document_id(self) -> str | None:
        """The document of the selected row (the row the menu was opened on)."""
        rows = self.table.selectionModel().selectedRows()
        index = rows[0] if rows else self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def _request(self, signal: Any) -> None:
        doc_id = self.current_document_id()
        if doc_id:
            signal.emit(doc_id)

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for the row at ``index`` (selected first); None off the rows."""
        if not index.isValid():
            return None
        self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction(self.rename_action)
        menu.addAction(self.edit_action)
        menu.addAction(self.memo_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        return menu

    def _show_context_menu(self, pos: Any) -> None:
        menu = self.context_menu(self.table.indexAt(pos))
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def _remember_order(self) -> None:
        visible = self.visible_document_ids()
        shown = set(visible)
        self._order_before_reload = visible + [d for d in self.model.document_ids()
                                               if d not in shown]

    def replacement_for(self, doc_id: str | None) -> str | None:
        """After a reload that removed ``doc_id``: the document to show instead, the next one
        in the list as it was (else the one before), None when none is left."""
        order = self._order_before_reload
        if doc_id in order:
            i = order.index(doc_id)
            for candidate in order[i + 1:] + order[:i][::-1]:
                if self.model.row_of(candidate) is not None:
                    return candidate
        ids = self.visible_document_ids()
        return ids[0] if ids else None

    def _show_empty_state(self) -> None:
        self.stack.setCurrentWidget(self.empty if self.model.rowCount() == 0 else self.table)

    def _activated(self, index: QModelIndex) -> None:
        doc_id = index.data(ID_ROLE)
        if doc_id:
            self.documentActivated.emit(doc_id)

    def select_document(self, doc_id: str | None) -> None:
        """Highlight a document's row without emitting documentActivated."""
        row = self.model.row_of(doc_id) if doc_id else None
        if row is None:
            self.table.clearSelection()
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    def visible_document_ids(self) -> list[str]:
        """The documents the list shows, in the order shown (no row is read for this)."""
        if not self.proxy.filtering() and self.proxy.sortColumn() < 0:
            return self.model.document_ids()
        return [self.proxy.index(r, 0).data(ID_ROLE) for r in range(self.proxy.rowCount())]

    def show_documents(self, queries: Any, coder_id: str | None) -> None:
        """List every document of ``queries``' project with ``coder_id``'s status and count,
        reading the rows lazily (store/queries.py)."""
        if self.proxy.reads_rows():  # sorted or filtered: every row is read anyway
            self.model.reload(queries.corpus_rows(coder_id))
            return
        self.model.reload_lazy(queries.corpus_order(),
                               lambda ids: queries.corpus_rows_for(coder_id, ids),
                               lambda: queries.corpus_rows(coder_id))
