"""The open document's annotations for the reading view, as plain rows: the fastest read.

The reading view indexes thin rows (start, end, id) directly and reads a span's coder,
stance and themes for the spans a paint draws, and builds an Annotation only for the ones
something asks about, reading their quote and note then, a page at a time
(gui/span_index.py). So opening a document with 50,000 annotations costs one narrow SELECT
and a sort, not 50,000 models and 50,000 quotes.
"""

from __future__ import annotations

from typing import Any

from .queries import Queries

SPAN_COLUMNS = ("id", "coder_id", "start", "end", "stance_id")  # set_annotation_rows' rows
SEPARATOR = "\x1f"  # between theme ids in one group_concat: never in an id
ROW_COLUMNS = ("id", "document_id", "coder_id", "start", "end", "quote", "stance_id", "note",
               "created", "updated")
SPAN_ORDER = ("start", "end", "id")  # a thin row: the reading view's index entry


def document_spans(q: Queries, document_id: str, coder_ids: list[str] | None
                   ) -> list[tuple[int, int, str]]:
    """SPAN_ORDER rows of a document's annotations by these coders (None = every coder), in
    no particular order. Three columns, not five: two strings fewer per row is most of
    what reading 50,000 rows costs."""
    coder_clause, params = _coder_clause(document_id, coder_ids)
    if coder_clause is None:
        return []
    # Not sorted by SQLite: its temporary B-tree costs more than the caller's one sort.
    return q.db.execute("SELECT start, [end], id FROM annotations "
                        f"WHERE document_id = ?{coder_clause}", params).fetchall()


def span_details(q: Queries, document_id: str, coder_ids: list[str] | None,
                 ids: list[str] | None = None) -> dict[str, tuple[str, str | None]]:
    """(coder id, stance id) by annotation id: of these ids, or (None) of the whole
    document's annotations by these coders."""
    if ids is not None:
        found: dict[str, tuple[str, str | None]] = {}
        for n in range(0, len(ids), 900):  # SQLite's parameter limit
            chunk = ids[n:n + 900]
            for ann_id, coder, stance in q.db.execute(
                    "SELECT id, coder_id, stance_id FROM annotations "
                    f"WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                found[ann_id] = (coder, stance)
        return found
    coder_clause, params = _coder_clause(document_id, coder_ids)
    if coder_clause is None:
        return {}
    return {ann_id: (coder, stance) for ann_id, coder, stance in q.db.execute(
        f"SELECT id, coder_id, stance_id FROM annotations WHERE document_id = ?{coder_clause}",
        params)}


def span_themes(q: Queries, document_id: str, coder_ids: list[str] | None,
                ids: list[str] | None = None) -> dict[str, str]:
    """Joined theme ids by annotation id: of these ids, or (None) of the whole document's
    annotations by these coders. Annotations without themes are left out."""
    if ids is not None:
        found: dict[str, str] = {}
        for n in range(0, len(ids), 900):  # SQLite's parameter limit
            chunk = ids[n:n + 900]
            found.update(q.db.execute(
                "SELECT annotation_id, group_concat(label_id, char(31)) FROM annotation_themes "
                f"WHERE annotation_id IN ({','.join('?' * len(chunk))}) GROUP BY annotation_id",
                chunk).fetchall())
        return found
    coder_clause, params = _coder_clause(document_id, coder_ids)
    if coder_clause is None:
        return {}
    # One string per annotation, grouped along the primary key: no Python loop per theme.
    return dict(q.db.execute(
        "SELECT annotation_id, group_concat(label_id, char(31)) FROM annotation_themes "
        f"WHERE annotation_id IN (SELECT id FROM annotations WHERE document_id = ?{coder_clause})"
        " GROUP BY annotation_id", params).fetchall())


def _coder_clause(document_id: str, coder_ids: list[str] | None
                  ) -> tuple[str | None, list[Any]]:
    """The WHERE tail and parameters for these coders; None when no coder is to be shown."""
    if coder_ids is None:
        return "", [document_id]
    if not coder_ids:
        return None, []
    return f" AND coder_id IN ({','.join('?' * len(coder_ids))})", [document_id, *coder_ids]


def label_positions(q: Queries) -> dict[str, int]:
    return dict(q.db.execute("SELECT id, position FROM labels").fetchall())


def theme_ids(joined: str | None, positions: dict[str, int]) -> list[str]:
    """A group_concat of theme ids as a list in codebook order."""
    if not joined:
        return []
    ids = joined.split(SEPARATOR)
    if len(ids) > 1:
        ids.sort(key=lambda i: positions.get(i, 0))
    return ids


def annotation_rows(q: Queries, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """Full ROW_COLUMNS rows of these annotations by id (missing ones are left out)."""
    found: dict[str, tuple[Any, ...]] = {}
    for n in range(0, len(ids), 900):  # SQLite's parameter limit
        chunk = ids[n:n + 900]
        for row in q.db.execute(
                "SELECT id, document_id, coder_id, start, [end], quote, stance_id, note, "
                f"created, updated FROM annotations WHERE id IN ({','.join('?' * len(chunk))})",
                chunk):
            found[row[0]] = row
    return found
