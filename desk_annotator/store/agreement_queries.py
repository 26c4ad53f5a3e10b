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


def _fixed_strings(data: bytes | None, count: int) -> np.ndarray | None:
    """A group_concat of `count` strings separated by SEPARATOR as one fixed-width byte-string
    array (numpy's "S" type: compared and sorted as bytes, like SQLite's BINARY collation), or
    None when it does not split into exactly that many or holds a NUL byte (numpy pads "S"
    values with NULs, so a NUL would make two ids compare equal)."""
    if not count:
        return np.zeros(0, dtype="S1")
    raw = np.frombuffer(data or b"", dtype=np.uint8)
    is_cut = raw == SEPARATOR_BYTE
    cuts = np.flatnonzero(is_cut)
    if cuts.size != count - 1 or (raw == 0).any():
        return None
    lengths = np.diff(np.concatenate(([-1], cuts, [raw.size]))) - 1
    width = max(int(lengths.max()), 1)
    data = raw[~is_cut]  # the strings' bytes, end to end
    if int(lengths.min()) == width:  # ids of one width (uuids): rows as they are
        out = data.reshape(count, width)
    else:  # each string's bytes moved to its row, the rest of the row NUL
        out = np.zeros((count, width), dtype=np.uint8)
        shift = np.arange(count) * width - (np.cumsum(lengths) - lengths)
        out.reshape(-1)[np.arange(data.size) + np.repeat(shift, lengths)] = data
    return out.view(f"S{width}").reshape(count)


def _index_in(values: np.ndarray, ids: list[str]) -> np.ndarray | None:
    """The index in `ids` of each value of a byte-string array, -1 where it is not there;
    None when an id holds a NUL byte (see _fixed_strings)."""
    encoded = [i.encode("utf-8") for i in ids]
    if any(b"\0" in e for e in encoded):
        return None
    table = np.array(encoded, dtype=f"S{max(map(len, encoded), default=1) or 1}")
    return _row_of(values, table)


