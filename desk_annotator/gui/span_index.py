"""The reading view's annotations as an interval index over thin rows, built without one
object per annotation.

Opening a 1 MB document with 50,000 annotations used to build 50,000 pydantic models, 50,000
span records and 150,000 colours (and read 50,000 quotes) before the first paint, which then
touched only the visible ones. Here an open reads one thin row per annotation, (start, end,
id), which is itself the index entry (store/reading_rows.py); the coder and stance of a span,
its themes, and the full :class:`Annotation` (quote, note) are read when something asks for
them: a paint for the spans it draws, the tooltip, the current annotation, a row of the
annotation list on screen (a page at a time). A highlight's colours come from a cache keyed
by (stance, themes). An open costs one narrow SELECT and a sort; a paint costs what the
viewport shows.

The index is in code points (as stored); UTF-16, Qt's unit, only at its edges.
"""

from __future__ import annotations

import bisect
import gc
import operator
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from typing import Any, overload

from ..models import Annotation
from ..store.reading_rows import ROW_COLUMNS, SPAN_COLUMNS, theme_ids
from ..text import Utf16Map

Row = tuple[Any, ...]  # SPAN_COLUMNS order (set_annotation_rows)
Thin = tuple[int, int, str]  # (start, end, id): an index entry, and a row not yet asked for
Item = Thin | Annotation  # a row not yet asked for, or the annotation built from it
Fetch = Callable[[list[str]], dict[str, Row]]  # ids -> ROW_COLUMNS rows
FetchThemes = Callable[[list[str] | None], dict[str, str]]  # ids (None = all) -> joined themes
Details = tuple[str, str | None]  # (coder id, stance id)
FetchDetails = Callable[[list[str] | None], dict[str, Details]]  # ids (None = all) -> details
_ID, _CODER, _START, _END, _STANCE = (SPAN_COLUMNS.index(c) for c in
                                      ("id", "coder_id", "start", "end", "stance_id"))
PAGE = 64  # annotations built (and quotes read) together: a screenful of the list and more
_start_of, _end_of = operator.itemgetter(0), operator.itemgetter(1)


class RowSource:
    """What one load needs to turn thin rows into annotations: coders and stances, themes,
    and a reader of full rows.

    Details (coder, stance) and themes given as dicts are all there is; given as
    ``fetch_details`` / ``fetch_themes`` they are read for the ids a paint or a build asks
    about (and all at once for the list's filters)."""

    def __init__(self, themes: dict[str, str] | None = None, fetch: Fetch | None = None,
                 document_id: str = "", positions: dict[str, int] | None = None,
                 fetch_themes: FetchThemes | None = None,
                 details: dict[str, Details] | None = None,
                 fetch_details: FetchDetails | None = None) -> None:
        self.themes = themes or {}  # annotation id -> theme ids joined (reading_rows.py)
        self.fetch = fetch
        self.document_id = document_id
        self.positions = positions or {}  # label id -> place in the codebook
        self._fetch_themes = fetch_themes
        self._known: set[str] = set()  # ids whose themes have been read (none or some)
        self.details = details if details is not None else {}  # id -> (coder, stance)
        self._fetch_details = fetch_details
        self._asked: set[str] = set()  # ids whose details have been read (found or not)

    def ensure_themes(self, ids: list[str] | None) -> None:
        """Read the themes of these annotation ids (None: of every one) unless known."""
        if self._fetch_themes is None:
            return
        if ids is None:
            self.themes.update(self._fetch_themes(None))
            self._fetch_themes = None  # all known now
            return
        missing = [i for i in ids if i not in self._known]
        if missing:
            self.themes.update(self._fetch_themes(missing))
            self._known.update(missing)

    def ensure_details(self, ids: list[str] | None) -> None:
        """Read the coder and stance of these ids (None: of every one) unless known."""
        if self._fetch_details is None:
            return
        if ids is None:
            self.details.update(self._fetch_details(None))
            self._fetch_details = None  # all known now
            return
        missing = [i for i in ids if i not in self.details and i not in self._asked]
        if missing:
            self.details.update(self._fetch_details(missing))
            self._asked.update(missing)

    def detail(self, ann_id: str) -> Details:
        """(coder id, stance id) of a row; ("", None) for one deleted meanwhile."""
        found = self.details.get(ann_id)
        if found is None and self._fetch_details is not None:
            self.ensure_details([ann_id])
            found = self.details.get(ann_id)
        return found if found is not None else ("", None)

    def theme_ids(self, ann_id: str) -> list[str]:
        if self._fetch_themes is not None and ann_id not in self._known:
            self.ensure_themes([ann_id])
        return theme_ids(self.themes.get(ann_id), self.positions)

    def build(self, rows: list[Thin]) -> list[Annotation]:
        ids = [r[2] for r in rows]
        self.ensure_themes(ids)
        full = self.fetch(ids) if self.fetch else {}
        if len(full) < len(ids):
            self.ensure_details([i for i in ids if i not in full])
        out = []
        for start, end, ann_id in rows:
            if ann_id in full:
                values = dict(zip(ROW_COLUMNS, full[ann_id], strict=True))
            else:  # deleted meanwhile (or no reader): a refresh follows
                coder, stance = self.detail(ann_id)
                values = {"id": ann_id, "coder_id": coder, "start": start, "end": end,
                          "stance_id": stance, "document_id": self.document_id,
                          "quote": "", "note": None}
            # model_construct: the row was validated when it was written.
            out.append(Annotation.model_construct(**values, theme_ids=self.theme_ids(ann_id)))
        return out

    def key(self, item: Item) -> tuple[str | None, tuple[str, ...]]:
        """(stance id, theme ids): all a highlight's look depends on."""
        if isinstance(item, Annotation):
            return item.stance_id, tuple(item.theme_ids)
        return self.detail(item[2])[1], tuple(self.theme_ids(item[2]))

    def coder(self, item: Item) -> str:
        return item.coder_id if isinstance(item, Annotation) else self.detail(item[2])[0]


