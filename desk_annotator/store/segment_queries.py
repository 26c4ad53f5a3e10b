"""Paged reads of coded segments for the Retrieve window (analysis/retrieve_pages.py).

The filters are those of a retrieval (documents, coders, stances, labels any/all) applied in
SQL, so a million annotations are never loaded to show the first page:

- :func:`segment_total` counts the matches (through the indexes);
- :func:`segment_page` streams them in corpus order (documents in import order, then start,
  end) by key, like ``Queries.annotation_page``: a deep page costs what the first one does;
- :func:`sorted_segment_rowids` returns every match's rowid in another order (coder, stance,
  length, title, quote) once, and :func:`segments_by_rowid` reads a slice of them.

Labels are given as groups of terms, one group per chosen label name (a name used by a stance
and a theme is two terms of one group): ``match_all`` needs a term of every group, otherwise
one term of any group suffices. A term is ``("stance", label_id)`` or ``("theme", label_id)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Annotation
from .queries import _ANN_COLS, Queries, _chunks

Term = tuple[str, str]
Key = tuple[int, int, int, int]
SORTS = ("document", "coder", "stance", "length", "title", "quote")
_SELECT = ", ".join("a." + c.strip() for c in _ANN_COLS.split(","))


@dataclass(frozen=True)
class SegmentFilter:
    document_ids: tuple[str, ...] | None = None  # None: every document
    coder_ids: tuple[str, ...] | None = None
    stance_ids: tuple[str, ...] | None = None
    label_groups: tuple[tuple[Term, ...], ...] | None = None
    match_all: bool = False

    @property
    def empty(self) -> bool:
        """A filter nothing can pass (no documents, coders, stances or label terms)."""
        return any(v is not None and len(v) == 0 for v in
                   (self.document_ids, self.coder_ids, self.stance_ids)) or (
            self.label_groups is not None and not any(self.label_groups))


def _term(term: Term, use_indexes: bool, theme_index: bool = True) -> tuple[str, str]:
    scheme, label_id = term
    if scheme == "stance":
        return ("a.stance_id = ?" if use_indexes else "+a.stance_id = ?"), label_id
    if use_indexes and theme_index:
        return "a.id IN (SELECT annotation_id FROM annotation_themes WHERE label_id = ?)", label_id
    return ("EXISTS (SELECT 1 FROM annotation_themes t WHERE t.annotation_id = a.id "
            "AND t.label_id = ?)"), label_id


def _where(f: SegmentFilter, use_indexes: bool) -> tuple[list[str], list[Any]]:
    """WHERE terms over ``a`` (annotations) and ``d`` (documents). use_indexes=False keeps
    SQLite walking documents first (see Queries._annotation_filter). With a coder or stance
    filter, themes are checked per row (EXISTS): the coder/stance index then drives the
    query over fewer rows than the theme index would (measured: about 40% faster)."""
    theme_index = f.coder_ids is None and f.stance_ids is None
    plus = "" if use_indexes else "+"
    where: list[str] = []
    params: list[Any] = []
    if f.document_ids is not None:
        # One JSON parameter, not one per id: no limit on the number of documents.
        where.append("d.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(f.document_ids)))
    for column, values in (("coder_id", f.coder_ids), ("stance_id", f.stance_ids)):
        if values is not None:
            where.append(f"{plus}a.{column} IN ({','.join('?' * len(values))})")
            params += list(values)
    if f.label_groups is not None:
        groups = []
        for group in f.label_groups:
            terms = [_term(t, use_indexes, theme_index) for t in group]
            groups.append("(" + " OR ".join(sql for sql, _ in terms) + ")")
            params += [p for _, p in terms]
        where.append("(" + (" AND " if f.match_all else " OR ").join(groups) + ")")
    return where, params


def segment_total(q: Queries, f: SegmentFilter) -> int:
    if f.empty:
        return 0
    where, params = _where(f, True)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    join = "JOIN documents d ON d.id = a.document_id" if f.document_ids is not None else ""
    return q.db.execute(f"SELECT count(*) FROM annotations a {join} {clause}",
                        params).fetchone()[0]


def segment_page(q: Queries, f: SegmentFilter, after: Key | None, limit: int, *,
                 descending: bool = False, few_matches: bool = False
                 ) -> tuple[list[Annotation], Key | None]:
    """One page in corpus order and the key of the next (None: no more). few_matches: the
    caller knows only a few thousand match, so SQLite may find them by index and sort."""
    if f.empty or limit <= 0:
        return [], None
    where, params = _where(f, few_matches)
    return q.keyset_page(where, params, after, limit, descending=descending,
                         few_matches=few_matches)


_ORDER = {
    "coder": "(SELECT name FROM coders c WHERE c.id = a.coder_id) COLLATE NOCASE",
    "stance": "(SELECT position FROM labels l WHERE l.id = a.stance_id)",
    "length": "a.[end] - a.start",
    "title": "d.title COLLATE NOCASE",
    "quote": "a.quote COLLATE NOCASE",
}


def sorted_segment_rowids(q: Queries, f: SegmentFilter, sort: str,
                          descending: bool = False) -> list[int]:
    """Every match's annotation rowid, ordered by ``sort`` (ties in corpus order)."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {', '.join(SORTS)}")
    if f.empty:
        return []
    where, params = _where(f, True)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    direction = "DESC" if descending else "ASC"
    first = f"{_ORDER[sort]} {direction}, " if sort != "document" else ""
    return [r[0] for r in q.db.execute(
        f"SELECT a.rowid FROM annotations a JOIN documents d ON d.id = a.document_id {clause} "
        f"ORDER BY {first}d.rowid {direction}, a.start {direction}, a.[end] {direction}, "
        f"a.rowid {direction}", params)]


def segments_by_rowid(q: Queries, rowids: Sequence[int]) -> list[Annotation]:
    """The annotations of these rowids in the given order (deleted ones left out)."""
    rows: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(rowids)):
        cur = q.db.execute(f"SELECT {_SELECT}, a.rowid AS ann_rowid FROM annotations a "
                           f"WHERE a.rowid IN ({','.join('?' * len(chunk))})", chunk)
        cols = [c[0] for c in cur.description]
        for r in cur:
            row = dict(zip(cols, r))
            rows[row.pop("ann_rowid")] = row
    return q._with_themes([rows[i] for i in rowids if i in rows])