def _row_of(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The row in `table` (unique byte strings) of each value, -1 where it is not there."""
    if not table.size or not values.size:
        return np.full(values.size, -1, dtype=np.int64)
    width = max(table.dtype.itemsize, values.dtype.itemsize)
    table, values = table.astype(f"S{width}"), values.astype(f"S{width}")
    order = np.argsort(table, kind="stable")
    ordered = table[order]
    at = np.minimum(np.searchsorted(ordered, values), ordered.size - 1)
    return np.where(ordered[at] == values, order[at], -1).astype(np.int64)


BLOCK = 1 << 18  # rowids per query block: bounds each group_concat text (SQLite's limit: 1 GB)
SEPARATOR_BYTE = 0x1F  # between creation stamps: the unit separator, not part of an ISO stamp
# The separator as a literal in the SQL text: SQLite evaluates a group_concat's separator for
# every row, and char(31) there took 2.5x the time of the whole block's read.
SEPARATOR_SQL = "'" + chr(SEPARATOR_BYTE) + "'"

_ANNOTATION_FROM = ("FROM annotations a JOIN documents d ON d.id = a.document_id "
                    "LEFT JOIN coders c ON c.id = a.coder_id "
                    "LEFT JOIN labels l ON l.id = a.stance_id ")
_ANNOTATION_INTS = ["a.rowid", "d.rowid", "ifnull(c.rowid, -1)", "a.start", "a.[end]",
                    "ifnull(l.rowid, -1)"]
_CREATED = "ifnull(a.created, '')"
_THEME_FROM = ("FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
               "LEFT JOIN labels l ON l.id = t.label_id ")
_THEME_INTS = ["a.rowid", "ifnull(l.rowid, -1)"]


# The whole file read without joins: each row's document, coder and stance ids come as text
# (one group_concat each) and numpy finds them among the few documents, coders and labels.
# The joins had SQLite search three indexes per annotation and one more per theme pair (the
# annotation's rowid by its id): ~2/3 of the read on the 1 M-annotation project.
_PLAIN_INTS = ["a.rowid", "a.start", "a.[end]"]
_PLAIN_TEXTS = ["a.id", "a.document_id", "a.coder_id", "ifnull(a.stance_id, '')"]
_PLAIN_THEME_TEXTS = ["t.annotation_id", "t.label_id"]


def _plain_block(q: Queries, sql_from: str, ints: list[str], texts: list[str],
                 stamp: str | None, where: str, params: list
                 ) -> tuple[list[np.ndarray], list[np.ndarray], Texts | None] | None:
    """One block as columns from one row of group_concats: integer columns, fixed-width
    byte-string columns and one separated text column; None if a column does not read back."""
    columns = [f"group_concat({c})" for c in ints] + \
        [f"CAST(group_concat({c}, {SEPARATOR_SQL}) AS BLOB)" for c in texts]
    if stamp is not None:
        columns.append(f"group_concat({stamp}, {SEPARATOR_SQL})")
    row = q.db.execute(f"SELECT count(*), {', '.join(columns)} {sql_from} {where}",
                       params).fetchone()
    count = row[0]
    numbers = [_integers(value, count) for value in row[1:1 + len(ints)]]
    strings = [_fixed_strings(value, count) for value in row[1 + len(ints):][:len(texts)]]
    stamps = _separated(row[-1], count) if stamp is not None else None
    if any(a is None for a in numbers + strings) or (stamp is not None and stamps is None):
        return None
    return numbers, strings, stamps  # type: ignore[return-value]


def _read_plain(q: Queries, table: str, alias: str, ints: list[str], texts: list[str],
                stamp: str | None = None
                ) -> tuple[list[np.ndarray], list[np.ndarray], Texts] | None:
    """Every row of `table` as integer and byte-string columns (and one text column as
    Texts), in rowid blocks; None if a block does not read back (the caller then reads with
    the joins)."""
    numbers: list[list[np.ndarray]] = [[] for _ in ints]
    strings: list[list[np.ndarray]] = [[] for _ in texts]
    stamps: list[Texts] = []
    for where, params in _blocks(q, alias, table, None):
        block = _plain_block(q, f"FROM {table} {alias}", ints, texts, stamp, where, params)
        if block is None:
            return None
        for column, values in zip(numbers + strings, block[0] + block[1]):
            column.append(values)
        if block[2] is not None:
            stamps.append(block[2])
    return ([np.concatenate(c) if c else _NONE for c in numbers],
            [np.concatenate(c) if c else np.zeros(0, dtype="S1") for c in strings],
            Texts.joined(stamps))


def _annotations_by_text_ids(q: Queries, doc_ids: list[str], coder_ids: list[str],
                             label_ids: list[str]) -> tuple | None:
    """Every annotation and theme pair with its references found by id in numpy: (rowid,
    doc, coder, start, end, stance, created, theme pair's annotation row (rowid order), theme
    pair's label), indexes -1 where the id is not there; None when any part does not read
    back exactly (then span_rows reads with the joins)."""
    if "" in label_ids:  # '' stands for "no stance" here
        return None
    read = _read_plain(q, "annotations", "a", _PLAIN_INTS, _PLAIN_TEXTS, _CREATED)
    themes = _read_plain(q, "annotation_themes", "t", [], _PLAIN_THEME_TEXTS)
    if read is None or themes is None:
        return None
    (rowid, start, end), (ann_id, doc_id, coder_id, stance_id), created = read
    indexes = [_index_in(values, ids) for values, ids in
               ((doc_id, doc_ids), (coder_id, coder_ids), (stance_id, label_ids),
                (themes[1][1], label_ids))]
    if any(i is None for i in indexes):
        return None
    ann_doc, ann_coder, ann_stance, t_label = indexes
    at = _row_of(themes[1][0], ann_id)
    return rowid, ann_doc, ann_coder, start, end, ann_stance, created, at, t_label

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
    """One block of a joined read (:func:`_plain_block` without byte-string columns), or None
    if a column does not read back (then :func:`_one_by_one`)."""
    block = _plain_block(q, sql_from, ints, [], text, where, params)
    return None if block is None else (block[0], block[2])


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


def _joined_read(q: Queries, document_ids: list[str] | None, doc_rowids: np.ndarray,
                 coder_rowids: np.ndarray, label_rowids: np.ndarray) -> tuple:
    """_annotations_by_text_ids's columns read with SQLite joining the ids (a chosen set of
    documents, or a file whose ids do not read back as plain columns). The theme pairs'
    annotation rows are found by rowid after the annotations are in rowid order."""
    (rowid, doc_rowid, coder_rowid, start, end, stance_rowid), created = _read(
        q, _ANNOTATION_FROM, _ANNOTATION_INTS, _CREATED, "a", "annotations", document_ids)
    if rowid.size and not bool((np.diff(rowid) > 0).all()):  # read by document: rowid order
        by_rowid = np.argsort(rowid, kind="stable")
        rowid, doc_rowid, coder_rowid, start, end, stance_rowid = (
            a[by_rowid] for a in (rowid, doc_rowid, coder_rowid, start, end, stance_rowid))
        created = created.take(by_rowid)
    (t_rowid, t_label_rowid), _ = _read(q, _THEME_FROM, _THEME_INTS, None, "t",
                                        "annotation_themes", document_ids)
    return (rowid, _positions(doc_rowid, doc_rowids), _positions(coder_rowid, coder_rowids),
            start, end, _positions(stance_rowid, label_rowids), created,
            _positions(t_rowid, rowid), _positions(t_label_rowid, label_rowids))


def span_rows(q: Queries, document_ids: list[str] | None = None) -> SpanRows:
    """The agreement columns of `document_ids` (default: every document)."""
    if document_ids is not None:
        document_ids = list(dict.fromkeys(document_ids))  # a repeated id reads its rows once
    docs = _documents(q, document_ids)
    doc_rowids = np.fromiter((r[0] for r in docs), np.int64, len(docs))
    coder_rowids, coder_ids = _rowids_and_ids(q, "coders")
    label_rowids, label_ids = _rowids_and_ids(q, "labels")

    plain = _annotations_by_text_ids(q, [r[1] for r in docs], coder_ids, label_ids) \
        if document_ids is None else None
    if plain is not None:
        rowid, ann_doc, ann_coder, start, end, ann_stance, created, at, t_label = plain
    else:
        rowid, ann_doc, ann_coder, start, end, ann_stance, created, at, t_label = _joined_read(
            q, document_ids, doc_rowids, coder_rowids, label_rowids)
    if rowid.size and not bool((np.diff(rowid) > 0).all()):  # read by document: rowid order
        by_rowid = np.argsort(rowid, kind="stable")
        rowid, ann_doc, ann_coder, start, end, ann_stance = (
            a[by_rowid] for a in (rowid, ann_doc, ann_coder, start, end, ann_stance))
        created = created.take(by_rowid)
        at = np.where(at >= 0, np.argsort(by_rowid)[np.maximum(at, 0)], -1) if plain else at
    known = np.flatnonzero(ann_doc >= 0)
    order = known[_query_order(q, ann_doc[known], ann_coder[known], start[known], end[known],
                               created.take(known), rowid[known])]
    position = np.full(rowid.size, -1, dtype=np.int64)  # row in rowid order -> final row
    position[order] = np.arange(order.size)

    theme_row = np.full(at.size, -1, dtype=np.int64)
    theme_row[at >= 0] = position[at[at >= 0]]
    keep = theme_row >= 0
    theme_row, t_label = theme_row[keep], t_label[keep]
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
