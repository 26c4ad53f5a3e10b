"""Krippendorff's unitizing alpha αU (Krippendorff 1995; 2004: 251-256).

Each coder cuts the continuum into units of category c and gaps. Observed disagreement sums,
over ordered coder pairs, the squared distances of overlapping sections: two overlapping units
differ by (b1-b2)² + (e1-e2)²; a unit lying wholly inside the other coder's gap costs l². Expected
disagreement compares every unit with every possible placement among all coders' units and gaps.
Per category c (m coders, continuum length L, N_c units of c over all coders):

    D_O(c) = Σ_ordered pairs Σ δ² / (m(m-1)L²)
    D_E(c) = 2/L · Σ_units[(N_c-1)(2l³-3l²+l)/3 + l²·Σ_{gaps g>=l}(g-l+1)] / (mL(mL-1) - Σ_units l(l-1))
    αU(c)  = 1 - D_O(c)/D_E(c);   αU = 1 - mean_c D_O(c) / mean_c D_E(c) over categories used

as implemented in DKPro Statistics' KrippendorffAlphaUnitizingAgreement (ideas only, not code).
Units of one coder and category must not overlap; the engine derives them as maximal runs of
the coder's character values, so they never do. Everything is vectorised over *blocks* (the
whole continuum, or one block per document) so per-document αU costs no Python loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from desk_annotator.agreement.coefficients import Measure, undefined

Units = tuple[np.ndarray, np.ndarray]  # (starts, ends) sorted, disjoint


class UnitizingParts(NamedTuple):
    observed: np.ndarray  # (C, B) D_O per category and block
    expected: np.ndarray  # (C, B) D_E
    units: np.ndarray  # (C, B) number of units (all coders)


def _block_of(pos: np.ndarray, block_start: np.ndarray) -> np.ndarray:
    return np.searchsorted(block_start, pos, side="right") - 1


def _pair_distance(a: Units, b: Units, block_start: np.ndarray, n_blocks: int) -> np.ndarray:
    """Σ δ² over one unordered coder pair, per block (units of a vs b and b vs a)."""
    (sa, ea), (sb, eb) = a, b
    lo = np.searchsorted(eb, sa, side="right")  # first b unit ending after a starts
    hi = np.searchsorted(sb, ea, side="left")  # first b unit starting at/after a ends
    total = np.zeros(n_blocks)
    if sa.size and sb.size:
        from desk_annotator.agreement.segments import expand_ranges
        j, i = expand_ranges(lo, hi)
        dist = (sa[i] - sb[j]).astype(float) ** 2 + (ea[i] - eb[j]).astype(float) ** 2
        total += np.bincount(_block_of(sa[i], block_start), dist, n_blocks)
    alone_a = hi - lo <= 0
    total += np.bincount(_block_of(sa[alone_a], block_start),
                         (ea[alone_a] - sa[alone_a]).astype(float) ** 2, n_blocks)
    lo_b = np.searchsorted(ea, sb, side="right")
    hi_b = np.searchsorted(sa, eb, side="left")
    alone_b = hi_b - lo_b <= 0
    total += np.bincount(_block_of(sb[alone_b], block_start),
                         (eb[alone_b] - sb[alone_b]).astype(float) ** 2, n_blocks)
    return total


def _gaps(units: Units, block_start: np.ndarray, block_end: np.ndarray,
          present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gap lengths and their blocks for one coder: the stretches between its units and fences."""
    s, e = units
    blocks = np.flatnonzero(present)
    unit_block = _block_of(s, block_start)
    left = np.concatenate((e, block_start[blocks]))
    left_kind = np.concatenate((np.zeros(e.size), np.ones(blocks.size)))
    left_block = np.concatenate((unit_block, blocks))
    right = np.concatenate((s, block_end[blocks]))
    right_kind = np.concatenate((np.ones(s.size), np.zeros(blocks.size)))
    lo = np.lexsort((left_kind, left))
    ro = np.lexsort((right_kind, right))
    gap = right[ro] - left[lo]
    keep = gap > 0
    return gap[keep], left_block[lo][keep]


