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

Frequencies, label × variable crosstabs and the timeline need only how many passages (and
characters) each coder gave each label in each document: the store keeps those counts by
trigger (store/label_summaries.py), so those tables read a few hundred thousand counts
(:meth:`Facts.summary`) instead of every annotation, which is what a fresh process waits for.
Stance × themes and co-occurrence need each passage, and read the per-annotation arrays
(:meth:`Facts.passages`). When a trigger is missing (another program dropped it), the counts
may be stale and the summary is built from the per-annotation arrays instead.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from .. import arrays  # arrays.distinct, not np.unique: see arrays.py
from ..store.label_summaries import label_summaries_present
from ..store.table_queries import (
    DOCUMENT_SEPARATOR,
    STORED_VARIABLES,
    TableQueries,
    date_parts,
)


@dataclass
class Facts:
    doc_ids: list[str]
    doc_titles: list[str]
    doc_values: dict[str, list[Any]]  # built-in variable -> value per document code (see
    # variable_values: month and year are added when first asked for)
    coder_ids: list[str]
    label_ids: list[str]
    doc_rowids: np.ndarray | None = None
    coder_rowids: np.ndarray | None = None
    label_rowids: np.ndarray | None = None
    counted: bool = False  # the trigger-kept label counts are complete (all triggers there)
    has_documents: bool = True  # doc_* filled (load_documents): every table but frequencies
    # per coder, which reads only the totals
    a_doc: np.ndarray | None = None  # per annotation: document code (None until loaded)
    a_coder: np.ndarray | None = None
    a_stance: np.ndarray | None = None  # label code, -1 for none
    a_len: np.ndarray | None = None
    a_rowid: np.ndarray | None = None
    t_ann: np.ndarray | None = None  # per (annotation, theme): index into the a_* arrays
    t_label: np.ndarray | None = None  # (None until a table of themes needs them)
    _passages: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    _summaries: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    _summary_lengths: set[str] = field(default_factory=set, repr=False)  # schemes whose
    # summary carries ``length`` (a crosstab or timeline reads the counts without it)
    # per scheme, (coder code, label code, passages, characters, documents) per coder and label
    totals: dict[str, list[tuple[int, int, int, int, int]]] = field(default_factory=dict,
                                                                    repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)

    def variable_values(self, name: str) -> list[Any]:
        """The value per document code of the built-in variable ``name``."""
        if name not in self.doc_values:
            derived = date_parts(name, self.doc_values["date"])
            if derived is None:
                raise KeyError(name)
            self.doc_values[name] = derived
        return self.doc_values[name]

    def passages(self, scheme: str) -> dict[str, np.ndarray]:
        """Every labelled passage of a scheme, unfiltered: ``ann`` (index into a_*), ``doc``,
        ``coder``, ``label`` (label code), ``length``, ``stance`` (label code or -1); built
        once per Facts, then only masked by the tables. ``n`` is 1 for every passage (the
        same key as in :meth:`summary`, where it counts passages)."""
        if scheme not in self._passages:
            if self.a_stance is None or self.a_doc is None or self.a_coder is None \
                    or self.a_len is None:
                raise RuntimeError("annotation arrays not loaded (facts_for(detail=True))")
            if scheme == "stance":
                ann = np.flatnonzero(self.a_stance >= 0)
                label = self.a_stance[ann]
            else:
                if self.t_ann is None or self.t_label is None:
                    raise RuntimeError("theme arrays not loaded (facts_for(themes=True))")
                ann, label = self.t_ann, self.t_label
            self._passages[scheme] = {
                "ann": ann, "label": label, "doc": self.a_doc[ann], "coder": self.a_coder[ann],
                "length": self.a_len[ann], "stance": self.a_stance[ann],
                "n": np.ones(len(ann), dtype=np.int64)}
        return self._passages[scheme]

    def summary(self, scheme: str) -> dict[str, np.ndarray]:
        """Per (document, coder, label) with passages of a scheme: ``doc``, ``coder``,
        ``label`` (codes), ``n`` (passages), ``length`` (their characters; only when
        facts_for was asked for lengths)."""
        if scheme not in self._summaries:
            if self.counted:
                raise RuntimeError("label counts not loaded (facts_for(detail=False))")
            self._summaries[scheme] = self.passages(scheme)  # n = 1 per passage: same sums
        return self._summaries[scheme]


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


def _rowids(rows: list[tuple[Any, ...]]) -> np.ndarray:
    return np.array([r[0] for r in rows], dtype=np.int64)


