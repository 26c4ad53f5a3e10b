"""The Retrieve window's segment list as a lazy Qt model (like the corpus annotation list).

Rows arrive a page at a time from a :class:`~desk_annotator.analysis.retrieve_pages.
SegmentPager` (canFetchMore/fetchMore, driven by the view as it scrolls), so a million
matching annotations cost one count and one page to show. Clicking a column header asks for a
new pager in that order (the columns the store can order by; the others keep corpus order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..analysis.retrieve import Segment
from ..analysis.retrieve_pages import SegmentPager

Index = QModelIndex | QPersistentModelIndex
# (header, sort key of the store or None: not sortable, shown in corpus order)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("Document", "title"), ("Coder", "coder"), ("Stance", "stance"), ("Themes", None),
    ("Segment", "quote"), ("Context", None), ("Length", "length"), ("Outlet", None),
    ("Date", None))
CONTEXT_SHOWN = 70  # characters of context either side in the Context column
PagerFactory = Callable[[str, bool], SegmentPager | None]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def context_cell(s: Segment) -> str:
    """``…before [quote] after…`` on one line, the context cut to CONTEXT_SHOWN either side."""
    before, after = _one_line(s.before), _one_line(s.after)
    if len(before) > CONTEXT_SHOWN:
        before = "\u2026" + before[-CONTEXT_SHOWN:]
    if len(after) > CONTEXT_SHOWN:
        after = after[:CONTEXT_SHOWN] + "\u2026"
    return f"{before} [{_one_line(s.quote)}] {after}".strip()


class SegmentTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Segment] = []
        self.pager: SegmentPager | None = None
        self.make_pager: PagerFactory = lambda _sort, _descending: None
        self.sort_key, self.descending = "document", False

    # -- what to show ---------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self.pager.total if self.pager is not None else 0

    def reload(self) -> None:
        """A new pager from the factory (the current order) and its first page only."""
        self.beginResetModel()
        self._rows = []
        self.pager = self.make_pager(self.sort_key, self.descending)
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def segment_at(self, row: int) -> Segment | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def loaded(self) -> list[Segment]:
        return list(self._rows)

    # -- lazy loading ---------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.pager is not None and not self.pager.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self.pager is None:
            return
        page = self.pager.next_page()
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows += page
        self.endInsertRows()

    def fetch_all(self) -> None:
        """Every remaining page (tests and small results only)."""
        while self.canFetchMore():
            self.fetchMore()

    # -- sorting: a new pager in the store's order ----------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        key = key or "document"
        descending = order == Qt.SortOrder.DescendingOrder and column >= 0
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            if self.pager is not None:
                self.reload()

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return None if COLUMNS[section][1] else "Not sortable: shown in corpus order"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        s = self.segment_at(index.row()) if index.isValid() else None
        if s is None:
            return None
        column = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(s, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("Segment", "Context"):
            return s.context if column == "Context" else s.quote
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "Length":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _cell(s: Segment, column: str) -> Any:
        if column == "Document":
            return s.title
        if column == "Coder":
            return s.coder
        if column == "Stance":
            return s.stance or ""
        if column == "Themes":
            return ", ".join(s.themes)
        if column == "Segment":
            return _one_line(s.quote)
        if column == "Context":
            return context_cell(s)
        if column == "Length":
            return s.length
        if column == "Outlet":
            return s.metadata.get("outlet") or ""
        if column == "Date":
            return (s.metadata.get("date") or "")[:10]
        return None
