"""The agreement engine's read of a project: every annotation's position, coder, stance,
creation time and themes as compact columns, one query per table.

Reading a million annotations as :class:`~desk_annotator.models.Annotation` models (one
``IN (…)`` theme query per 900 annotations, a model object per row) took most of an agreement
run (36 s of 52 on 1 M annotations). Here each table is read once by a single cursor, and ids are
turned into small integer codes (indices into the lists returned beside them) as the rows come
in, so the caller never holds a Python object per annotation. Run it inside
``Project.reading()`` so the tables come from one snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .queries import Queries, _chunks


@dataclass
class SpanRows:
    """Columns of the annotations of the chosen documents (ann_* arrays: one entry per
    annotation, in document order, then start, end, created — the order of
    ``Queries.annotations``)."""

    doc_ids: list[str]  # documents in corpus-list order (rowid)
    doc_titles: list[str]
    doc_lengths: np.ndarray  # (D,) int64
    coder_ids: list[str]  # every coder of the file; ann_coder / done_coder index it
    label_ids: list[str]  # every label of the file; ann_stance / theme_label index it
    ann_doc: np.ndarray  # (A,) int64 index into doc_ids
    ann_coder: np.ndarray  # (A,) int64
    ann_start: np.ndarray  # (A,) int64
    ann_end: np.ndarray  # (A,) int64
    ann_stance: np.ndarray  # (A,) int64, -1 without a stance (or an unknown label id)
    ann_created: np.ndarray  # (A,) int64 index into stamps
    stamps: list[str]  # the distinct creation stamps, as stored (ISO text)
    theme_row: np.ndarray  # (P,) annotation row of each (annotation, theme) pair
    theme_label: np.ndarray  # (P,) int64 label index
    done_doc: np.ndarray  # (S,) document index of each 'done' status
    done_coder: np.ndarray  # (S,) coder index


def _codes(values: tuple | list, index: dict[str, int]) -> np.ndarray:
    """index[v] of each value, -1 for values not in `index` (e.g. NULL)."""
    try:
        return np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    except KeyError:
        get = index.get
        return np.fromiter((get(v, -1) for v in values), dtype=np.int64, count=len(values))


def _where_documents(column: str, document_ids: list[str] | None) -> list[tuple[str, list[str]]]:
    """WHERE clauses (with their parameters) that together cover the chosen documents."""
    if document_ids is None:
        return [("", [])]
    return [(f"WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)
            for chunk in _chunks(document_ids)]


BATCH = 65_536  # rows per fetch: the Python tuples of one batch only, never of the whole table


def _annotation_columns(q: Queries, document_ids: list[str] | None, doc_index: dict[str, int],
                        coder_index: dict[str, int], label_index: dict[str, int]
                        ) -> tuple[list[np.ndarray], list[str]]:
    """rowid, document, coder, start, end, stance and created-stamp code of every annotation
    (in table order), and the distinct stamps the codes index."""
    parts: list[list[np.ndarray]] = [[] for _ in range(7)]
    stamps: dict[str, int] = {}
    for where, params in _where_documents("document_id", document_ids):
        cursor = q.db.execute("SELECT rowid, document_id, coder_id, start, [end], stance_id, "
                              f"created FROM annotations {where}", params)
        while rows := cursor.fetchmany(BATCH):
            rowid, doc, coder, start, end, stance, created = zip(*rows)
            n = len(rows)
            parts[0].append(np.fromiter(rowid, np.int64, n))
            parts[1].append(_codes(doc, doc_index))
            parts[2].append(_codes(coder, coder_index))
            parts[3].append(np.fromiter(start, np.int64, n))
            parts[4].append(np.fromiter(end, np.int64, n))
            parts[5].append(_codes(stance, label_index))
            for stamp in dict.fromkeys(created):  # new distinct stamps get the next codes
                stamps.setdefault(stamp, len(stamps))
            parts[6].append(np.fromiter(map(stamps.__getitem__, created), np.int64, n))
    columns = [np.concatenate(p) if p else np.zeros(0, np.int64) for p in parts]
    return columns, list(stamps)


def _sorted_by(doc: np.ndarray, start: np.ndarray, end: np.ndarray, coder: np.ndarray,
               rowid: np.ndarray) -> np.ndarray:
    """Indices ordering rows by document, start, end, coder, then rowid (table order): one
    stable sort of a single integer key when it fits in 63 bits (several times faster than a
    five-key lexsort of a million rows)."""
    if doc.size == 0:
        return np.zeros(0, dtype=np.int64)
    span = int(max(start.max(), end.max())) + 1
    coders = int(coder.max()) + 2
    if start.min() >= 0 and (int(doc.max()) + 1) * span * span * coders < 2**62 \
            and bool((np.diff(rowid) > 0).all()):  # rows already in rowid order
        key = ((doc * span + start) * span + end) * coders + (coder + 1)
        return np.argsort(key, kind="stable")
    return np.lexsort((rowid, coder, end, start, doc))


def _query_order(doc: np.ndarray, coder: np.ndarray, start: np.ndarray, end: np.ndarray,
                 created: np.ndarray, stamps: list[str], rowid: np.ndarray) -> np.ndarray:
    """The order of ``Queries.annotations`` for each coder (document, start, end, created as
    text), sorted here rather than by SQLite; creation stamps are compared only where one coder
    has several spans of the same extent (they break the stance rule's ties)."""
    order = _sorted_by(doc, start, end, coder, rowid)
    d, c, s, e = doc[order], coder[order], start[order], end[order]
    same = (d[1:] == d[:-1]) & (c[1:] == c[:-1]) & (s[1:] == s[:-1]) & (e[1:] == e[:-1])
    if not same.any():
        return order
    tied = np.zeros(order.size, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    codes = np.unique(created[order[tied]])
    rank_of = {code: r for r, code in enumerate(sorted(codes.tolist(), key=stamps.__getitem__))}
    rank = np.zeros(order.size, dtype=np.int64)
    rank[order[tied]] = [rank_of[x] for x in created[order[tied]].tolist()]
    return np.lexsort((rowid, rank, coder, end, start, doc))


def span_rows(q: Queries, document_ids: list[str] | None = None) -> SpanRows:
    """The agreement columns of `document_ids` (default: every document)."""
    if document_ids is None:
        docs = q.db.execute("SELECT id, title, length FROM documents ORDER BY rowid").fetchall()
    else:
        docs = []
        for chunk in _chunks(document_ids):
            docs += q.db.execute("SELECT rowid, id, title, length FROM documents WHERE id IN "
                                 f"({','.join('?' * len(chunk))})", chunk).fetchall()
        docs = [row[1:] for row in sorted(docs)]
    doc_ids = [r[0] for r in docs]
    doc_index = {d: i for i, d in enumerate(doc_ids)}
    coder_ids = [r[0] for r in q.db.execute("SELECT id FROM coders ORDER BY rowid")]
    coder_index = {c: i for i, c in enumerate(coder_ids)}
    label_ids = [r[0] for r in q.db.execute("SELECT id FROM labels ORDER BY rowid")]
    label_index = {lb: i for i, lb in enumerate(label_ids)}

    (rowid, ann_doc, ann_coder, ann_start, ann_end, ann_stance, created), stamps = \
        _annotation_columns(q, document_ids, doc_index, coder_index, label_index)
    n = rowid.size
    known = np.flatnonzero(ann_doc >= 0)
    order = known[_query_order(ann_doc[known], ann_coder[known], ann_start[known],
                               ann_end[known], created[known], stamps, rowid[known])]
    position = np.full(n, -1, dtype=np.int64)  # table row -> row in the final order
    position[order] = np.arange(order.size)

    theme_rowid, theme_code = [], []
    for where, params in _where_documents("a.document_id", document_ids):
        cursor = q.db.execute("SELECT a.rowid, t.label_id FROM annotation_themes t "
                              f"JOIN annotations a ON a.id = t.annotation_id {where}", params)
        while rows := cursor.fetchmany(BATCH):
            ids, labels = zip(*rows)
            theme_rowid.append(np.fromiter(ids, np.int64, len(rows)))
            theme_code.append(_codes(labels, label_index))
    t_rowid = np.concatenate(theme_rowid) if theme_rowid else np.zeros(0, np.int64)
    t_label = np.concatenate(theme_code) if theme_code else np.zeros(0, np.int64)
    by_rowid = np.argsort(rowid)
    sorted_rowid = rowid[by_rowid]
    at = np.minimum(np.searchsorted(sorted_rowid, t_rowid), max(n - 1, 0))
    hit = (sorted_rowid[at] == t_rowid) if n else np.zeros(t_rowid.size, bool)
    theme_row = position[by_rowid[at[hit]]]
    t_label = t_label[hit]
    keep = theme_row >= 0
    theme_row, t_label = theme_row[keep], t_label[keep]
    pair_order = np.argsort(theme_row, kind="stable")

    done = q.db.execute("SELECT document_id, coder_id FROM doc_status WHERE status = 'done'"
                        ).fetchall()
    return SpanRows(
        doc_ids, [r[1] for r in docs], np.fromiter((r[2] for r in docs), np.int64, len(docs)),
        coder_ids, label_ids, ann_doc[order], ann_coder[order], ann_start[order], ann_end[order],
        ann_stance[order], created[order], stamps, theme_row[pair_order], t_label[pair_order],
        _codes([r[0] for r in done], doc_index), _codes([r[1] for r in done], coder_index))
