"""The unitizing-alpha family of Krippendorff, Mathet, Bouvry & Widlöcher (2016).

Krippendorff, K., Mathet, Y., Bouvry, S. & Widlöcher, A. (2016). On the reliability of
unitizing textual continua: Further developments. Quality & Quantity 50: 2347-2364.
(Formulas from the paper as restated in our brief; no code was consulted.)

SECTIONS. For every coder i and document d that i coded, i's *sections* are its units exactly as
coded (value = the unit's category; overlapping units are NOT merged) plus its gaps: maximal
stretches of d that none of i's units cover (value ∅). Where two units of one coder overlap,
each stays a section of its own, so such a character carries two values for that coder and is
counted twice in the coincidences below; that is the "units as coded" reading, and the merged
reading of αU (unitizing.py) is deliberately not applied here.

COINCIDENCES (values v = 0 for ∅, 1..C for the categories), m_d = coders who coded d:
    uo_ck = Σ_d 1/(m_d-1) Σ_{ordered coder pairs i≠j in d} Σ_{g of i valued c} Σ_{h of j valued k}
            |s_g ∩ s_h|
    l_c = Σ_k uo_ck,  l = Σ_c l_c
    ue_ck = l·(l_c·l_k − [c=k]·Σ_{sections s valued c} w(s)) / (l² − Σ_{all sections} w(s))
with w(s) = len(s)² for a unit (one indivisible whole: it can be paired with itself only as a
whole) and w(s) = len(s) for a gap (its characters are independent, like single-character units).
Intersections are computed by one sweep: all section boundaries of all coders cut the documents
into elementary segments inside which every coder's multiset of covering values is constant;
|s_g ∩ s_h| summed over sections is Σ_segments len·[g covers]·[h covers], so per segment the
ordered-pair sum is len·(N⊗N − Σ_i N_i⊗N_i) with N_i the value counts of coder i and N = Σ_i N_i.
That is linear in the number of boundaries, with no loop over coder pairs or sections.

COEFFICIENTS (nominal δ; ∅ differs from every category):
    u_alpha          = 1 − Σ_{c≠k} uo_ck / Σ_{c≠k} ue_ck              (where AND what)
    binary_u_alpha   = the same after mapping every category to one value "unit" (units stay
                       separate sections): agreement on WHERE only (the paper's |uα)
    cu_alpha         = nominal α on uo without the ∅ row and column (WHAT, given where):
                       1 − (n−1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k
    per_category[k]  = 1 − Σ_{c≠k} uo_kc / Σ_{c≠k} ue_kc  (disagreements in k's row only)

BOOTSTRAP. uo and Σw(s) are sums over documents, so for a document weight matrix W (B, D) (row =
how often each document is drawn; the point estimate is W = ones((1, D))) the weighted uo is
W @ uo_d and everything else follows from it. Undefined values are NaN; `point_2016` gives the
point estimate as Measures with reasons.

API
    coincidences_2016(doc, coder, value, start, end, doc_length, doc_coded, n_categories)
        -> (uo_d (D, V, V), wsum_d (D, V)), V = n_categories + 1, value 0 = ∅
    family_from_parts(uo_d, wsum_d, W) -> {"u_alpha", "binary_u_alpha", "cu_alpha": (B,),
                                           "per_category": (B, C)}
    point_2016(uo_d, wsum_d) -> {"u_alpha", "binary_u_alpha", "cu_alpha": Measure,
                                 "per_category": list[Measure]}
"""

from __future__ import annotations

import numpy as np

from desk_annotator.agreement.coefficients import Measure, undefined
from desk_annotator.agreement.segments import expand_ranges

EPS = 1e-12
NO_PAIRS = "no document was coded by two or more coders"
NO_UNITS = "no coder marked a unit"
NO_VARIATION = "no variation: expected disagreement is zero"
ONE_CATEGORY = "only one category occurs among overlapping units"
NO_OVERLAP = "no unit of one coder overlaps a unit of another"
NO_LABEL = "no coder marked a unit with this label"


