"""The reading view's annotations as an interval index over slim rows, built without one
object per annotation.

Opening a 1 MB document with 50,000 annotations used to build 50,000 pydantic models, 50,000
span records and 150,000 colours (and read 50,000 quotes) before the first paint, which then
touched only the visible ones. Here the rows stay the narrow tuples SQLite returned
(store/reading_rows.py); an :class:`Annotation` is built, with its quote and note read then a
page at a time, the first time something asks for it (the tooltip, the current annotation, a
row of the annotation list on screen); a highlight's colours come from a cache keyed by
(stance, themes). An open costs a sort of integers; a paint costs what the viewport shows.

Offsets in the index are UTF-16 (Qt's unit); rows and annotations keep code points.
"""

from __future__ import annotations

import bisect
import gc
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from typing import Any, overload

from ..models import Annotation
from ..store.reading_rows import ROW_COLUMNS, SPAN_COLUMNS

Row = tuple[Any, ...]  # SPAN_COLUMNS order
Item = Row | Annotation  # a row not yet asked for, or the annotation built from it
Fetch = Callable[[list[str]], dict[str, Row]]  # ids -> ROW_COLUMNS rows
_ID, _CODER, _START, _END, _STANCE = (SPAN_COLUMNS.index(c) for c in
                                      ("id", "coder_id", "start", "end", "stance_id"))
PAGE = 256  # annotations built (and quotes read) together


class RowSource:
    """What one load needs to turn rows into annotations: their themes and a reader."""

    def __init__(self, themes: dict[str, list[str]] | None = None, fetch: Fetch | None = None,
                 document_id: str = "") -> None:
        self.themes = themes or {}
        self.fetch = fetch
        self.document_id = document_id

    def build(self, rows: list[Row]) -> list[Annotation]:
        full = self.fetch([r[_ID] for r in rows]) if self.fetch else {}
        out = []
        for r in rows:
            values = dict(zip(ROW_COLUMNS, full[r[_ID]], strict=True)) if r[_ID] in full else \
                dict(zip(SPAN_COLUMNS, r, strict=True), document_id=self.document_id,
                     quote="", note=None, updated=r[-1])  # deleted meanwhile: a refresh follows
            # model_construct: the row was validated when it was written.
            out.append(Annotation.model_construct(
                **values, theme_ids=list(self.themes.get(r[_ID], ()))))
        return out

    def key(self, item: Item) -> tuple[str | None, tuple[str, ...]]:
        """(stance id, theme ids): all a highlight's look depends on."""
        if isinstance(item, Annotation):
            return item.stance_id, tuple(item.theme_ids)
        return item[_STANCE], tuple(self.themes.get(item[_ID], ()))


def item_id(item: Item) -> str:
    return item.id if isinstance(item, Annotation) else item[_ID]


def item_coder(item: Item) -> str:
    return item.coder_id if isinstance(item, Annotation) else item[_CODER]


