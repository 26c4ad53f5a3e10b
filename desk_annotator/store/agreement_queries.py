"""The agreement engine's read of a project: every annotation's position, coder, stance,
creation stamp and themes as compact columns.

Reading a million annotations as :class:`~desk_annotator.models.Annotation` models took most of
an agreement run (36 s of 52 on 1 M annotations), and so did fetching them row by row (~8 s:
the sqlite3 module makes a Python object per cell, seven per annotation, three of them 36-char
ids). Here SQLite itself turns ids into integers (the rowids of the document, coder and label,
by a join on each table's key) and hands each column of a block of rows over as *one* text
(``group_concat``): numpy parses the integers in C, and the creation stamps stay one UTF-8
buffer with each stamp's byte range (:class:`Texts`), so no Python object is made per
annotation. A block whose text does not read back to its row count (a stamp holding the
separator, a non-integer offset) is fetched row by row instead, with the same result.
Run it inside ``Project.reading()`` so the tables come from one snapshot.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .queries import Queries, _chunks


@dataclass
class Texts:
    """Strings without an object each: one UTF-8 buffer and every string's byte range."""

    data: bytes
    start: np.ndarray  # (N,) int64 byte offsets into data
    end: np.ndarray  # (N,) int64, exclusive

    def text(self, i: int) -> str:
        return self.data[int(self.start[i]):int(self.end[i])].decode("utf-8")

    def take(self, rows: np.ndarray) -> Texts:
        return Texts(self.data, self.start[rows], self.end[rows])

    @classmethod
    def of(cls, strings: list[str]) -> Texts:
        encoded = [s.encode("utf-8") for s in strings]
        lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
        ends = np.cumsum(lengths)
        return cls(b"".join(encoded), ends - lengths, ends)

    @classmethod
    def joined(cls, parts: list[Texts]) -> Texts:
        shift = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
        return cls(b"".join(p.data for p in parts),
                   np.concatenate([p.start + s for p, s in zip(parts, shift)] or [_NONE]),
                   np.concatenate([p.end + s for p, s in zip(parts, shift)] or [_NONE]))


_NONE = np.zeros(0, dtype=np.int64)


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
    ann_created: Texts  # (A,) the creation stamps as stored (ISO text)
    theme_row: np.ndarray  # (P,) annotation row of each (annotation, theme) pair
    theme_label: np.ndarray  # (P,) int64 label index
    done_doc: np.ndarray  # (S,) document index of each 'done' status
    done_coder: np.ndarray  # (S,) coder index


def _codes(values: tuple | list, index: dict[str, int]) -> np.ndarray:
    """index[v] of each value, -1 for values not in `index` (e.g. NULL)."""
    get = index.get
    return np.fromiter((get(v, -1) for v in values), dtype=np.int64, count=len(values))


def _positions(rowids: np.ndarray, table_rowids: np.ndarray) -> np.ndarray:
    """The index in `table_rowids` (ascending) of each rowid; -1 where it is not there."""
    if not table_rowids.size:
        return np.full(rowids.size, -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(table_rowids, rowids), table_rowids.size - 1)
    return np.where(table_rowids[at] == rowids, at, -1).astype(np.int64)


def _integers(text: str | None, count: int) -> np.ndarray | None:
    """A group_concat of `count` integers as an array; None when it does not parse to
    exactly that many (the caller then reads the rows one by one)."""
    if not count:
        return np.zeros(0, dtype=np.int64)
    if not text:
        return None
    with warnings.catch_warnings():  # numpy warns, and stops, at text it cannot read
        warnings.simplefilter("ignore", DeprecationWarning)
        values = np.fromstring(text, dtype=np.int64, sep=",")
    return values if values.size == count else None


def _separated(text: str | None, count: int) -> Texts | None:
    """A group_concat of `count` strings separated by SEPARATOR, without splitting it."""
    if not count:
        return Texts(b"", _NONE, _NONE)
    data = (text or "").encode("utf-8")
    cuts = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == SEPARATOR_BYTE)
    if cuts.size != count - 1:  # a string that holds the separator itself
        return None
    return Texts(data, np.concatenate(([0], cuts + 1)), np.concatenate((cuts, [len(data)])))


BLOCK = 1 << 18  # rowids per query block: bounds each group_concat text (SQLite's limit: 1 GB)
SEPARATOR_BYTE = 0x1F  # between creation stamps: the unit separator, not part of an ISO stamp

_ANNOTATION_FROM = ("FROM annotations a JOIN documents d ON d.id = a.document_id "
                    "LEFT JOIN coders c ON c.id = a.coder_id "
                    "LEFT JOIN labels l ON l.id = a.stance_id ")
_ANNOTATION_INTS = ["a.rowid", "d.rowid", "ifnull(c.rowid, -1)", "a.start", "a.[end]",
                    "ifnull(l.rowid, -1)"]
