"""Retrieval a page at a time, for windows that must open on a million annotations.

:func:`retrieve` (analysis/retrieve.py) builds the whole result; the Retrieve window instead
asks :class:`SegmentPager` for pages: the filters become one SQL filter
(store/segment_queries.py) whose total is known up front, and only the segments of a page get
their context (the sentence, or N characters either side) computed. The selection is that of
a :class:`~desk_annotator.analysis.retrieve.RetrievalQuery`, plus a document set and one
"variable = value" condition (built-in or custom variable; text compared case-insensitively,
an empty value meaning "not set").

Orders: ``document`` (corpus order) streams by key; ``coder``, ``stance`` (codebook order),
``length``, ``title`` and ``quote`` read every match's row id once in that order and page
through it. Headless: reads through a ``Queries`` (the project's, or an export thread's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..document_sets import set_members
from ..store import segment_queries as sq
from ..variables import find_variable, variable_values
from .retrieve import (
    RetrievalError,
    RetrievalQuery,
    Segment,
    _add_context,
    _document_filter,
    _resolve_labels,
    parse_context,
)

PAGE_SIZE = 500
FEW_MATCHES = 5000  # up to this many, finding matches by index and sorting beats walking
SORTS = sq.SORTS


def parse_condition(text: str | None) -> tuple[str, str] | None:
    """``"outlet = Times"`` -> ("outlet", "Times"); blank -> None."""
    if text is None or not text.strip():
        return None
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise RetrievalError(f"a variable condition reads 'variable = value', not {text!r}")
    return name.strip(), value.strip()


def _matches_value(value: Any, wanted: str) -> bool:
    if value is None or value == "":
        return wanted == ""
    return str(value).strip().casefold() == wanted.casefold()


def build_filter(q: Any, query: RetrievalQuery, *, set_name: str | None = None,
                 condition: tuple[str, str] | None = None
                 ) -> tuple[sq.SegmentFilter, list[str] | None]:
    """The SQL filter of a retrieval and the label names it chose (for Segment.chosen).
    Unknown labels, stances, coders, sets or variables raise one error naming them."""
    codebook = q.codebook()
    chosen = _resolve_labels(codebook, query.labels)
    stances = _resolve_labels(codebook, query.stances, "stance")
    groups = None
    if chosen is not None:
        groups = tuple(tuple(("stance" if lb.scheme == "stance" else "theme", lb.id)
                             for lb in codebook.labels if lb.name == name) for name in chosen)
    stance_ids = None if stances is None else tuple(
        lb.id for lb in codebook.labels if lb.scheme == "stance" and lb.name in stances)
    coder_ids = None
    if query.coders is not None:
        by_name = {c.name: c.id for c in q.coders()}
        unknown = [n for n in query.coders if n not in by_name]
        if unknown:
            raise RetrievalError(f"no coder named {', '.join(map(repr, unknown))} "
                                 f"(coders: {', '.join(sorted(by_name)) or 'none'})")
        coder_ids = tuple(by_name[n] for n in query.coders)
        if set(coder_ids) == set(by_name.values()):
            coder_ids = None  # every coder: no filter (an IN over all of them is slow in SQL)
    documents = _documents(q, query, set_name, condition)
    return sq.SegmentFilter(document_ids=documents, coder_ids=coder_ids, stance_ids=stance_ids,
                            label_groups=groups, match_all=query.match_all), chosen


def _documents(q: Any, query: RetrievalQuery, set_name: str | None,
               condition: tuple[str, str] | None) -> tuple[str, ...] | None:
    restricted = any(v is not None for v in (query.documents, query.outlets, query.authors,
                                             query.languages)) or bool(
        query.date_from or query.date_to or set_name or condition)
    if not restricted:
        return None
    allowed: set[str] | None = set(query.documents) if query.documents is not None else None
    if set_name:
        members = set(set_members(q, set_name))
        allowed = members if allowed is None else allowed & members
    if condition is not None:
        hits = set(documents_where(q, condition))
        allowed = hits if allowed is None else allowed & hits
    infos = q.document_infos(sorted(allowed) if allowed is not None else None)
    return tuple(i.id for i in infos if _document_filter(i, query))


def documents_where(q: Any, condition: tuple[str, str]) -> list[str]:
    """Ids of the documents whose variable ``condition[0]`` has the value ``condition[1]``
    (module doc), in corpus order."""
    var = find_variable(q, condition[0])
    values = variable_values(q, var.name)
    return [d for d, v in values.items() if _matches_value(v, condition[1])]


class SegmentPager:
    """The segments of a filter, a page at a time, in one order (module doc)."""

    def __init__(self, q: Any, flt: sq.SegmentFilter, *, chosen: list[str] | None = None,
                 context: str | int = "sentence", sort: str = "document",
                 descending: bool = False, page_size: int = PAGE_SIZE) -> None:
        if sort not in SORTS:
            raise RetrievalError(f"sort by one of {', '.join(SORTS)}, not {sort!r}")
        self.q, self.filter, self.chosen = q, flt, chosen
        self.context = parse_context(context)
        self.sort, self.descending, self.page_size = sort, descending, page_size
        self.total = sq.segment_total(q, flt)
        self.exhausted = self.total == 0
        self._key: sq.Key | None = None
        self._rowids: list[int] | None = None
        self._position = 0
        codebook = q.codebook()
        self._names = {lb.id: lb.name for lb in codebook.labels}
        self._coders = {c.id: c.name for c in q.coders()}
        self._infos: dict[str, Any] = {}

    def next_page(self) -> list[Segment]:
        """The next page of segments with their context ([] once exhausted)."""
        if self.exhausted:
            return []
        if self.sort == "document":
            anns, self._key = sq.segment_page(
                self.q, self.filter, self._key, self.page_size, descending=self.descending,
                few_matches=self.total <= FEW_MATCHES)
            self.exhausted = self._key is None
        else:
            if self._rowids is None:
                self._rowids = sq.sorted_segment_rowids(self.q, self.filter, self.sort,
                                                        self.descending)
            part = self._rowids[self._position:self._position + self.page_size]
            self._position += len(part)
            self.exhausted = self._position >= len(self._rowids)
            anns = sq.segments_by_rowid(self.q, part)
        return self._segments(anns)

    def __iter__(self) -> Iterator[Segment]:
        while not self.exhausted:
            yield from self.next_page()

    def _info(self, document_id: str) -> Any:
        info = self._infos.get(document_id)
        if info is None:
            found = self.q.document_infos([document_id])
            info = self._infos[document_id] = found[0] if found else None
        return info

    def _segments(self, anns: list[Any]) -> list[Segment]:
        missing = sorted({a.document_id for a in anns} - set(self._infos))
        for info in self.q.document_infos(missing) if missing else []:
            self._infos[info.id] = info
        out: list[Segment] = []
        by_document: dict[str, list[Segment]] = {}
        for ann in anns:
            info = self._info(ann.document_id)
            s = Segment(
                annotation_id=ann.id, document_id=ann.document_id,
                title=info.title if info else "?", metadata=dict(info.metadata) if info else {},
                coder=self._coders.get(ann.coder_id, ann.coder_id), start=ann.start,
                end=ann.end, quote=ann.quote,
                stance=self._names.get(ann.stance_id) if ann.stance_id else None,
                themes=[self._names[t] for t in ann.theme_ids if t in self._names],
                note=ann.note)
            if self.chosen is not None:
                carried = set(s.labels)
                s.chosen = [n for n in self.chosen if n in carried]
            out.append(s)
            by_document.setdefault(s.document_id, []).append(s)
        for document_id, segments in by_document.items():
            _add_context(self.q, document_id, segments, self.context)
        return out


def pager_for(q: Any, query: RetrievalQuery, *, set_name: str | None = None,
              condition: tuple[str, str] | None = None, sort: str = "document",
              descending: bool = False, page_size: int = PAGE_SIZE) -> SegmentPager:
    flt, chosen = build_filter(q, query, set_name=set_name, condition=condition)
    return SegmentPager(q, flt, chosen=chosen, context=query.context, sort=sort,
                        descending=descending, page_size=page_size)