def _doc_sums(values: np.ndarray, seg_doc: np.ndarray, n_docs: int) -> np.ndarray:
    """Sum rows of `values` (S, ...) per document; segments are contiguous by document."""
    out = np.zeros((n_docs,) + values.shape[1:])
    if seg_doc.size:
        first = np.flatnonzero(np.concatenate(([True], seg_doc[1:] != seg_doc[:-1])))
        out[seg_doc[first]] = np.add.reduceat(values, first, axis=0)
    return out


def _outer_sums(counts: np.ndarray, seg_len: np.ndarray, seg_doc: np.ndarray,
                n_docs: int) -> np.ndarray:
    """Σ per document of len · counts ⊗ counts (D, V·V), one value pair at a time: a
    (segments × V²) product would hold ~400 MB for two million segments."""
    n_values = counts.shape[1]
    out = np.zeros((n_docs, n_values * n_values))
    for k in range(n_values):
        weighted = counts[:, k] * seg_len
        for j in range(k, n_values):  # symmetric: (j, k) is (k, j), whole numbers both ways
            out[:, k * n_values + j] = _doc_sums(weighted * counts[:, j], seg_doc, n_docs)
            out[:, j * n_values + k] = out[:, k * n_values + j]
    return out


def by_group_then_start(group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """np.lexsort((start, group)), the same permutation, as one stable sort of one int64 key
    when it fits (a two-key lexsort of a million units took several times as long)."""
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    big = int(start.max()) + 1
    if int(start.min()) >= 0 and int(group.min()) >= 0 and (int(group.max()) + 1) * big < 2**62:
        return np.argsort(group * big + start, kind="stable")
    return np.lexsort((start, group))


def _covering_coders(doc, coder, g_start, g_end, cuts, n_coders, n_seg,
                     order=None) -> np.ndarray:
    """How many coders have a unit over each segment: each coder's units merged per document
    into disjoint stretches, counted by one difference array."""
    if doc.size == 0:
        return np.zeros(n_seg, dtype=np.int64)
    group = doc * n_coders + coder
    if order is None:
        order = by_group_then_start(group, g_start)
    g, s, e = group[order], g_start[order], g_end[order]
    big = int(e.max()) + 1
    reach = np.maximum.accumulate(g * big + e) - g * big  # running end within the group
    fresh = np.ones(g.size, dtype=bool)
    fresh[1:] = (g[1:] != g[:-1]) | (s[1:] >= reach[:-1])
    first = np.flatnonzero(fresh)
    lo = np.searchsorted(cuts, s[first])
    hi = np.searchsorted(cuts, np.maximum.reduceat(e, first))
    return np.cumsum(np.bincount(lo, minlength=n_seg + 1) -
                     np.bincount(hi, minlength=n_seg + 1))[:-1]


def _own_overlaps(doc, coder, g_start, g_end, n_coders, order=None):
    """Every pair (x, y) of one coder's units that overlap, once, with the overlap's length:
    y is a later unit in (start, input order) that starts before x ends, so only real
    overlaps are listed (no window that a long unit could blow up)."""
    if doc.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0)
    group = doc * n_coders + coder
    if order is None:
        order = by_group_then_start(group, g_start)
    g, s, e = group[order], g_start[order], g_end[order]
    big = int(g_end.max()) + 1
    key = g * big + s  # sorted
    until = np.searchsorted(key, g * big + e, side="left")  # same coder, starts before x ends
    later, at = expand_ranges(np.arange(1, g.size + 1), until)
    if later.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0)
    overlap = (np.minimum(e[at], e[later]) - s[later]).astype(float)
    return order[at], order[later], overlap