_CREATED = "ifnull(a.created, '')"
_THEME_FROM = ("FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
               "LEFT JOIN labels l ON l.id = t.label_id ")
_THEME_INTS = ["a.rowid", "ifnull(l.rowid, -1)"]


def _blocks(q: Queries, table_alias: str, table: str, document_ids: list[str] | None
            ) -> list[tuple[str, list]]:
    """WHERE clauses (with parameters) that together cover the chosen documents' rows: blocks
    of rowids of the scanned table for every document, else the documents in chunks."""
    if document_ids is not None:
        return [(f"WHERE a.document_id IN ({','.join('?' * len(chunk))})", chunk)
                for chunk in _chunks(document_ids)]
    # Two subqueries: SQLite reads a lone min() or max() off the b-tree's edge, but scans the
    # whole table for both in one select.
    low, high = q.db.execute(f"SELECT (SELECT min(rowid) FROM {table}), "
                             f"(SELECT max(rowid) FROM {table})").fetchone()
    if low is None:
        return []
    return [(f"WHERE {table_alias}.rowid >= ? AND {table_alias}.rowid < ?", [s, s + BLOCK])
            for s in range(low, high + 1, BLOCK)]


Block = tuple[list[np.ndarray], Texts | None]


def _aggregated(q: Queries, sql_from: str, ints: list[str], where: str, params: list,
                text: str | None) -> Block | None:
    """One block as columns from one row of group_concats, or None if a column does not
    read back (then :func:`_one_by_one`)."""
    columns = [f"group_concat({c})" for c in ints]
    if text is not None:
        columns.append(f"group_concat({text}, char({SEPARATOR_BYTE}))")
    row = q.db.execute(f"SELECT count(*), {', '.join(columns)} {sql_from}{where}",
                       params).fetchone()
    count = row[0]
    arrays = [_integers(value, count) for value in row[1:1 + len(ints)]]
    texts = _separated(row[-1], count) if text is not None else None
    if any(a is None for a in arrays) or (text is not None and texts is None):
        return None
    return arrays, texts  # type: ignore[return-value]


def _one_by_one(q: Queries, sql_from: str, ints: list[str], where: str, params: list,
                text: str | None) -> Block:
    """The same block, fetched row by row (the sqlite3 module's own conversions)."""
    columns = ints + ([text] if text is not None else [])
    rows = q.db.execute(f"SELECT {', '.join(columns)} {sql_from}{where}", params).fetchall()
    n = len(rows)
    arrays = [np.fromiter((int(r[i]) for r in rows), np.int64, n) for i in range(len(ints))]
    return arrays, Texts.of([str(r[-1]) for r in rows]) if text is not None else None


def _read(q: Queries, sql_from: str, ints: list[str], text: str | None, table_alias: str,
          table: str, document_ids: list[str] | None) -> tuple[list[np.ndarray], Texts]:
    """Every block of a query: its integer columns, and its text column (if any)."""
    parts: list[list[np.ndarray]] = [[] for _ in ints]
    texts: list[Texts] = []
    for where, params in _blocks(q, table_alias, table, document_ids):
        arrays, block_texts = _aggregated(q, sql_from, ints, where, params, text) or \
            _one_by_one(q, sql_from, ints, where, params, text)
        for column, values in zip(parts, arrays):
            column.append(values)
        if block_texts is not None:
            texts.append(block_texts)
    return [np.concatenate(p) if p else _NONE for p in parts], Texts.joined(texts)


def _sorted_by(doc: np.ndarray, start: np.ndarray, end: np.ndarray, coder: np.ndarray,
               rowid: np.ndarray) -> np.ndarray:
    """Indices ordering rows (given in rowid order) by document, start, end, coder, then rowid:
    one stable sort of a single integer key when it fits in 63 bits (several times faster
    than a five-key lexsort of a million rows)."""
    if doc.size == 0:
        return np.zeros(0, dtype=np.int64)
    span = int(max(start.max(), end.max())) + 1
    coders = int(coder.max()) + 2
    if start.min() >= 0 and (int(doc.max()) + 1) * span * span * coders < 2**62:
        key = ((doc * span + start) * span + end) * coders + (coder + 1)
        return np.argsort(key, kind="stable")
    return np.lexsort((rowid, coder, end, start, doc))


