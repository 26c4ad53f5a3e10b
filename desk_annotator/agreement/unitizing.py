"""Krippendorff's unitizing alpha αU over units *as coded* (Krippendorff 1995; 2004: 251-256).

ONE CONTINUUM (what DKPro Statistics' KrippendorffAlphaUnitizingAgreement computes; its
published behaviour was the reference, its code was not used). R raters, length L, per
category c: rater r's units of c are taken as coded, its gaps are the stretches no c-unit of r
covers (zero-length gaps are not counted). For every pair of intersecting sections of two raters:
two intersecting units cost (b1−b2)² + (e1−e2)²; a unit lying wholly inside the other rater's
gap costs l²; anything else 0. Then

    D_O(c) = 2·Σ_{unordered rater pairs} Σ δ² / (R(R−1)L²)
    D_E(c) = (2/L)·Σ_{units u of c}[(N_c−1)(2l³−3l²+l)/3 + l²·Σ_{gaps g of c, g≥l}(g−l+1)]
             / (RL(RL−1) − Σ_{units of c} l(l−1))
    αU(c) = 1 − D_O(c)/D_E(c);  αU = 1 − mean_c D_O / mean_c D_E over the categories that occur.

OVERLAPS. DKPro forbids overlapping units of one rater with one category. Our rule: units of one
coder and category that overlap by at least one character are merged into their union (the
count of units absorbed is in `UnitizingScheme.merged_overlaps` and `.notes`); units that merely
abut stay separate units, as coded. Units of *different* categories may overlap freely: each
category is its own continuum of units and gaps.

SEVERAL DOCUMENTS. Every document is a continuum of its own (gaps end at its edges), and a
document counts for exactly the coders who coded it (the α coverage rule: a coder who did not
code a document contributes no units, gaps, length or pairs there). Per document d: m_d coders
coded it, length L_d; only documents with m_d ≥ 2 enter. With

    P = Σ_d m_d(m_d−1)L_d,   T = Σ_d m_d·L_d,   L = Σ_d L_d,
    O_d(c) = Σ over ORDERED pairs of coders who coded d of the δ² above inside d,

    D_O(c) = Σ_d O_d(c) / (P·L)
    D_E(c) = (2/L)·S(c) / (T(T−1) − Σ_{units of c} l(l−1))
    S(c)   = Σ_{units u of c}[(N_c−1)(2l³−3l²+l)/3 + l²·Σ_{gaps g of c, g≥l}(g−l+1)]

where N_c counts the units of c in all included documents and the gaps are pooled over all
documents and coders. Derivation: laying the documents end to end with every coder reported on
every document, DKPro's D_O has R(R−1)L² below; replacing "R raters on L characters" by "the
pairs that actually exist" turns R(R−1)L into P (pairs × characters) while the second L stays
the pooled length, and RL (rater-characters) becomes T. The numerator sums only the sections that
exist, gaps fenced at document edges so no gap runs across documents (hence the value cannot
depend on document order). For one document this is DKPro exactly; when every coder coded every
document it equals DKPro with gaps fenced at the document edges.

BOOTSTRAP. All sums are sums over documents, so everything is a function of a document weight
matrix W (B, D) (row b = how many times each document is drawn in resample b; the point estimate is
W = ones((1, D))). O, P, T, L, N_c, Σl(l−1) and Σ_u f(l) are linear in W; the unit × gap term
Σ_u w_d(u) l_u² Σ_g w_d(g) (g−l_u+1)_+ is bilinear. With q the distinct unit lengths of c it is
Σ_q (W@U)[b,q]·(W@F)[b,q], U[d,q] = Σ_{units of d with l=q} l², F[d,q] = Σ_{gaps of d, g≥q}(g−q+1):
one BLAS product per category. When documents × distinct lengths is too large for dense tables,
the gaps are sorted by length once and each resample takes weighted prefix sums over them
(chunking B to bound memory). Neither path builds a B × units × gaps tensor.

API (the engine integrates these):
    stance_unitizing(seg) -> UnitizingScheme        categories = seg.stance_labels
    theme_unitizing(seg, t) -> UnitizingScheme      one category: theme t present
    UnitizingScheme(name, categories, doc_length, doc_coded, doc, coder, cat, start, end)
                                                    arrays; positions within documents
    scheme.alpha_u(W=None) -> (overall (B,), per_category (B, C))          NaN where undefined
    scheme.alpha_u_parts(W=None) -> (D_O, D_E, N) each (B, C)
    scheme.per_document() -> (D,) αU of each document alone (DKPro on it), NaN if undefined
    scheme.per_document_parts() -> (D_O, D_E, N) each (D, C)
    scheme.point_alpha_u() -> (Measure, list[Measure] per category)
    scheme.family_2016(W=None) -> {"u_alpha", "binary_u_alpha", "cu_alpha": (B,),
                                   "per_category": (B, C)}   (see unitizing_2016.py)
    scheme.point_2016() -> same keys with Measures
    scheme.notes -> list[str];  scheme.merged_overlaps -> int
    unitizing_alpha(units_by_category, length, begin=0) -> dict   one continuum, all coders
"""

