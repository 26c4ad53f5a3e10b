"""The coding as compact integer arrays, the one input of every table (analysis/tables.py).

Reading a million annotations row by row into Python is what made the first tables take
seconds, and SQLite's GROUP BY over the annotations sorts every row (there is no covering
index over coder, label and document). So the store hands over each column once, as numpy
arrays of rowids (store/table_queries.annotation_arrays), mapped here to dense codes; every
table is then a numpy group-by over those arrays (:func:`aggregate`).

The arrays are kept per open project and reused while nothing changed: the key is SQLite's
``PRAGMA data_version`` (commits by other connections) together with the connection's
``total_changes`` (its own commits), so a table window that is re-drawn with other options
reads the project once.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..store.table_queries import VARIABLES, TableQueries


@dataclass
class Facts:
    doc_ids: list[str]
    doc_titles: list[str]
    doc_values: dict[str, list[Any]]  # built-in variable -> value per document code
    coder_ids: list[str]
    label_ids: list[str]
    a_doc: np.ndarray  # per annotation: document code
    a_coder: np.ndarray
    a_stance: np.ndarray  # label code, -1 for none
    a_len: np.ndarray
    a_rowid: np.ndarray
    t_ann: np.ndarray | None = None  # per (annotation, theme): index into the a_* arrays
    t_label: np.ndarray | None = None  # (None until a table of themes needs them)
    _passages: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)

    def passages(self, scheme: str) -> dict[str, np.ndarray]:
        """Every labelled passage of a scheme, unfiltered: ``ann`` (index into a_*), ``doc``,
        ``coder``, ``label`` (label code), ``length``, ``stance`` (label code or -1); built
        once per Facts, then only masked by the tables."""
        if scheme not in self._passages:
            if scheme == "stance":
                ann = np.flatnonzero(self.a_stance >= 0)
                label = self.a_stance[ann]
            else:
                if self.t_ann is None or self.t_label is None:
                    raise RuntimeError("theme arrays not loaded (facts_for(themes=True))")
                ann, label = self.t_ann, self.t_label
            self._passages[scheme] = {
                "ann": ann, "label": label, "doc": self.a_doc[ann], "coder": self.a_coder[ann],
                "length": self.a_len[ann], "stance": self.a_stance[ann]}
        return self._passages[scheme]


def _codes(rowids: np.ndarray, keys: np.ndarray | list[tuple[Any, ...]]) -> np.ndarray:
    """Rowids -> positions in ``keys`` (rowids, or rows that start with their rowid); -1 for
    a rowid not among them."""
    if not isinstance(keys, np.ndarray):
        keys = np.array([k[0] for k in keys], dtype=np.int64)
    if not len(keys):
        return np.full(len(rowids), -1, dtype=np.int64)
    lut = np.full(int(keys.max()) + 1, -1, dtype=np.int64)
    lut[keys] = np.arange(len(keys))
    inside = rowids < len(lut)
    out = np.full(len(rowids), -1, dtype=np.int64)
    out[inside] = lut[rowids[inside]]
    return out


def load_facts(tq: TableQueries, *, themes: bool = True) -> Facts:
    docs = tq.document_values()
    coders = tq.rowid_keys("coders")
    labels = tq.rowid_keys("labels")
    arrays = tq.annotation_arrays()
    names = list(VARIABLES)
    doc_values = {name: [row[3 + i] for row in docs] for i, name in enumerate(names)}
    facts = Facts(doc_ids=[r[1] for r in docs], doc_titles=[r[2] for r in docs],
                  doc_values=doc_values, coder_ids=[r[1] for r in coders],
                  label_ids=[r[1] for r in labels],
                  a_doc=_codes(arrays["document"], docs),
                  a_coder=_codes(arrays["coder"], coders),
                  a_stance=_codes(arrays["stance"], labels),
                  a_len=arrays["length"], a_rowid=arrays["annotation"])
    if themes:
        load_themes(tq, facts, labels)
    return facts


def load_themes(tq: TableQueries, facts: Facts,
                labels: list[tuple[Any, ...]] | None = None) -> None:
    arrays = tq.theme_arrays()
    labels = tq.rowid_keys("labels") if labels is None else labels
    facts.t_ann = _codes(arrays["theme_annotation"], facts.a_rowid)
    facts.t_label = _codes(arrays["theme"], labels)


_cache: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], Facts]] = (
    weakref.WeakKeyDictionary())
_lock = threading.Lock()


def facts_for(project: Any, *, themes: bool = True) -> Facts:
    """The arrays of ``project`` (a Project or a ProjectReader), from the cache while the
    project is unchanged. themes=False: a table of the stance alone, which does not need
    the (annotation, theme) pairs; they are read when a later table asks for them."""
    store = project.store
    with store.reading():  # the arrays come from one consistent state
        key = (store.data_version(), store.db.conn.total_changes)
        with _lock:
            hit = _cache.get(store)
        if hit is not None and hit[0] == key:
            facts = hit[1]
            if themes and facts.t_ann is None:
                load_themes(TableQueries(store.db), facts)
            return facts
        facts = load_facts(TableQueries(store.db), themes=themes)
    with _lock:
        _cache[store] = (key, facts)
    return facts


_DIRECT = 1 << 22  # key spaces up to this size are counted with bincount, larger ones sorted


@dataclass
class Groups:
    """What :func:`aggregate` returns: one entry per combination of key values present."""

    keys: list[np.ndarray]  # one array per key column
    count: np.ndarray
    total: np.ndarray | None  # sum of the weights
    distinct: np.ndarray | None  # distinct documents

    def rows(self) -> list[tuple[Any, ...]]:
        cols = [k.tolist() for k in self.keys] + [self.count.tolist()]
        if self.total is not None:
            cols.append([int(v) for v in self.total.tolist()])
        if self.distinct is not None:
            cols.append(self.distinct.tolist())
        return list(zip(*cols))


def aggregate(columns: list[tuple[np.ndarray, int]], *, weights: np.ndarray | None = None,
              documents: np.ndarray | None = None, n_docs: int = 0) -> Groups:
    """Group by the key columns ((codes 0..size-1, size) each): count per group, and the sum
    of ``weights`` and the number of distinct ``documents`` when given."""
    key = np.zeros(len(columns[0][0]) if columns else 0, dtype=np.int64)
    space = 1
    for codes, size in columns:
        key = key * max(size, 1) + codes
        space *= max(size, 1)
    n_docs = max(n_docs, 1)
    if space <= _DIRECT:  # counting straight into every possible key beats sorting
        full = np.bincount(key, minlength=space)
        uniq = np.flatnonzero(full)
        count = full[uniq]
        total = (np.bincount(key, weights=weights, minlength=space)[uniq]
                 if weights is not None else None)
        inverse = None
    else:
        uniq, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        total = (np.bincount(inverse, weights=weights, minlength=len(uniq))
                 if weights is not None else None)
    distinct = None
    if documents is not None:
        if inverse is None and space * n_docs <= _DIRECT:
            seen = np.bincount(key * n_docs + documents, minlength=space * n_docs) > 0
            distinct = seen.reshape(space, n_docs).sum(axis=1)[uniq]
        else:
            if inverse is None:
                inverse = np.searchsorted(uniq, key)
            pairs = np.unique(inverse * n_docs + documents)
            distinct = np.bincount(pairs // n_docs, minlength=len(uniq))
    keys = []
    rest = uniq
    for _, size in reversed(columns):
        keys.append(rest % max(size, 1))
        rest = rest // max(size, 1)
    return Groups(list(reversed(keys)), count, total, distinct)