def unitizing_parts(units: list[list[Units]], block_start: np.ndarray, block_end: np.ndarray,
                    present: np.ndarray) -> UnitizingParts:
    """D_O, D_E per category and block. `units[c][m]` = coder m's units of category c;
    `present[b, m]`: coder m unitized block b (pairs and gaps only count where both did)."""
    block_start = np.asarray(block_start, dtype=np.int64)
    block_end = np.asarray(block_end, dtype=np.int64)
    n_blocks, n_coders = present.shape
    length = (block_end - block_start).astype(float)
    raters = present.sum(axis=1).astype(float)
    big = int(block_end.max(initial=0)) + 2
    shape = (len(units), n_blocks)
    observed, expected, counts = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    if n_coders == 0:  # no coder selected: nothing unitized, every value undefined
        return UnitizingParts(observed, expected, counts)
    for c, per_coder in enumerate(units):
        dist = np.zeros(n_blocks)
        for m1 in range(n_coders):
            for m2 in range(m1 + 1, n_coders):
                both = present[:, m1] & present[:, m2]
                dist += _pair_distance(per_coder[m1], per_coder[m2], block_start, n_blocks) * both
        gap_parts = [_gaps(per_coder[m], block_start, block_end, present[:, m])
                     for m in range(n_coders)]
        gaps = np.concatenate([g for g, _ in gap_parts]) if gap_parts else np.zeros(0)
        gap_block = np.concatenate([b for _, b in gap_parts]) if gap_parts else np.zeros(0)
        order = np.argsort(gap_block * big + gaps, kind="stable")
        keys = (gap_block * big + gaps)[order]
        csum = np.concatenate(([0.0], np.cumsum(gaps[order].astype(float))))

        starts = np.concatenate([per_coder[m][0] for m in range(n_coders)])
        ends = np.concatenate([per_coder[m][1] for m in range(n_coders)])
        ub = _block_of(starts, block_start)
        valid = np.ones(starts.size, dtype=bool)
        if starts.size:
            owner = np.repeat(np.arange(n_coders), [per_coder[m][0].size for m in range(n_coders)])
            valid = present[ub, owner]
        starts, ends, ub = starts[valid], ends[valid], ub[valid]
        lu = (ends - starts).astype(float)
        n_c = np.bincount(ub, minlength=n_blocks).astype(float)
        i0 = np.searchsorted(keys, ub * big + (ends - starts), side="left")
        i1 = np.searchsorted(keys, (ub + 1) * big, side="left")
        gap_sum = (csum[i1] - csum[i0]) - (lu - 1.0) * (i1 - i0)
        per_unit = (n_c[ub] - 1.0) * (2 * lu**3 - 3 * lu**2 + lu) / 3.0 + lu**2 * gap_sum
        numerator = np.bincount(ub, per_unit, n_blocks)
        squared = np.bincount(ub, lu * (lu - 1.0), n_blocks)
        ml = raters * length
        with np.errstate(divide="ignore", invalid="ignore"):
            observed[c] = np.where(raters >= 2, 2.0 * dist / (raters * (raters - 1) * length**2), 0.0)
            expected[c] = np.where((raters >= 2) & (n_c > 0),
                                   2.0 / length * numerator / (ml * (ml - 1.0) - squared), 0.0)
        counts[c] = n_c
    return UnitizingParts(np.nan_to_num(observed), np.nan_to_num(expected), counts)


def category_alpha(observed: float, expected: float, n_units: float) -> Measure:
    if n_units <= 0:
        return undefined("no coder marked a unit with this label")
    if expected <= 1e-15:
        return undefined("no variation: expected disagreement is zero")
    return Measure(float(1.0 - observed / expected))


def overall_alpha(observed: np.ndarray, expected: np.ndarray, n_units: np.ndarray) -> Measure:
    """1 - mean D_O / mean D_E over the categories that occur (axis 0), as in DKPro."""
    used = n_units > 0
    if not used.any():
        return undefined("no coder marked any unit")
    d_e = float(expected[used].sum())
    if d_e <= 1e-15:
        return undefined("no variation: expected disagreement is zero")
    return Measure(float(1.0 - observed[used].sum() / d_e))


def unitizing_alpha(units_by_category: dict[str, list[list[tuple[int, int]]]], length: int,
                    begin: int = 0) -> dict[str, object]:
    """αU for one continuum [begin, begin+length), all coders unitizing all of it.

    `units_by_category[c][m]` lists coder m's (start, end) units of c (end exclusive).
    Returns {"alpha_u", "reason", "per_label": {c: {"alpha_u", "observed", "expected", "reason"}}}.
    """
    names = list(units_by_category)
    n_coders = max((len(v) for v in units_by_category.values()), default=0)
    units: list[list[Units]] = []
    for name in names:
        per_coder = []
        for m in range(n_coders):
            pairs = sorted(units_by_category[name][m]) if m < len(units_by_category[name]) else []
            arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2) - begin
            per_coder.append((arr[:, 0].copy(), arr[:, 1].copy()))
        units.append(per_coder)
    parts = unitizing_parts(units, np.array([0]), np.array([length]),
                            np.ones((1, n_coders), dtype=bool))
    per_label = {}
    for c, name in enumerate(names):
        m = category_alpha(parts.observed[c, 0], parts.expected[c, 0], parts.units[c, 0])
        per_label[name] = {"alpha_u": m.value, "observed": float(parts.observed[c, 0]),
                           "expected": float(parts.expected[c, 0]), "reason": m.reason}
    overall = overall_alpha(parts.observed[:, 0], parts.expected[:, 0], parts.units[:, 0])
    return {"alpha_u": overall.value, "reason": overall.reason, "per_label": per_label}
