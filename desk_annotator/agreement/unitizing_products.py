"""The αU bootstrap's products of the unitizing tables with the resample weights.

Each category's units and gaps per document form one sparse table (`sparse_cross_table`);
a resample's bilinear term Σ_u W l² Σ_g W (g − l + 1)_+ needs table @ Wᵀ, which for 1,000
resamples is most of the bootstrap's time. Here that product is made as cheaply as stays
exact: the categories stacked into one matrix, dense rows by BLAS, float32 where every sum is a
whole number below 2**24 (`_RowProducts`), and the gap rows summed in runs (`_sparse_fit`).
Every entry and weight is a whole number, so none of these changes a single float of the
result (tests compare each path with the plain float64 product). Split from unitizing.py,
which builds the tables and the coefficients.
"""

from __future__ import annotations

import weakref

import numpy as np

from desk_annotator.arrays import distinct  # not np.unique: see arrays.py

CHUNK_ELEMENTS = 6_000_000  # floats per (resamples × sections) work array: ~48 MB each
# Resamples per sparse product: each stored entry adds a row of this many weights, so a short
# row keeps the weights and the output in cache (all 1000 at once took 1.4x the CPU time on
# the 50 M-character benchmark's tables).
SPARSE_CHUNK = 32
# Rows of the stacked αU tables multiplied dense (`_dense_rows_product`): those with at least
# this share of the documents filled (break-even measured at ~4.5%), for bootstraps of at
# least this many resamples, made dense this many cells at a time, at most this many products
# kept (8 bytes each).
DENSE_ROW_SHARE = 0.05
DENSE_ROW_MIN_RESAMPLES = 64
DENSE_BLOCK_CELLS = 1_000_000
DENSE_ROW_OUTPUT = 4_000_000


# ---------------------------------------------------------------- the bilinear term, sparse
def sparse_cross_table(u_doc, u_mass, u_q, q, g_doc, g_len, g_count, n_docs):
    """One sparse ((Q + G) × document) table of a category's units and gaps, or None without
    scipy: rows 0..Q−1 hold each document's unit mass l² per distinct unit length q, rows
    Q..Q+G−1 its gap count per distinct gap length (gaps shorter than every unit fit none and
    are dropped). With one row per gap *length* a gap's length sum is its count times that
    length, so the table needs one entry per (document, gap length) instead of two per
    (document, unit-length bin): a resample's product, the cost of the αU bootstrap, reads
    about a quarter fewer entries. The suffix sums over G gap lengths then give, for every q,
    the count and the length sum of the gaps with g ≥ q."""
    try:
        from scipy import sparse
    except ImportError:  # pragma: no cover - scipy is a dependency; the gather path remains
        return None
    if u_doc.size == 0 or g_doc.size == 0:
        return ("sparse", None, q, None, None, None)
    fits = g_len >= q[0]
    lengths, g_row = np.unique(g_len[fits], return_inverse=True)
    rows = np.concatenate((u_q, q.size + g_row.reshape(-1)))
    cols = np.concatenate((u_doc, g_doc[fits]))
    values = np.concatenate((u_mass.astype(float), g_count[fits].astype(float)))
    table = sparse.csr_matrix((values, (rows, cols)), shape=(q.size + lengths.size, n_docs))
    first_fit = np.searchsorted(lengths, q, side="left")  # first gap length ≥ each q
    return ("sparse", table, q, lengths, *_fit_runs(first_fit, lengths.size))


def _sparse_fit(both: np.ndarray, q, lengths, starts, run_of) -> np.ndarray:
    """Σ_u W l² Σ_g W (g − l + 1)_+ per column of `both`, this category's rows of
    table @ Wᵀ: (Q + G, b).

    Only the suffix sums that start at a unit length's first fitting gap row are needed, so
    the G gap rows are summed in the runs between those starts (`_fit_runs`: `starts`, and
    each unit length's run in `run_of`) and the suffix
    sums run over the runs, not over every gap length (the 50 M-character benchmark has
    thousands of gap lengths per theme: a reversed cumulative sum over all of them took
    longer than the sparse product). Every value summed is a whole number (weights, counts,
    lengths) far below 2**53, so any order of addition gives the same floats."""
    n_q = q.size
    units, counts = both[:n_q], both[n_q:]
    tail_n = np.zeros((starts.size + 1, both.shape[1]))
    tail_g = np.zeros_like(tail_n)
    if starts.size:
        run_n = np.add.reduceat(counts, starts, axis=0)
        run_g = np.add.reduceat(counts * lengths[:, None], starts, axis=0)
        np.cumsum(run_n[::-1], axis=0, out=tail_n[-2::-1])  # gaps in this run or later
        np.cumsum(run_g[::-1], axis=0, out=tail_g[-2::-1])
    fit = tail_g[run_of] - (q - 1.0)[:, None] * tail_n[run_of]
    return np.einsum("qb,qb->b", units, fit)