def _ids(q: Queries, rowids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(rowids):
        found.update(q.db.execute("SELECT rowid, id FROM annotations WHERE rowid IN "
                                  f"({','.join('?' * len(chunk))})", chunk).fetchall())
    return found


def _query_order(q: Queries, doc: np.ndarray, coder: np.ndarray, start: np.ndarray,
                 end: np.ndarray, created: Texts, rowid: np.ndarray) -> np.ndarray:
    """The order of ``Queries.annotations`` for each coder (document, start, end, then created
    and id as text), sorted here rather than by SQLite; stamps and ids are read and compared
    only where one coder has several spans of the same extent (they break the stance rule's
    ties)."""
    order = _sorted_by(doc, start, end, coder, rowid)
    d, c, s, e = doc[order], coder[order], start[order], end[order]
    same = (d[1:] == d[:-1]) & (c[1:] == c[:-1]) & (s[1:] == s[:-1]) & (e[1:] == e[:-1])
    if not same.any():
        return order
    # Rows of one extent form a run in `order`; within each run, sort by (stamp, id): one
    # stable sort of (run, rank of the pair).
    tied = np.zeros(order.size, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    rows = order[tied].tolist()
    id_of = _ids(q, rowid[rows].tolist())
    keys = [(created.text(i), id_of[r]) for i, r in zip(rows, rowid[rows].tolist())]
    rank_of = {key: r for r, key in enumerate(sorted(set(keys)))}
    rank = np.zeros(order.size, dtype=np.int64)
    rank[tied] = [rank_of[key] for key in keys]
    run = np.concatenate(([0], np.cumsum(~same)))
    return order[np.argsort(run * (len(rank_of) + 1) + rank, kind="stable")]


def _documents(q: Queries, document_ids: list[str] | None) -> list[tuple]:
    """(rowid, id, title, length) of the chosen documents (default: all), in rowid order."""
    if document_ids is None:
        return q.db.execute("SELECT rowid, id, title, length FROM documents ORDER BY rowid"
                            ).fetchall()
    docs: list[tuple] = []
    for chunk in _chunks(document_ids):
        docs += q.db.execute("SELECT rowid, id, title, length FROM documents WHERE id IN "
                             f"({','.join('?' * len(chunk))})", chunk).fetchall()
    return sorted(docs)


def _rowids_and_ids(q: Queries, table: str) -> tuple[np.ndarray, list[str]]:
    rows = q.db.execute(f"SELECT rowid, id FROM {table} ORDER BY rowid").fetchall()
    return np.fromiter((r[0] for r in rows), np.int64, len(rows)), [r[1] for r in rows]


def span_rows(q: Queries, document_ids: list[str] | None = None) -> SpanRows:
    """The agreement columns of `document_ids` (default: every document)."""
    if document_ids is not None:
        document_ids = list(dict.fromkeys(document_ids))  # a repeated id reads its rows once
    docs = _documents(q, document_ids)
    doc_rowids = np.fromiter((r[0] for r in docs), np.int64, len(docs))
    coder_rowids, coder_ids = _rowids_and_ids(q, "coders")
    label_rowids, label_ids = _rowids_and_ids(q, "labels")

    (rowid, doc_rowid, coder_rowid, start, end, stance_rowid), created = _read(
        q, _ANNOTATION_FROM, _ANNOTATION_INTS, _CREATED, "a", "annotations", document_ids)
    if rowid.size and not bool((np.diff(rowid) > 0).all()):  # read by document: rowid order
        by_rowid = np.argsort(rowid, kind="stable")
        rowid, doc_rowid, coder_rowid, start, end, stance_rowid = (
            a[by_rowid] for a in (rowid, doc_rowid, coder_rowid, start, end, stance_rowid))
        created = created.take(by_rowid)
    ann_doc = _positions(doc_rowid, doc_rowids)
    ann_coder = _positions(coder_rowid, coder_rowids)
    ann_stance = _positions(stance_rowid, label_rowids)
    known = np.flatnonzero(ann_doc >= 0)
    order = known[_query_order(q, ann_doc[known], ann_coder[known], start[known], end[known],
                               created.take(known), rowid[known])]
    position = np.full(rowid.size, -1, dtype=np.int64)  # row in rowid order -> final row
    position[order] = np.arange(order.size)

    (t_rowid, t_label_rowid), _ = _read(q, _THEME_FROM, _THEME_INTS, None, "t",
                                        "annotation_themes", document_ids)
    at = _positions(t_rowid, rowid)
    theme_row = np.full(at.size, -1, dtype=np.int64)
    theme_row[at >= 0] = position[at[at >= 0]]
    keep = theme_row >= 0
    theme_row, t_label = theme_row[keep], _positions(t_label_rowid[keep], label_rowids)
    pair_order = np.argsort(theme_row, kind="stable")

    doc_index = {r[1]: i for i, r in enumerate(docs)}
    coder_index = {c: i for i, c in enumerate(coder_ids)}
    done = q.db.execute("SELECT document_id, coder_id FROM doc_status WHERE status = 'done'"
                        ).fetchall()
    return SpanRows(
        [r[1] for r in docs], [r[2] for r in docs],
        np.fromiter((r[3] for r in docs), np.int64, len(docs)), coder_ids, label_ids,
        ann_doc[order], ann_coder[order], start[order], end[order], ann_stance[order],
        created.take(order), theme_row[pair_order], t_label[pair_order],
        _codes([r[0] for r in done], doc_index), _codes([r[1] for r in done], coder_index))