def load_base(tq: TableQueries, *, documents: bool = True) -> Facts:
    """Documents with their variables, coders and labels; no coding yet. documents=False:
    not the documents yet (:func:`load_documents`; frequencies per coder need none)."""
    coders = tq.rowid_keys("coders")
    labels = tq.rowid_keys("labels")
    facts = Facts(doc_ids=[], doc_titles=[], doc_values={}, coder_ids=[r[1] for r in coders],
                  label_ids=[r[1] for r in labels], coder_rowids=_rowids(coders),
                  label_rowids=_rowids(labels), counted=label_summaries_present(tq.db),
                  has_documents=False)
    if documents:
        load_documents(tq, facts)
    return facts


def load_documents(tq: TableQueries, facts: Facts) -> None:
    docs = tq.document_values()
    facts.doc_ids, facts.doc_titles = [r[1] for r in docs], [r[2] for r in docs]
    facts.doc_values = {name: [row[3 + i] for row in docs]
                        for i, name in enumerate(STORED_VARIABLES)}
    facts.doc_rowids = _rowids(docs)
    facts.has_documents = True


def load_annotations(tq: TableQueries, facts: Facts) -> None:
    assert facts.doc_rowids is not None and facts.coder_rowids is not None
    assert facts.label_rowids is not None
    arrays = tq.annotation_arrays()
    facts.a_doc = _codes(arrays["document"], facts.doc_rowids)
    facts.a_coder = _codes(arrays["coder"], facts.coder_rowids)
    facts.a_stance = _codes(arrays["stance"], facts.label_rowids)
    facts.a_len, facts.a_rowid = arrays["length"], arrays["annotation"]


def load_themes(tq: TableQueries, facts: Facts) -> None:
    assert facts.a_rowid is not None and facts.label_rowids is not None
    arrays = tq.theme_arrays()
    facts.t_ann = _codes(arrays["theme_annotation"], facts.a_rowid)
    facts.t_label = _codes(arrays["theme"], facts.label_rowids)


def load_summary(tq: TableQueries, facts: Facts, scheme: str, lengths: bool = True) -> bool:
    """The trigger-kept counts of a scheme as codes; False (nothing loaded) when an id does
    not split cleanly (one holding the separator). A count whose document, coder or label is
    no longer in the project is left out, as the per-annotation read leaves it out.
    lengths=False: without the characters (``length``), which only frequencies show."""
    doc_code = {d: i for i, d in enumerate(facts.doc_ids)}
    coder_code = {c: i for i, c in enumerate(facts.coder_ids)}
    label_code = {lab: i for i, lab in enumerate(facts.label_ids)}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("doc", "coder", "label", "n",
                                                          *(("length",) if lengths else ()))}
    fixed = _FixedWidthIds(facts.doc_ids)
    for coder_id, label_id, n, docs, passages, characters in tq.label_count_groups(
            scheme, characters=lengths):
        coder, label = coder_code.get(coder_id, -1), label_code.get(label_id, -1)
        if coder < 0 or label < 0:
            continue
        doc = fixed.codes(docs, n)
        if doc is None:
            names = docs.decode("utf-8").split(DOCUMENT_SEPARATOR)
            if len(names) != n:
                return False
            doc = np.fromiter(map(doc_code.get, names, repeat(-1)), dtype=np.int64, count=n)
        keep = doc >= 0
        parts["doc"].append(doc[keep])
        parts["coder"].append(np.full(int(keep.sum()), coder, dtype=np.int64))
        parts["label"].append(np.full(int(keep.sum()), label, dtype=np.int64))
        parts["n"].append(np.fromstring(passages, sep=",", dtype=np.int64)[keep])
        if lengths:
            parts["length"].append(np.fromstring(characters, sep=",", dtype=np.int64)[keep])
    facts._summaries[scheme] = {k: (np.concatenate(v) if v else np.zeros(0, dtype=np.int64))
                                for k, v in parts.items()}
    if lengths:
        facts._summary_lengths.add(scheme)
    else:
        facts._summary_lengths.discard(scheme)
    return True


class _FixedWidthIds:
    """Document ids -> codes without a Python step per id, when every id has the same length
    in bytes (ours do): the separator-joined ids of a group are cut into fixed-width records
    by numpy and looked up by binary search among the project's sorted ids."""

    def __init__(self, doc_ids: list[str]) -> None:
        raw = [(d + DOCUMENT_SEPARATOR).encode("utf-8") for d in doc_ids]
        self.width = len(raw[0]) if raw and all(len(r) == len(raw[0]) for r in raw) else 0
        if self.width:
            ids = np.array(raw, dtype=f"S{self.width}")
            self.order = np.argsort(ids, kind="stable")
            self.sorted = ids[self.order]

    def codes(self, joined: bytes, n: int) -> np.ndarray | None:
        """Codes of the ``n`` ids in ``joined`` (-1 for one not in the project), or None
        when they are not records of the common width (then split them one by one)."""
        if not self.width or len(joined) + 1 != n * self.width:
            return None
        grid = np.frombuffer(joined + DOCUMENT_SEPARATOR.encode(),
                             dtype=np.uint8).reshape(n, self.width)
        sep = ord(DOCUMENT_SEPARATOR)
        if not (grid[:, -1] == sep).all() or (grid[:, :-1] == sep).any():
            return None  # ids of other lengths: the records are not aligned
        records = grid.view(f"S{self.width}").ravel()
        at = np.minimum(np.searchsorted(self.sorted, records), len(self.sorted) - 1)
        found = self.sorted[at] == records
        return np.where(found, self.order[at], -1).astype(np.int64)


