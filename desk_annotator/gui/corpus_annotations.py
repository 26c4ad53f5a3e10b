"""The corpus-wide annotation list as a lazy Qt model: a million annotations never load at once.

Rows arrive a page at a time (canFetchMore/fetchMore, driven by the view as it scrolls) from
``Queries.annotation_page``, which pages by key in corpus order and applies the stance, theme
and coder filters in SQL, so the filtered total is known up front from ``annotation_total``.
Sorting is limited to corpus order, ascending or descending (other orders would need a sort
over every matching row per page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from ..models import Annotation
from ..store.queries import Queries
from .annotation_list import AnnotationTableModel, Index

PAGE_SIZE = 500
# Up to this many matches, finding them by index and sorting beats walking the corpus.
FEW_MATCHES = 5000


class CorpusAnnotationModel(AnnotationTableModel):
    """Annotations of the whole corpus (the visible coders, filtered), fetched page by page."""

    def __init__(self, queries: Queries | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.corpus_mode = True
        self.queries = queries
        self.title_of: Callable[[str], str] = lambda _doc_id: "?"
        self.page_size = PAGE_SIZE
        self.total = 0
        self.descending = False
        self._query: dict[str, Any] | None = None  # None: not loaded yet
        self._next_key: tuple[int, int, int, int] | None = None
        self._exhausted = True

    # -- what to show ---------------------------------------------------------------------
    def set_query(self, queries: Queries, *, coder_ids: list[str] | None,
                  stance_id: str | None, theme_id: str | None, force: bool = False) -> None:
        """Show these annotations; reloads (first page only) when the query changed or force."""
        query = {"coder_ids": None if coder_ids is None else list(coder_ids),
                 "stance_id": stance_id, "theme_id": theme_id}
        if not force and queries is self.queries and query == self._query:
            return
        self.queries = queries
        self._query = query
        self._restart()

    def _restart(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._row_of = {}
        self.total = self.queries.annotation_total(**self._query) \
            if self.queries is not None and self._query is not None else 0
        self._next_key = None
        self._exhausted = self.total == 0
        self.endResetModel()
        if not self._exhausted:
            self.fetchMore(QModelIndex())

    def matches(self, ann: Annotation) -> bool:
        """Whether the current filters admit this annotation (for live updates)."""
        query = self._query or {}
        coder_ids = query.get("coder_ids")
        if coder_ids is not None and ann.coder_id not in coder_ids:
            return False
        if query.get("stance_id") and ann.stance_id != query["stance_id"]:
            return False
        return not (query.get("theme_id") and query["theme_id"] not in ann.theme_ids)

    # -- lazy loading ---------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._query is not None and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self.queries is None:
            return
        page, self._next_key = self.queries.annotation_page(
            self._next_key, self.page_size, descending=self.descending,
            few_matches=self.total <= FEW_MATCHES, **self._query)
        self._exhausted = self._next_key is None
        page = [a for a in page if a.id not in self._row_of]  # added live meanwhile
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        for i, ann in enumerate(page, first):
            self._rows.append(ann)
            self._row_of[ann.id] = i
        self.endInsertRows()

    def fetch_all(self) -> None:
        """Load every remaining page (tests and small projects only)."""
        while self.canFetchMore():
            self.fetchMore()

    # -- sorting: corpus order only, in SQL -----------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder and column >= 0
        if descending != self.descending:
            self.descending = descending
            if self._query is not None:
                self._restart()

    # -- live updates ---------------------------------------------------------------------
    def refresh(self, annotation_ids: set[str] | list[str]) -> None:
        """Apply changes to some annotations: update loaded rows, drop the deleted or
        filtered-out ones, add new matching ones when the list is fully loaded."""
        if self.queries is None or self._query is None:
            return
        gone, kept = [], []
        for ann_id in annotation_ids:
            ann = self.queries.annotation(ann_id)
            loaded = ann_id in self._row_of
            if ann is None or not self.matches(ann):
                if loaded:
                    gone.append(ann_id)
                    self.total -= 1
                continue
            if not loaded:
                self.total += 1
                if not self._exhausted:
                    continue  # a later page may bring it
            kept.append(ann)
        self.remove(gone)
        self.upsert(kept)

    def _cell(self, ann: Annotation, column: str) -> Any:
        if column == "Document":
            return self.title_of(ann.document_id)
        return super()._cell(ann, column)