def item_id(item: Item) -> str:
    return item.id if isinstance(item, Annotation) else item[2]


class LazyAnnotations(MutableSequence[Annotation]):
    """A list of annotations whose members are built when first read (a page at a time)."""

    def __init__(self, items: list[Item] | None = None, source: RowSource | None = None,
                 ids: list[str] | None = None) -> None:
        self._items: list[Item] = items if items is not None else []
        self._source = source or RowSource()
        self._ids = ids  # the members' ids when the maker had them (until the list changes)

    @classmethod
    def of(cls, annotations: Sequence[Annotation]) -> LazyAnnotations:
        if isinstance(annotations, LazyAnnotations):
            return cls(list(annotations._items), annotations._source, annotations._ids)
        return cls(list(annotations))

    def ids(self) -> list[str]:
        if self._ids is not None and len(self._ids) == len(self._items):
            return self._ids
        return [item_id(it) for it in self._items]

    def filter_key(self, index: int) -> tuple[str, str | None, tuple[str, ...]]:
        """(coder, stance, themes) of a member without building it (list filters)."""
        self._source.ensure_themes(None)  # a filter asks about every row: one read each
        self._source.ensure_details(None)
        item = self._items[index]
        return (self._source.coder(item), *self._source.key(item))

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
        self._ids = None
        self._items[index] = value

    def __delitem__(self, index: Any) -> None:
        self._ids = None
        del self._items[index]

    def insert(self, index: int, value: Annotation) -> None:
        self._ids = None
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
    """Every shown annotation, as (start, end, id) sorted: the paint index; by id only once
    something looks one up by id (a dict built then, not at the open).

    The index is in code points, as stored, so a load converts nothing; the UTF-16 offsets Qt
    works in are converted at the edges, for the few spans a paint or a lookup touches.
    ``spans_between`` answers "which spans touch [first, last)" with two bisections, using the
    longest span as the look-back (an upper bound is enough)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self, utf16: Utf16Map | None = None) -> None:
        self._map = utf16 or Utf16Map("")
        self._source = RowSource()
        self._built: dict[str, Annotation] = {}  # built, or put by an edit
        self._thin: dict[str, Thin] | None = {}  # id -> index entry; None until asked for
        self.order: list[Thin] = []  # code points
        self.starts: list[int] = []
        self.max_len = 0

    # -- filling ---------------------------------------------------------------------------
    def load_rows(self, rows: list[Row], source: RowSource, utf16: Utf16Map) -> None:
        """Replace everything by SPAN_COLUMNS rows (their coders and stances known)."""
        source.details.update({r[_ID]: (r[_CODER], r[_STANCE]) for r in rows})
        self.load_spans([(r[_START], r[_END], r[_ID]) for r in rows], source, utf16)

    def load_spans(self, spans: list[Thin], source: RowSource, utf16: Utf16Map) -> None:
        """Replace everything by (start, end, id) rows of the text ``utf16`` maps, in any
        order; the list becomes the index (sorted in place)."""
        self.clear(utf16)
        self._source = source
        paused = gc.isenabled()
        gc.disable()  # tens of thousands of tuples and no cycles: no collector passes
        try:
            spans.sort()  # linear when SQLite handed them over in index order
            self.order = spans
            self.starts = list(map(_start_of, spans))
            # The longest span, by C-level map over the rows (no Python step per span).
            self.max_len = max(map(operator.sub, map(_end_of, spans), self.starts), default=0)
            self._thin = None
        finally:
            if paused:
                gc.enable()

    def load_annotations(self, annotations: list[Annotation], utf16: Utf16Map) -> None:
        self.clear(utf16)
        self._built = {a.id: a for a in annotations}
        self.order = sorted((a.start, a.end, a.id) for a in annotations)
        self.starts = [o[0] for o in self.order]
        self.max_len = max((e - s for s, e, _ in self.order), default=0)
        self._thin = None

    def _by_id(self) -> dict[str, Thin]:
        if self._thin is None:
            self._thin = {o[2]: o for o in self.order}
        return self._thin

    @property
    def _items(self) -> dict[str, Item]:
        """Every shown annotation by id: the built one, or its thin row (a new dict)."""
        return {**self._by_id(), **self._built}

    def put(self, ann: Annotation) -> tuple[int, int] | None:
        """Add or replace one annotation; returns its old extent (UTF-16) if it had one."""
        old = self.pop(ann.id)
        entry = (ann.start, ann.end, ann.id)
        self._built[ann.id] = ann
        self._by_id()[ann.id] = entry
        k = bisect.bisect_left(self.order, entry)
        self.order.insert(k, entry)
        self.starts.insert(k, ann.start)
        self.max_len = max(self.max_len, ann.end - ann.start)
        return old

    def pop(self, ann_id: str) -> tuple[int, int] | None:
        """Remove one annotation; returns its extent (UTF-16) if it was there."""
        entry = self._by_id().pop(ann_id, None)
        self._built.pop(ann_id, None)
        if entry is None:
            return None
        k = bisect.bisect_left(self.order, entry)
        if k < len(self.order) and self.order[k] == entry:
            del self.order[k]
            del self.starts[k]
        return self._to16(entry[0]), self._to16(entry[1])

    # -- reading ---------------------------------------------------------------------------
    def _to16(self, cp: int) -> int:
        return self._map.to_utf16(min(cp, self._map.length))

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, ann_id: object) -> bool:
        return isinstance(ann_id, str) and ann_id in self._by_id()

    def extent(self, ann_id: str) -> tuple[int, int] | None:
        """UTF-16 [start, end) of one annotation."""
        entry = self._by_id().get(ann_id)
        if entry is None:
            return None
        return self._to16(entry[0]), self._to16(entry[1])

    def annotation(self, ann_id: str) -> Annotation | None:
        built = self._built.get(ann_id)
        if built is not None:
            return built
        entry = self._by_id().get(ann_id)
        if entry is None:
            return None
        built = self._built[ann_id] = self._source.build([entry])[0]
        return built

    def coder_of(self, ann_id: str) -> str:
        built = self._built.get(ann_id)
        return built.coder_id if built is not None else self._source.detail(ann_id)[0]

    def look_key(self, ann_id: str) -> tuple[str | None, tuple[str, ...]]:
        built = self._built.get(ann_id)
        if built is not None:
            return built.stance_id, tuple(built.theme_ids)
        return self._source.detail(ann_id)[1], tuple(self._source.theme_ids(ann_id))

    def prepare_looks(self, ids: list[str]) -> None:
        """Read, in one go each, what the looks (or ranks) of these spans need: their
        coders and stances, and their themes."""
        unbuilt = [i for i in ids if i not in self._built]
        self._source.ensure_details(unbuilt)
        self._source.ensure_themes(unbuilt)

    def in_order(self) -> LazyAnnotations:
        """Every annotation in start order, built lazily: for the annotation list."""
        built = self._built
        items: list[Item] = [built.get(o[2], o) for o in self.order] if built else \
            list(self.order)
        return LazyAnnotations(items, self._source)

    def spans_between(self, first: int, last: int) -> list[tuple[int, int, str]]:
        """(start, end, id), UTF-16, of every span with end > first and start < last (UTF-16
        bounds), in start order."""
        first_cp = self._map.to_cp(min(first, self._map.length_utf16), snap="down")
        last_cp = self._map.to_cp(min(last, self._map.length_utf16), snap="up")
        lo = bisect.bisect_left(self.starts, first_cp - self.max_len)
        hi = bisect.bisect_left(self.starts, last_cp)
        to16 = self._to16
        return [(to16(s), to16(e), i) for s, e, i in self.order[lo:hi] if e > first_cp]

    def covering(self, u16: int) -> list[str]:
        """Ids of the spans with start <= u16 < end (UTF-16)."""
        cp = self._map.to_cp(min(u16, self._map.length_utf16), snap="down")
        lo = bisect.bisect_left(self.starts, cp - self.max_len)
        hi = bisect.bisect_right(self.starts, cp)
        return [i for s, e, i in self.order[lo:hi] if s <= cp < e]

    def with_extent(self, start: int, end: int) -> list[str]:
        """Ids of the spans whose extent is exactly [start, end) (code points)."""
        lo = bisect.bisect_left(self.order, (start, end, ""))
        found = []
        for s, e, i in self.order[lo:]:
            if (s, e) != (start, end):
                break
            found.append(i)
        return found