def _fit_runs(first_fit: np.ndarray, n_lengths: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, run_of): the distinct first fitting gap rows below n_lengths, ascending (the
    starts of the runs of gap rows), and for each unit length the index of its run, or
    len(starts) when no gap is long enough (the zero row after the suffix sums)."""
    starts = distinct(first_fit[first_fit < n_lengths])
    run_of = np.searchsorted(starts, first_fit, side="left")
    return starts, run_of


def sparse_crosses(w: np.ndarray, tables: list) -> list[np.ndarray]:
    """The bilinear term of every sparse category at once: their tables stacked into one
    matrix, so each chunk of resamples is transposed once and multiplied once for all of
    them (a chunk's weights stay in cache across the categories); `_RowProducts` picks the
    cheapest exact product for each row."""
    from scipy import sparse

    live = [t for t in tables if t[1] is not None]
    out = [np.zeros(w.shape[0]) for _ in tables]
    if not live:
        return out
    stacked = live[0][1] if len(live) == 1 else sparse.vstack([t[1] for t in live],
                                                              format="csr")
    bounds = np.cumsum([0] + [t[1].shape[0] for t in live])
    products = _RowProducts(stacked, w)
    chunk = max(1, min(SPARSE_CHUNK, CHUNK_ELEMENTS // (stacked.shape[0] + 1)))
    where = [i for i, t in enumerate(tables) if t[1] is not None]
    for b0 in range(0, w.shape[0], chunk):
        # (rows, b): resampled unit mass and gap counts per length
        both = products.chunk(b0, np.ascontiguousarray(w[b0:b0 + chunk].T))
        for k, (i, table) in enumerate(zip(where, live)):
            out[i][b0:b0 + chunk] = _sparse_fit(both[bounds[k]:bounds[k + 1]], *table[2:])
    return out


class _RowProducts:
    """stacked @ wᵀ, a chunk of resamples at a time, each row by the cheapest exact product.

    - Rows with at least DENSE_ROW_SHARE of the documents filled (the short unit and gap
      lengths) are multiplied dense by BLAS, for all resamples at once: scipy's sparse loop
      costs about 1 ns per stored entry and resample here (it is not vectorised), a BLAS
      product about 45 ps per cell. The 1 M-annotation stance table has about half its
      entries in such rows. They are made dense a block at a time (DENSE_BLOCK_CELLS), and at
      most DENSE_ROW_OUTPUT products are kept; only for DENSE_ROW_MIN_RESAMPLES or more.
    - Rows whose products are exact in float32 (`_single_rows`: whole entries, whole weights
      up to PLANNED_WEIGHT, checked per chunk; every partial sum below 2**24) are multiplied
      in float32, sparse or dense: half the bytes, ~0.55x the time of the sparse product.
    Every entry and weight is a whole number and every sum in float64 is far below 2**53,
    so no order of addition and neither precision changes a single float of the result;
    weights that are not whole numbers keep every row in float64."""

    def __init__(self, stacked, w: np.ndarray) -> None:
        n_rows = stacked.shape[0]
        self.n_rows = n_rows
        self.stacked = stacked
        self.planned = _planned_weights(w)  # else each chunk is checked on its own
        single = _single_rows(stacked, PLANNED_WEIGHT)
        dense = np.zeros(n_rows, dtype=bool)
        dense[_dense_rows(stacked, w.shape[0])] = True
        self.any_single = bool(single.any())
        # (rows, product (rows, B)) for the dense rows; (rows, matrix, float32?) for the rest
        self.dense = [(rows, _dense_product(stacked, rows, w, is32))
                      for rows, is32 in ((np.flatnonzero(dense & single), True),
                                         (np.flatnonzero(dense & ~single), False))
                      if rows.size]
        self.sparse = []
        for rows, is32 in ((np.flatnonzero(~dense & single), True),
                           (np.flatnonzero(~dense & ~single), False)):
            if rows.size:
                part = stacked if rows.size == n_rows else stacked[rows]
                self.sparse.append((rows, part.astype(np.float32) if is32 else part, is32))
        self.whole = len(self.sparse) == 1 and not self.dense  # one product: no scatter

    def chunk(self, b0: int, wt: np.ndarray) -> np.ndarray:
        """(rows, b): the products with wt = w[b0:b0 + b]ᵀ, contiguous (D, b)."""
        if self.any_single and not self.planned and not _whole_up_to(wt, PLANNED_WEIGHT):
            return self.stacked @ wt  # every row in float64: the float32 plan does not hold
        wt32 = wt.astype(np.float32) if self.any_single else None
        if self.whole:
            rows, part, is32 = self.sparse[0]
            return (part @ wt32).astype(np.float64) if is32 else part @ wt
        both = np.empty((self.n_rows, wt.shape[1]))
        for rows, part, is32 in self.sparse:
            both[rows] = part @ (wt32 if is32 else wt)
        for rows, product in self.dense:
            both[rows] = product[:, b0:b0 + wt.shape[1]]
        return both


FLOAT32_WHOLE = 2.0**24  # float32 holds every whole number of smaller magnitude exactly
# The float32 rows are chosen for whole weights up to this (a document drawn 17 or more times
# in a resample of 1,000+ documents has odds below 1e-14); a chunk of resamples with a larger
# or fractional weight is multiplied wholly in float64 instead.
PLANNED_WEIGHT = 16.0
WEIGHT_SLICE = 256  # resamples per slice when converting them to float32 for a dense product


def _whole_up_to(w: np.ndarray, bound: float) -> bool:
    """Is every weight of w a whole number of magnitude ≤ bound?"""
    return bool(np.array_equal(w, np.rint(w)) and (w.size == 0 or np.abs(w).max() <= bound))


# The last read-only weight matrix owning its data that `_planned_weights` checked, and the
# answer: the engine's resample weights are made read-only once drawn, and every scheme asks
# about them (checking each chunk again took ~2% of the 1 M-annotation run).
_PLANNED_CHECKED: list[tuple[weakref.ref, bool]] = []


def _planned_weights(w: np.ndarray) -> bool:
    """Are all of w's weights whole numbers up to PLANNED_WEIGHT (checked a slice at a time,
    remembered for a matrix that cannot change: read-only and owning its data)?"""
    fixed = not w.flags.writeable and w.base is None
    if fixed and _PLANNED_CHECKED and _PLANNED_CHECKED[0][0]() is w:
        return _PLANNED_CHECKED[0][1]
    whole = all(_whole_up_to(w[b0:b0 + WEIGHT_SLICE], PLANNED_WEIGHT)
                for b0 in range(0, w.shape[0], WEIGHT_SLICE))
    if fixed:
        _PLANNED_CHECKED[:] = [(weakref.ref(w), whole)]
    return whole


def _single_rows(stacked, bound: float) -> np.ndarray:
    """Per row of stacked: is its product with whole weights of magnitude ≤ bound exact in
    float32? It is when the row's entries are whole numbers and Σ|entry| · bound < 2**24:
    every product and every partial sum, in any order, is then a whole number below 2**24."""
    n_rows = stacked.shape[0]
    data = stacked.data
    row = np.repeat(np.arange(n_rows), np.diff(stacked.indptr))
    row_sum = np.bincount(row, np.abs(data), minlength=n_rows)
    fractional = np.bincount(row, data != np.rint(data), minlength=n_rows) > 0
    return (row_sum * bound < FLOAT32_WHOLE) & ~fractional


def _dense_rows(stacked, resamples: int) -> np.ndarray:
    """The rows worth a dense product (see `_RowProducts`), ascending."""
    n_docs = stacked.shape[1]
    if resamples < DENSE_ROW_MIN_RESAMPLES:
        return np.zeros(0, dtype=np.int64)
    filled = np.diff(stacked.indptr)
    dense = np.flatnonzero(filled >= DENSE_ROW_SHARE * n_docs)
    if dense.size * resamples > DENSE_ROW_OUTPUT:  # keep the densest rows only
        keep = np.argsort(-filled[dense], kind="stable")[:DENSE_ROW_OUTPUT // resamples]
        dense = np.sort(dense[keep])
    return dense


def _dense_product(stacked, rows: np.ndarray, w: np.ndarray, is32: bool) -> np.ndarray:
    """stacked[rows] @ wᵀ (rows, B) in float64, by BLAS a block of rows at a time, in float32
    when is32 (the weights converted a slice of resamples at a time)."""
    n_docs = stacked.shape[1]
    product = np.empty((rows.size, w.shape[0]))
    step = max(1, DENSE_BLOCK_CELLS // n_docs)
    for r0 in range(0, rows.size, step):
        block = stacked[rows[r0:r0 + step]].toarray()
        if not is32:
            np.matmul(block, w.T, out=product[r0:r0 + step])
            continue
        block = block.astype(np.float32)
        for b0 in range(0, w.shape[0], WEIGHT_SLICE):
            part = w[b0:b0 + WEIGHT_SLICE].astype(np.float32)
            product[r0:r0 + step, b0:b0 + part.shape[0]] = block @ part.T
    return product