class LazyAnnotations(MutableSequence[Annotation]):
    """A list of annotations whose members are built when first read (a page at a time)."""

    def __init__(self, items: list[Item] | None = None, source: RowSource | None = None) -> None:
        self._items: list[Item] = items if items is not None else []
        self._source = source or RowSource()

    @classmethod
    def of(cls, annotations: Sequence[Annotation]) -> LazyAnnotations:
        if isinstance(annotations, LazyAnnotations):
            return cls(list(annotations._items), annotations._source)
        return cls(list(annotations))

    def ids(self) -> list[str]:
        return [item_id(it) for it in self._items]

    def filter_key(self, index: int) -> tuple[str, str | None, tuple[str, ...]]:
        """(coder, stance, themes) of a member without building it (list filters)."""
        item = self._items[index]
        return (item_coder(item), *self._source.key(item))

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Annotation: ...
    @overload
    def __getitem__(self, index: slice) -> list[Annotation]: ...

    def __getitem__(self, index: int | slice) -> Annotation | list[Annotation]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._items)))]
        item = self._items[index]
        if isinstance(item, Annotation):
            return item
        n = index % len(self._items) if index < 0 else index
        page = [k for k in range(max(0, n - PAGE // 4), min(len(self._items), n + PAGE))
                if not isinstance(self._items[k], Annotation)]
        for k, ann in zip(page, self._source.build([self._items[k] for k in page]),  # type: ignore[misc]
                          strict=True):
            self._items[k] = ann
        return self._items[n]  # type: ignore[return-value]

    def __setitem__(self, index: Any, value: Any) -> None:
        self._items[index] = value

    def __delitem__(self, index: Any) -> None:
        del self._items[index]

    def insert(self, index: int, value: Annotation) -> None:
        self._items.insert(index, value)

    def __iter__(self) -> Iterator[Annotation]:
        for i in range(len(self._items)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like list


class SpanIndex:
    """Every shown annotation by id, plus (start, end, id) sorted by start: the paint index.

    ``spans_between`` answers "which spans touch [first, last)" with two bisections, using the
    longest span as the look-back (an upper bound is enough)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._items: dict[str, Item] = {}
        self._extent: dict[str, tuple[int, int]] = {}
        self._source = RowSource()
        self.order: list[tuple[int, int, str]] = []
        self.starts: list[int] = []
        self.max_len = 0

    # -- filling ---------------------------------------------------------------------------
    def load_rows(self, rows: list[Row], source: RowSource, astral: list[int]) -> None:
        """Replace everything by SPAN_COLUMNS rows; ``astral`` = code point offsets of the
        text's characters outside the BMP (each one two UTF-16 units)."""
        self.clear()
        self._source = source
        bl = bisect.bisect_left
        paused = gc.isenabled()
        gc.disable()  # tens of thousands of tuples and no cycles: no collector passes
        try:
            if astral:
                order = [(r[_START] + bl(astral, r[_START]), r[_END] + bl(astral, r[_END]),
                          r[_ID]) for r in rows]
            else:
                order = [(r[_START], r[_END], r[_ID]) for r in rows]
            self._items = {r[_ID]: r for r in rows}
            self._extent = {i: (s, e) for s, e, i in order}
            order.sort()
            self.order = order
            self.starts = [o[0] for o in order]
            self.max_len = max((e - s for s, e, _ in order), default=0)
        finally:
            if paused:
                gc.enable()

    def load_annotations(self, annotations: list[tuple[Annotation, int, int]]) -> None:
        """Replace everything by built annotations with their UTF-16 extents."""
        self.clear()
        for ann, s, e in annotations:
            self._items[ann.id] = ann
            self._extent[ann.id] = (s, e)
        self.order = sorted((s, e, i) for i, (s, e) in self._extent.items())
        self.starts = [o[0] for o in self.order]
        self.max_len = max((e - s for s, e, _ in self.order), default=0)

    def put(self, ann: Annotation, start: int, end: int) -> tuple[int, int] | None:
        """Add or replace one annotation; returns its old extent (UTF-16) if it had one."""
        old = self._unindex(ann.id)
        self._items[ann.id] = ann
        self._extent[ann.id] = (start, end)
        k = bisect.bisect_left(self.order, (start, end, ann.id))
        self.order.insert(k, (start, end, ann.id))
        self.starts.insert(k, start)
        self.max_len = max(self.max_len, end - start)
        return old

    def pop(self, ann_id: str) -> tuple[int, int] | None:
        old = self._unindex(ann_id)
        if old is not None:
            self._items.pop(ann_id, None)
        return old

    def _unindex(self, ann_id: str) -> tuple[int, int] | None:
        extent = self._extent.pop(ann_id, None)
        if extent is None:
            return None
        entry = (*extent, ann_id)
        k = bisect.bisect_left(self.order, entry)
        if k < len(self.order) and self.order[k] == entry:
            del self.order[k]
            del self.starts[k]
        return extent

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, ann_id: object) -> bool:
        return ann_id in self._items

    def extent(self, ann_id: str) -> tuple[int, int] | None:
        return self._extent.get(ann_id)

    def annotation(self, ann_id: str) -> Annotation | None:
        item = self._items.get(ann_id)
        if item is None or isinstance(item, Annotation):
            return item
        built = self._items[ann_id] = self._source.build([item])[0]
        return built

    def coder_of(self, ann_id: str) -> str:
        return item_coder(self._items[ann_id])

    def look_key(self, ann_id: str) -> tuple[str | None, tuple[str, ...]]:
        return self._source.key(self._items[ann_id])

    def in_order(self) -> LazyAnnotations:
        """Every annotation in start order, built lazily: for the annotation list."""
        items = self._items
        return LazyAnnotations([items[i] for _, _, i in self.order], self._source)

    def spans_between(self, first: int, last: int) -> list[tuple[int, int, str]]:
        """(start, end, id) of every span with end > first and start < last, in start order."""
        lo = bisect.bisect_left(self.starts, first - self.max_len)
        hi = bisect.bisect_left(self.starts, last)
        return [o for o in self.order[lo:hi] if o[1] > first]

    def covering(self, u16: int) -> list[str]:
        """Ids of the spans with start <= u16 < end."""
        lo = bisect.bisect_left(self.starts, u16 - self.max_len)
        hi = bisect.bisect_right(self.starts, u16)
        return [i for s, e, i in self.order[lo:hi] if s <= u16 < e]

    def with_extent(self, start: int, end: int) -> list[str]:
        lo = bisect.bisect_left(self.order, (start, end, ""))
        found = []
        for s, e, i in self.order[lo:]:
            if (s, e) != (start, end):
                break
            found.append(i)
        return found