def coincidences_2016(doc: np.ndarray, coder: np.ndarray, value: np.ndarray, start: np.ndarray,
                      end: np.ndarray, doc_length: np.ndarray, doc_coded: np.ndarray,
                      n_categories: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-document observed coincidences uo_d (D, V, V) and Σ w(s) per value wsum_d (D, V).

    Units are given as coded: `value` in 1..n_categories, positions within their document.
    Documents with fewer than two coders contribute nothing (no pairs, no sections)."""
    doc_length = np.asarray(doc_length, dtype=np.int64)
    n_docs, n_coders = doc_coded.shape
    n_values = n_categories + 1
    raters = doc_coded.sum(axis=1)
    valid = raters >= 2
    keep = valid[doc] & doc_coded[doc, coder] & (end > start)
    doc, coder, value = doc[keep], coder[keep], value[keep]
    start, end = start[keep], end[keep]
    offset = np.concatenate(([0], np.cumsum(doc_length)[:-1])).astype(np.int64)
    total = int(doc_length.sum())
    g_start, g_end = offset[doc] + start, offset[doc] + end
    # Each unit's first and end segment from unique's inverse (no binary search per unit).
    cuts, where = np.unique(np.concatenate((offset, [total], g_start, g_end)),
                            return_inverse=True)
    lo, hi = where[offset.size + 1:offset.size + 1 + doc.size], where[offset.size + 1 + doc.size:]
    del where
    seg_start, seg_len = cuts[:-1], np.diff(cuts).astype(float)
    seg_doc = np.searchsorted(offset, seg_start, side="right") - 1
    n_seg = seg_start.size

    # Σ over ordered coder pairs i ≠ j of c_i c_jᵀ = N Nᵀ − Σ_i c_i c_iᵀ (N = Σ_i c_i). N comes
    # from one difference array over every unit, its ∅ column from how many coders cover each
    # segment; Σ_i c_i c_iᵀ is each unit with itself (its length on the diagonal), each gap on
    # the ∅ diagonal, and each pair of one coder's overlapping units (their overlap, both
    # ways) — no pass per coder over the segments.
    # One weighted bincount (+1 where a unit starts, −1 where it ends) rather than two counts
    # and their difference: at 1 M annotations each (segments × values) array is ~64 MB, and
    # the three of them were the report's peak. The ±1 sums are whole numbers, exact in floats.
    size = (n_seg + 1) * n_values
    diff = np.bincount(np.concatenate((lo * n_values + value, hi * n_values + value)),
                       np.concatenate((np.ones(lo.size), -np.ones(hi.size))), size)
    pooled = np.cumsum(diff.reshape(n_seg + 1, n_values)[:-1], axis=0)
    del diff, lo, hi, seg_start
    by_coder = by_group_then_start(doc * n_coders + coder, g_start)  # both passes' order
    covering = _covering_coders(doc, coder, g_start, g_end, cuts, n_coders, n_seg,
                                by_coder)
    gap = np.where(valid[seg_doc], raters[seg_doc] - covering, 0) if n_seg else covering
    pooled[:, 0] = gap
    gap_length = _doc_sums(gap * seg_len, seg_doc, n_docs)
    lengths = (end - start).astype(float)
    v2 = n_values * n_values
    self_pairs = np.bincount(doc * v2 + value * (n_values + 1), lengths,
                             n_docs * v2).astype(float)  # float even with no units
    self_pairs[np.arange(n_docs) * v2] += gap_length
    x, y, overlap = _own_overlaps(doc, coder, g_start, g_end, n_coders, by_coder)
    if x.size:
        cell = doc[x] * v2
        self_pairs += np.bincount(cell + value[x] * n_values + value[y], overlap, n_docs * v2)
        self_pairs += np.bincount(cell + value[y] * n_values + value[x], overlap, n_docs * v2)
    ordered = _outer_sums(pooled, seg_len, seg_doc, n_docs) - \
        self_pairs.reshape(n_docs, v2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(valid, 1.0 / np.maximum(raters - 1, 1), 0.0)
    uo_d = (ordered * scale[:, None]).reshape(n_docs, n_values, n_values)

    wsum_d = np.bincount(doc * n_values + value, lengths ** 2, n_docs * n_values).astype(
        float).reshape(n_docs, n_values)
    wsum_d[:, 0] = gap_length
    return uo_d, wsum_d


def _weighted(uo_d: np.ndarray, wsum_d: np.ndarray, w: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray]:
    n_docs, n_values = wsum_d.shape
    w = np.ones((1, n_docs)) if w is None else np.atleast_2d(np.asarray(w, dtype=float))
    uo = (w @ uo_d.reshape(n_docs, n_values * n_values)).reshape(-1, n_values, n_values)
    return uo, w @ wsum_d


def _ratio(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > EPS, 1.0 - observed / np.where(expected > EPS, expected, 1),
                        np.nan)


def _u_parts(uo: np.ndarray, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray, np.ndarray]:
    """(off-diagonal observed, off-diagonal expected, margins, l, l² − Σw) per resample."""
    margins = uo.sum(axis=2)
    total = margins.sum(axis=1)
    observed = total - np.trace(uo, axis1=1, axis2=2)
    denom = total**2 - ws.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(denom > EPS, total * (total**2 - (margins**2).sum(axis=1)) / denom,
                            0.0)
    return observed, expected, margins, total, denom


def _binary(uo: np.ndarray, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collapse every category into one value "unit": coincidences add up block-wise."""
    b = np.empty((uo.shape[0], 2, 2))
    b[:, 0, 0] = uo[:, 0, 0]
    b[:, 0, 1] = uo[:, 0, 1:].sum(axis=1)
    b[:, 1, 0] = uo[:, 1:, 0].sum(axis=1)
    b[:, 1, 1] = uo[:, 1:, 1:].sum(axis=(1, 2))
    return b, np.stack((ws[:, 0], ws[:, 1:].sum(axis=1)), axis=1)


def _cu_parts(uo: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    o = uo[:, 1:, 1:]
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    observed = (n - 1.0) * (n - np.trace(o, axis1=1, axis2=2))
    expected = n**2 - (n_c**2).sum(axis=1)
    return observed, np.where(n > 1.0 + EPS, expected, 0.0), n


def family_from_parts(uo_d: np.ndarray, wsum_d: np.ndarray, w: np.ndarray | None = None
                      ) -> dict[str, np.ndarray]:
    """All four coefficients for each row of the document weight matrix `w` (B, D)."""
    uo, ws = _weighted(uo_d, wsum_d, w)
    observed, expected, margins, total, denom = _u_parts(uo, ws)
    has_units = ws[:, 1:].sum(axis=1) > 0
    out = {"u_alpha": np.where(has_units, _ratio(observed, expected), np.nan)}
    b_obs, b_exp, *_ = _u_parts(*_binary(uo, ws))
    out["binary_u_alpha"] = np.where(has_units, _ratio(b_obs, b_exp), np.nan)
    c_obs, c_exp, _ = _cu_parts(uo)
    out["cu_alpha"] = _ratio(c_obs, c_exp)
    # Row k of ue off the diagonal: l·l_k·(l − l_k)/(l² − Σw); row k of uo: l_k − uo_kk.
    lk = margins[:, 1:]
    diag = np.diagonal(uo, axis1=1, axis2=2)[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        k_exp = np.where(denom[:, None] > EPS,
                         total[:, None] * lk * (total[:, None] - lk) / denom[:, None], 0.0)
    out["per_category"] = np.where(ws[:, 1:] > 0, _ratio(lk - diag, k_exp), np.nan)
    return out


def _measure(value: float, reason: str) -> Measure:
    return Measure(float(value)) if np.isfinite(value) else undefined(reason)


def point_2016(uo_d: np.ndarray, wsum_d: np.ndarray) -> dict[str, object]:
    """Point estimates (all documents once) as Measures, with the reason when undefined."""
    family = family_from_parts(uo_d, wsum_d)
    uo, ws = _weighted(uo_d, wsum_d, None)
    total = uo.sum()
    any_units = ws[0, 1:].sum() > 0
    general = NO_PAIRS if total <= 0 else NO_UNITS if not any_units else NO_VARIATION
    _, _, n = _cu_parts(uo)
    cu_reason = general if total <= 0 or not any_units else \
        NO_OVERLAP if n[0] <= 1.0 + EPS else ONE_CATEGORY
    return {
        "u_alpha": _measure(family["u_alpha"][0], general),
        "binary_u_alpha": _measure(family["binary_u_alpha"][0], general),
        "cu_alpha": _measure(family["cu_alpha"][0], cu_reason),
        "per_category": [_measure(v, NO_LABEL if ws[0, k + 1] <= 0 else general)
                         for k, v in enumerate(family["per_category"][0])],
    }