from __future__ import annotations

import numpy as np

from desk_annotator.agreement import unitizing_2016 as u16
from desk_annotator.agreement.coefficients import Measure, undefined
from desk_annotator.agreement.segments import Segments
from desk_annotator.agreement.unitizing_products import (
    CHUNK_ELEMENTS,
    sparse_cross_table,
    sparse_crosses,
)

EPS = 1e-15
DENSE_CELLS = 4_000_000  # documents × distinct unit lengths: the dense tables stay ≤ ~100 MB
# A BLAS product element costs ~1/400 of a gathered (resample, section) one: measured on the
# 10 M-character benchmark (8 themes, 1000 resamples) the dense path took 0.2 s where gathering
# took 2.6 s at a cells / sections ratio of ~60.
DENSE_FACTOR = 400
NO_PAIRS = "no document was coded by two or more coders"
NO_UNITS = "no coder marked any unit"
NO_LABEL = "no coder marked a unit with this label"
NO_VARIATION = "no variation: expected disagreement is zero"


def _merge_overlaps(doc, coder, cat, start, end, n_coders, n_cats):
    """Union of units of one (document, coder, category) that overlap by ≥ 1 character."""
    group = (doc * n_coders + coder) * n_cats + cat
    if group.size == 0:
        return doc, coder, cat, start, end, 0
    big = int(end.max()) + 1
    if (int(group.max()) + 1) * big * big < 2**62:  # one int64 key: one sort, not three
        order = np.argsort((group * big + start) * big + end, kind="stable")
    else:
        order = np.lexsort((end, start, group))
    g, s, e = group[order], start[order], end[order]
    # Running maximum of the end within the group (the group offset keeps groups apart).
    reach = np.maximum.accumulate(g * big + e) - g * big
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (s[1:] >= reach[:-1])
    first = np.flatnonzero(new)
    merged_end = np.maximum.reduceat(e, first)
    pick = order[first]
    return doc[pick], coder[pick], cat[pick], start[pick], merged_end, int(g.size - first.size)