def load_facts(tq: TableQueries, *, themes: bool = True) -> Facts:
    """Everything, per annotation (the benchmark's and the tests' way to read it all)."""
    facts = load_base(tq)
    load_annotations(tq, facts)
    if themes:
        load_themes(tq, facts)
    return facts


def load_totals(tq: TableQueries, facts: Facts, scheme: str) -> None:
    coder_code = {c: i for i, c in enumerate(facts.coder_ids)}
    label_code = {lab: i for i, lab in enumerate(facts.label_ids)}
    facts.totals[scheme] = [
        (coder_code[c], label_code[lab], int(n), int(chars), int(docs))
        for c, lab, n, chars, docs in tq.label_totals(scheme)
        if c in coder_code and lab in label_code]


def _complete(tq: TableQueries, facts: Facts, themes: bool, detail: bool,
              totals: bool = False, lengths: bool = True) -> None:
    """Read what the tables to come need and ``facts`` does not hold yet."""
    if totals and facts.counted and not detail:  # the totals alone: no documents needed
        for scheme in ("stance", "themes") if themes else ("stance",):
            if scheme not in facts.totals:
                load_totals(tq, facts, scheme)
        return
    if not facts.has_documents:
        load_documents(tq, facts)
    if detail or not facts.counted:
        if facts.a_rowid is None:
            load_annotations(tq, facts)
        if themes and facts.t_ann is None:
            load_themes(tq, facts)
        return
    for scheme in ("stance", "themes") if themes else ("stance",):
        if scheme in facts._summaries and (not lengths or scheme in facts._summary_lengths):
            continue
        if not load_summary(tq, facts, scheme, lengths):
            facts.counted = False  # read per annotation instead
            _complete(tq, facts, themes, detail, totals)
            return


_cache: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], Facts]] = (
    weakref.WeakKeyDictionary())
_lock = threading.Lock()


def facts_for(project: Any, *, themes: bool = True, detail: bool = True,
              totals: bool = False, lengths: bool = True) -> Facts:
    """The arrays of ``project`` (a Project or a ProjectReader), from the cache while the
    project is unchanged. themes=False: a table of the stance alone, which does not need
    the (annotation, theme) pairs; they are read when a later table asks for them.
    detail=False: a table that needs only :meth:`Facts.summary`, not each passage;
    totals=True: only ``Facts.totals`` (per coder and label), when the counts are kept;
    lengths=False: the summary need not carry the passages' characters."""
    store = project.store
    with store.reading():  # the arrays come from one consistent state
        key = (store.data_version(), store.db.conn.total_changes)
        with _lock:
            hit = _cache.get(store)
        tq = TableQueries(store.db)
        if hit is not None and hit[0] == key:
            facts = hit[1]
            _complete(tq, facts, themes, detail, totals, lengths)
            return facts
        facts = load_base(tq, documents=False)  # _complete reads them when needed
        _complete(tq, facts, themes, detail, totals, lengths)
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
              documents: np.ndarray | None = None, n_docs: int = 0,
              counts: np.ndarray | None = None) -> Groups:
    """Group by the key columns ((codes 0..size-1, size) each): count per group (the sum of
    ``counts`` when the rows are counts already), and the sum of ``weights`` and the number
    of distinct ``documents`` when given."""
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
        if counts is not None:
            count = _whole(np.bincount(key, weights=counts, minlength=space)[uniq])
        total = (np.bincount(key, weights=weights, minlength=space)[uniq]
                 if weights is not None else None)
        inverse = None
    else:
        uniq, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        if counts is not None:
            count = _whole(np.bincount(inverse, weights=counts, minlength=len(uniq)))
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
            pairs = arrays.distinct(inverse * n_docs + documents)
            distinct = np.bincount(pairs // n_docs, minlength=len(uniq))
    keys = []
    rest = uniq
    for _, size in reversed(columns):
        keys.append(rest % max(size, 1))
        rest = rest // max(size, 1)
    return Groups(list(reversed(keys)), count, total, distinct)


def _whole(sums: np.ndarray) -> np.ndarray:
    return np.rint(sums).astype(np.int64)