class UnitizingScheme:
    """Units of one coding scheme (stance, or one theme) over the included documents."""

    def __init__(self, name: str, categories: list[str], doc_length: np.ndarray,
                 doc_coded: np.ndarray, doc: np.ndarray, coder: np.ndarray, cat: np.ndarray,
                 start: np.ndarray, end: np.ndarray) -> None:
        self.name = name
        self.categories = list(categories)
        self.doc_length = np.asarray(doc_length, dtype=np.int64)
        coded = np.asarray(doc_coded, dtype=bool)
        self.doc_coded = coded if coded.ndim == 2 else coded.reshape(self.doc_length.size, 0)
        arrays = [np.asarray(a, dtype=np.int64) for a in (doc, coder, cat, start, end)]
        doc, coder, cat, start, end = arrays
        end = np.minimum(end, self.doc_length[doc]) if doc.size else end
        start = np.maximum(start, 0)
        keep = (end > start) & self.doc_coded[doc, coder] if doc.size else end > start
        self.raw = tuple(a[keep] for a in (doc, coder, cat, start, end))  # as coded (2016)
        n_coders = self.doc_coded.shape[1]
        *units, self.merged_overlaps = _merge_overlaps(*self.raw, n_coders,
                                                       max(len(self.categories), 1))
        self.units = tuple(units)
        self.notes: list[str] = []
        if self.merged_overlaps:
            self.notes.append(f"{self.merged_overlaps} overlapping unit(s) of one coder with the "
                              "same label were merged into their union for αU")
        self._prepared = False

    # ------------------------------------------------------------ per-document linear parts
    def _prepare(self) -> None:
        if self._prepared:
            return
        self._prepared = True
        doc, coder, cat, start, end = self.units
        n_docs, n_coders = self.doc_coded.shape
        n_cats = len(self.categories)
        raters = self.doc_coded.sum(axis=1)
        valid = raters >= 2
        length = self.doc_length.astype(float) * valid
        self._p = raters * (raters - 1.0) * length
        self._t = raters * length
        self._l = length
        keep = valid[doc]
        doc, coder, cat, start, end = (a[keep] for a in (doc, coder, cat, start, end))
        lu = (end - start).astype(float)
        cell = doc * n_cats + cat
        size = n_docs * n_cats

        def per_cell(values):
            return np.bincount(cell, values, size).reshape(n_docs, n_cats)

        self._n = per_cell(np.ones(lu.size))
        self._f1 = per_cell((2 * lu**3 - 3 * lu**2 + lu) / 3.0)
        self._sq = per_cell(lu * (lu - 1.0))
        self._o = self._observed(doc, coder, cat, start, end, n_docs, n_coders, n_cats)
        gdoc, gcat, glen = self._gaps(doc, coder, cat, start, end, valid)
        self._cross_tables = [self._cross_table(doc[cat == c], lu[cat == c], gdoc[gcat == c],
                                                glen[gcat == c]) for c in range(n_cats)]
        self._unit_arrays = (doc, cat, lu)
        self._gap_arrays = (gdoc, gcat, glen)

    def _observed(self, doc, coder, cat, start, end, n_docs, n_coders, n_cats) -> np.ndarray:
        """O_d(c): Σ δ² over ordered coder pairs, per document and category, with no loop
        over coder pairs.

        All units lie on one line (categories and documents kept apart); a coder's units are
        disjoint after merging. Unit v meets unit u iff start_v < end_u and end_v > start_u,
        and the units with end_v ≤ start_u are a subset of those with start_v < end_u, so any
        sum over the units meeting u is a prefix sum in start order minus one in end order
        (u itself removed; a coder's other units never meet u). Σ over them of
        (s_u − s_v)² + (e_u − e_v)² expands into prefix sums of 1, s, e and s² + e², in int64
        (wrapping is harmless: only differences are used, and the result is small). A coder b
        lets u lie wholly in its gap when b coded the document and none of b's units meets u:
        per-coder counts of the same two prefixes give that for every b at once."""
        offset = np.concatenate(([0], np.cumsum(self.doc_length)[:-1]))
        big = int(self.doc_length.sum()) + 1
        key_s = cat * big + offset[doc] + start  # categories kept apart on one sorted axis
        key_e = cat * big + offset[doc] + end
        n = key_s.size
        out = np.zeros(n_docs * n_cats)
        if n == 0:
            return out.reshape(n_docs, n_cats)
        by_start = np.argsort(key_s, kind="stable")
        by_end = np.argsort(key_e, kind="stable")
        before_end = np.searchsorted(key_s[by_start], key_e, side="left")  # start_v < end_u
        ended = np.searchsorted(key_e[by_end], key_s, side="right")  # end_v ≤ start_u
        s64, e64 = start.astype(np.int64), end.astype(np.int64)
        meeting = []
        for f in (np.ones(n, np.int64), s64, e64, s64 * s64 + e64 * e64):
            in_start = np.concatenate(([0], np.cumsum(f[by_start])))
            in_end = np.concatenate(([0], np.cumsum(f[by_end])))
            meeting.append(in_start[before_end] - in_end[ended] - f)
        count, sum_s, sum_e, sum_sq = meeting
        dist = count * (s64 * s64 + e64 * e64) - 2 * s64 * sum_s - 2 * e64 * sum_e + sum_sq
        # Per coder b: how many of b's units meet u (the same prefix difference, per coder).
        one_hot = np.zeros((n + 1, n_coders), dtype=np.int32)
        one_hot[np.arange(1, n + 1), coder[by_start]] = 1
        per_coder_start = np.cumsum(one_hot, axis=0, dtype=np.int32)
        one_hot[1:] = 0
        one_hot[np.arange(1, n + 1), coder[by_end]] = 1
        per_coder_end = np.cumsum(one_hot, axis=0, dtype=np.int32)
        del one_hot
        met_by = per_coder_start[before_end] - per_coder_end[ended]  # (units, coders)
        gap_of = self.doc_coded[doc] & (met_by == 0)
        gap_of[np.arange(n), coder] = False  # u against its own coder is no pair
        alone = gap_of.sum(axis=1)
        lu2 = (e64 - s64) ** 2
        cell = doc * n_cats + cat
        # Each unordered pair of meeting units appears twice in dist (once from each side);
        # a unit in another coder's gap appears once, for ordered pairs it counts twice.
        out += np.bincount(cell, (dist + 2 * lu2 * alone).astype(float), out.size)
        return out.reshape(n_docs, n_cats)

    def _gaps(self, doc, coder, cat, start, end, valid):
        """(doc, category, length) of every gap of every coder who coded a document."""
        n_docs, n_coders = self.doc_coded.shape
        n_cats = len(self.categories)
        d_all, m_all = np.nonzero(self.doc_coded & valid[:, None])
        groups = ((d_all[:, None] * n_coders + m_all[:, None]) * n_cats
                  + np.arange(n_cats)[None, :]).ravel()  # every (doc, coder, cat) that exists
        group = (doc * n_coders + coder) * n_cats + cat
        order = u16.by_group_then_start(group, start)
        g, s, e = group[order], start[order], end[order]
        first = np.ones(g.size, dtype=bool)
        first[1:] = g[1:] != g[:-1]
        prev_end = np.where(first, 0, np.concatenate(([0], e[:-1])))
        last_end = np.zeros(n_docs * n_coders * n_cats, dtype=np.int64)
        last = np.concatenate((first[1:], [True])) if g.size else first
        last_end[g[last]] = e[last]
        gdoc_of = groups // (n_coders * n_cats)
        lengths = np.concatenate((s - prev_end, self.doc_length[gdoc_of] - last_end[groups]))
        gdoc = np.concatenate((g // (n_coders * n_cats), gdoc_of))
        gcat = np.concatenate((g % n_cats, groups % n_cats))
        keep = lengths > 0
        return gdoc[keep], gcat[keep], lengths[keep].astype(float)

    def _cross_table(self, udoc, lu, gdoc, glen):
        """Unit and gap tables of one category, aggregated by (document, length)."""
        n_docs = self.doc_length.size
        if lu.size and glen.size:
            q, u_q = np.unique(lu, return_inverse=True)
            if n_docs * q.size > DENSE_CELLS:  # never dense: the sparse table sums the rows
                sparse = sparse_cross_table(udoc, lu**2, u_q.reshape(-1), q, gdoc, glen,
                                             np.ones(glen.size), n_docs)
                if sparse is not None:
                    return sparse
        big = int(max(lu.max(initial=0), glen.max(initial=0))) + 2
        ukey, ucount = np.unique(udoc * big + lu.astype(np.int64), return_counts=True)
        u_doc, u_len = ukey // big, (ukey % big).astype(float)
        q, u_q = np.unique(u_len, return_inverse=True)
        u_q = u_q.reshape(-1)
        u_mass = ucount * u_len**2
        gkey, gcount = np.unique(gdoc * big + glen.astype(np.int64), return_counts=True)
        g_doc, g_len = gkey // big, (gkey % big).astype(float)
        order = np.argsort(g_len, kind="stable")
        g_doc, g_len, gcount = g_doc[order], g_len[order], gcount[order].astype(float)
        cells = n_docs * q.size
        if cells <= DENSE_CELLS and cells <= DENSE_FACTOR * (u_doc.size + g_doc.size):
            # Few distinct unit lengths: per document d and length q the gap term
            # F[d, q] = Σ_{gaps of d, g ≥ q} (g − q + 1) and the unit mass U[d, q] = Σ l² are
            # fixed, so the bilinear term is Σ_q (W@U)·(W@F): one BLAS product per category.
            bins = np.searchsorted(q, g_len, side="right") - 1  # gap counts for every q ≤ g
            fits = bins >= 0
            g_n, g_s, u_m = (np.zeros((n_docs, q.size)) for _ in range(3))
            np.add.at(g_n, (g_doc[fits], bins[fits]), gcount[fits])
            np.add.at(g_s, (g_doc[fits], bins[fits]), (gcount * g_len)[fits])
            np.add.at(u_m, (u_doc, u_q), u_mass)
            tail_n = np.cumsum(g_n[:, ::-1], axis=1)[:, ::-1]  # gaps with g ≥ q_k
            tail_g = np.cumsum(g_s[:, ::-1], axis=1)[:, ::-1]
            return ("dense", np.hstack((u_m, tail_g - (q - 1.0) * tail_n)))
        first_fit = np.searchsorted(g_len, q, side="left")  # first gap with g ≥ l
        sparse = sparse_cross_table(u_doc, u_mass, u_q, q, g_doc, g_len, gcount, n_docs)
        if sparse is not None:
            return sparse
        return ("gather", u_doc, u_mass, u_q, q, g_doc, g_len, gcount, first_fit)

    # ------------------------------------------------------------ weighted (bootstrap) αU
    def _cross(self, w: np.ndarray, c: int) -> np.ndarray:
        """Σ_u w_d(u) l_u² Σ_g w_d(g) (g − l_u + 1)_+ for every row of w."""
        table = self._cross_tables[c]
        if table[0] == "dense":
            both = w @ table[1]
            half = table[1].shape[1] // 2
            return np.einsum("bq,bq->b", both[:, :half], both[:, half:])
        _, u_doc, u_mass, u_q, q, g_doc, g_len, g_count, first_fit = table
        out = np.zeros(w.shape[0])
        if u_doc.size == 0 or g_doc.size == 0:
            return out
        chunk = max(1, CHUNK_ELEMENTS // (g_doc.size + u_doc.size + 1))
        for b0 in range(0, w.shape[0], chunk):
            wb = w[b0:b0 + chunk]
            wg = wb[:, g_doc] * g_count
            count = np.zeros((wb.shape[0], g_doc.size + 1))
            np.cumsum(wg, axis=1, out=count[:, 1:])
            wg *= g_len
            mass = np.zeros_like(count)
            np.cumsum(wg, axis=1, out=mass[:, 1:])
            # Suffix sums over gaps with g ≥ l: total minus prefix before the first fit.
            tail_n = count[:, -1:] - count[:, first_fit]
            tail_g = mass[:, -1:] - mass[:, first_fit]
            fit = tail_g - (q - 1.0) * tail_n  # (b, Q): Σ_g w (g − l + 1) over g ≥ l
            out[b0:b0 + chunk] = np.einsum("bu,bu->b", wb[:, u_doc] * u_mass, fit[:, u_q])
        return out

    def alpha_u_parts(self, w: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(D_O, D_E, N_c), each (B, C), for the document weight matrix w (B, D)."""
        self._prepare()
        n_docs, n_cats = self.doc_length.size, len(self.categories)
        w = np.ones((1, n_docs)) if w is None else np.atleast_2d(np.asarray(w, dtype=float))
        # One pass over w for all seven per-document parts (w is 1,000 × documents floats:
        # seven products read it seven times per scheme).
        if not hasattr(self, "_linear"):
            self._linear = np.column_stack((self._p, self._t, self._l, self._n, self._f1,
                                            self._sq, self._o))
        parts = w @ self._linear
        p, t, length = parts[:, 0], parts[:, 1], parts[:, 2]
        n, f1, sq, o = (parts[:, 3 + k * n_cats:3 + (k + 1) * n_cats] for k in range(4))
        cross = np.zeros((w.shape[0], len(self.categories)))
        sparse_cats = [c for c, t in enumerate(self._cross_tables) if t[0] == "sparse"]
        if sparse_cats:
            cross[:, sparse_cats] = np.stack(sparse_crosses(
                w, [self._cross_tables[c] for c in sparse_cats]), axis=1)
        for c, table in enumerate(self._cross_tables):
            if table[0] != "sparse":
                cross[:, c] = self._cross(w, c)
        with np.errstate(divide="ignore", invalid="ignore"):
            d_o = o / (p * length)[:, None]
            denom = (t * (t - 1.0))[:, None] - sq
            d_e = 2.0 / length[:, None] * ((n - 1.0) * f1 + cross) / denom
        bad = ~(p > 0)[:, None] | (n <= 0)
        return np.where(bad, np.nan, d_o), np.where(bad, np.nan, d_e), n

    @staticmethod
    def _alphas(d_o, d_e, n) -> tuple[np.ndarray, np.ndarray]:
        used = n > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(used & (d_e > EPS), 1.0 - d_o / d_e, np.nan)
            num = np.where(used, d_o, 0.0).sum(axis=1)
            den = np.where(used, d_e, 0.0).sum(axis=1)
            overall = np.where(used.any(axis=1) & (den > EPS), 1.0 - num / den, np.nan)
        return overall, per

    def alpha_u(self, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(overall αU (B,), per-category αU (B, C)); NaN where undefined."""
        return self._alphas(*self.alpha_u_parts(w))

    def point_alpha_u(self) -> tuple[Measure, list[Measure]]:
        self._prepare()
        d_o, d_e, n = self.alpha_u_parts()
        overall, per = self._alphas(d_o, d_e, n)
        no_pairs = not (self._p.sum() > 0)
        reason = NO_PAIRS if no_pairs else NO_UNITS if not (n > 0).any() else NO_VARIATION
        whole = Measure(float(overall[0])) if np.isfinite(overall[0]) else undefined(reason)
        cats = [Measure(float(v)) if np.isfinite(v) else
                undefined(NO_PAIRS if no_pairs else NO_LABEL if n[0, c] <= 0 else NO_VARIATION)
                for c, v in enumerate(per[0])]
        return whole, cats

    # ------------------------------------------------------------ each document alone
    def per_document_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(D_O, D_E, N_c), each (D, C): DKPro's αU parts on every document alone."""
        self._prepare()
        n_docs, n_cats = self._n.shape
        doc, cat, lu = self._unit_arrays
        gdoc, gcat, glen = self._gap_arrays
        big = int(max(lu.max(initial=0), glen.max(initial=0))) + 2
        cell_g = gcat * n_docs + gdoc
        order = np.argsort(cell_g * big + glen, kind="stable")
        keys = (cell_g * big + glen)[order]
        csum = np.concatenate(([0.0], np.cumsum(glen[order])))
        cell_u = cat * n_docs + doc
        i0 = np.searchsorted(keys, cell_u * big + lu, side="left")
        i1 = np.searchsorted(keys, (cell_u + 1) * big, side="left")
        fit = (csum[i1] - csum[i0]) - (lu - 1.0) * (i1 - i0)
        cross = np.bincount(doc * n_cats + cat, lu**2 * fit, n_docs * n_cats)
        cross = cross.reshape(n_docs, n_cats)
        raters = self.doc_coded.sum(axis=1).astype(float)
        length = self._l[:, None]
        ml = (raters * self._l)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            d_o = self._o / (raters[:, None] * (raters[:, None] - 1.0) * length**2)
            d_e = 2.0 / length * ((self._n - 1.0) * self._f1 + cross) / (ml * (ml - 1.0)
                                                                         - self._sq)
        bad = ~(self._p > 0)[:, None] | (self._n <= 0)
        return np.where(bad, np.nan, d_o), np.where(bad, np.nan, d_e), self._n

    def per_document(self) -> np.ndarray:
        """Overall αU of each document alone (D,), NaN where undefined."""
        return self._alphas(*self.per_document_parts())[0]

    # ------------------------------------------------------------ the 2016 family
    def _parts_2016(self) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "_u16"):
            doc, coder, cat, start, end = self.raw
            self._u16 = u16.coincidences_2016(doc, coder, cat + 1, start, end, self.doc_length,
                                              self.doc_coded, len(self.categories))
        return self._u16

    def family_2016(self, w: np.ndarray | None = None) -> dict[str, np.ndarray]:
        return u16.family_from_parts(*self._parts_2016(), w)

    def point_2016(self) -> dict[str, object]:
        return u16.point_2016(*self._parts_2016())


# ---------------------------------------------------------------- building from Segments
def _span_rows(seg: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, coder, start, end, stance index or -1) per span of a coder who coded the document,
    plus the (span row, theme index) pairs; built once per Segments (every scheme needs it)."""
    cached = getattr(seg, "_unit_rows", None)
    if cached is None:
        cached = _build_span_rows(seg)
        seg._unit_rows = cached  # type: ignore[attr-defined]
    return cached


def prepare_span_rows(seg: Segments) -> None:
    """Build the span rows every scheme of `seg` reads (cached on it)."""
    _span_rows(seg)


def _build_span_rows(seg: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, theme_row, theme_idx = [], [], []
    first = 0
    for m, spans in enumerate(seg.coder_spans):  # only spans of documents the coder coded
        doc = np.searchsorted(seg.doc_offset, spans.start, side="right") - 1
        offset = seg.doc_offset[doc] if doc.size else doc
        rows.append(np.stack([doc, np.full(doc.size, m), spans.start - offset,
                              spans.end - offset, spans.stance.astype(np.int64) - 1], axis=1))
        theme_row.append(spans.theme_span + first)
        theme_idx.append(spans.theme_idx)
        first += doc.size
    if not rows:
        empty = np.zeros(0, np.int64)
        return np.zeros((0, 5), np.int64), empty, empty
    return (np.concatenate(rows).astype(np.int64), np.concatenate(theme_row),
            np.concatenate(theme_idx))


def stance_unitizing(seg: Segments) -> UnitizingScheme:
    """Stance units: each span with a stance; its category is that stance's index."""
    rows, _, _ = _span_rows(seg)
    rows = rows[rows[:, 4] >= 0]
    return UnitizingScheme("stance", seg.stance_labels, seg.doc_length, seg.doc_coded,
                           rows[:, 0], rows[:, 1], rows[:, 4], rows[:, 2], rows[:, 3])


def theme_unitizing(seg: Segments, theme: int) -> UnitizingScheme:
    """Units of theme `theme` (index into seg.theme_labels): each span carrying it."""
    rows, theme_row, theme_idx = _span_rows(seg)
    picked = rows[theme_row[theme_idx == theme]]
    name = seg.theme_labels[theme]
    return UnitizingScheme(name, [name], seg.doc_length, seg.doc_coded, picked[:, 0],
                           picked[:, 1], np.zeros(len(picked), np.int64), picked[:, 2],
                           picked[:, 3])


# ---------------------------------------------------------------- one continuum (tests, CLI)
def unitizing_alpha(units_by_category: dict[str, list[list[tuple[int, int]]]], length: int,
                    begin: int = 0) -> dict[str, object]:
    """αU for one continuum [begin, begin+length), all coders unitizing all of it.

    `units_by_category[c][m]` lists coder m's (start, end) units of c (end exclusive).
    Returns {"alpha_u", "reason", "per_label": {c: {"alpha_u", "observed", "expected",
    "reason"}}, "notes"}.
    """
    names = list(units_by_category)
    n_coders = max((len(v) for v in units_by_category.values()), default=0)
    rows = [(m, c, s - begin, e - begin) for c, name in enumerate(names)
            for m, units in enumerate(units_by_category[name]) for s, e in units]
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    scheme = UnitizingScheme("continuum", names, np.array([length]),
                             np.ones((1, n_coders), dtype=bool), np.zeros(len(arr), np.int64),
                             arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    d_o, d_e, _ = scheme.alpha_u_parts()
    overall, per = scheme.point_alpha_u()
    per_label = {name: {"alpha_u": per[c].value, "observed": float(np.nan_to_num(d_o[0, c])),
                        "expected": float(np.nan_to_num(d_e[0, c])), "reason": per[c].reason}
                 for c, name in enumerate(names)}
    return {"alpha_u": overall.value, "reason": overall.reason, "per_label": per_label,
            "notes": scheme.notes}
