"""Agreement coefficients from aggregated counts (contingency / coincidence tables).

Every function takes counts, never raw codings, so the engine can sum per-document tables and
the bootstrap only adds matrices. Each returns a `Measure`: a value, or None with the reason.

References (formulas, not code):
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Univ. of Pennsylvania.
- Cohen, J. (1960). A coefficient of agreement for nominal scales. EPM 20(1).
- Scott, W. A. (1955). Reliability of content analysis. POQ 19(3).
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psych. Bull. 76(5).
- Gwet, K. L. (2008). Computing inter-rater reliability ... in the presence of high agreement.
  BJMSP 61(1).
- Brennan, R. L. & Prediger, D. J. (1981). Coefficient kappa: some uses, misuses, and
  alternatives. EPM 41(3).
- Artstein, R. & Poesio, M. (2008). Inter-coder agreement for computational linguistics. CL 34(4).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

NO_PAIRS = "no unit was coded by two or more coders"
EPS = 1e-12


class Measure(NamedTuple):
    value: float | None
    reason: str | None = None


def undefined(reason: str) -> Measure:
    return Measure(None, reason)


def _ok(value: float) -> Measure:
    return Measure(float(value))


def coincidence_from_pair_table(table: np.ndarray, raters_per_unit: float = 2.0) -> np.ndarray:
    """Coincidences contributed by one coder pair whose units each carry `raters_per_unit` values.

    Krippendorff counts every ordered pair of values in a unit, weighted 1/(m_u - 1); a pair
    table counts each unordered pair once, hence table + table.T.
    """
    table = np.asarray(table, dtype=float)
    return (table + table.T) / (raters_per_unit - 1.0)


def krippendorff_alpha(coincidence: np.ndarray) -> Measure:
    """Nominal α from a coincidence matrix: 1 - (n-1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k."""
    o = np.asarray(coincidence, dtype=float)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1.0 + EPS:
        return undefined(NO_PAIRS)
    observed = n - np.trace(o)  # Σ_{c≠k} o_ck
    expected = (n * n - (n_c * n_c).sum()) / (n - 1.0)  # Σ_{c≠k} n_c n_k / (n-1)
    if expected <= EPS * n:
        return undefined("no variation: every coder used the same value throughout")
    return _ok(1.0 - observed / expected)


def krippendorff_alpha_batch(coincidences: np.ndarray) -> np.ndarray:
    """α for a stack of coincidence matrices (bootstrap); NaN where undefined (dropped later)."""
    o = np.asarray(coincidences, dtype=float)
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    observed = n - np.trace(o, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (n * n - (n_c * n_c).sum(axis=1)) / (n - 1.0)
        alpha = 1.0 - observed / expected
    alpha[(n <= 1.0 + EPS) | (expected <= EPS * np.maximum(n, 1.0))] = np.nan
    return alpha


def _two_rater_parts(table: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    t = np.asarray(table, dtype=float)
    n = t.sum()
    if n <= 0:
        return None
    return n, np.trace(t) / n, t.sum(axis=1) / n, t.sum(axis=0) / n


def _chance_corrected(observed: float, expected: float) -> Measure:
    if 1.0 - expected <= EPS:
        return undefined("no variation: chance agreement is 1, so the coefficient is 0/0")
    return _ok((observed - expected) / (1.0 - expected))


def percent_agreement(table: np.ndarray) -> Measure:
    parts = _two_rater_parts(table)
    return undefined(NO_PAIRS) if parts is None else _ok(parts[1])


def cohen_kappa(table: np.ndarray) -> Measure:
    """κ = (Po - Pe)/(1 - Pe), Pe = Σ_k p_a(k)·p_b(k) (each coder's own marginals)."""
    parts = _two_rater_parts(table)
    if parts is None:
        return undefined(NO_PAIRS)
    _, po, pa, pb = parts
    return _chance_corrected(po, float((pa * pb).sum()))


def scott_pi(table: np.ndarray) -> Measure:
    """π: like κ but with the pooled marginals, Pe = Σ_k ((p_a(k)+p_b(k))/2)²."""
    parts = _two_rater_parts(table)
    if parts is None:
        return undefined(NO_PAIRS)
    _, po, pa, pb = parts
    pooled = (pa + pb) / 2.0
    return _chance_corrected(po, float((pooled * pooled).sum()))


def gwet_ac1(table: np.ndarray, q: int) -> Measure:
    """Gwet's AC1 for two coders: Pe = Σ_k π_k(1-π_k)/(q-1), π_k the pooled marginal."""
    if q < 2:
        return undefined("the scheme needs at least two possible values")
    parts = _two_rater_parts(table)
    if parts is None:
        return undefined(NO_PAIRS)
    _, po, pa, pb = parts
    pooled = (pa + pb) / 2.0
    return _chance_corrected(po, float((pooled * (1.0 - pooled)).sum() / (q - 1)))


def brennan_prediger(table: np.ndarray, q: int) -> Measure:
    """Brennan–Prediger (= Bennett's S): uniform chance agreement 1/q."""
    if q < 2:
        return undefined("the scheme needs at least two possible values")
    parts = _two_rater_parts(table)
    if parts is None:
        return undefined(NO_PAIRS)
    return _chance_corrected(parts[1], 1.0 / q)


class MultiRaterCounts(NamedTuple):
    """What Fleiss' κ and multi-rater AC1 need, summed over units with exactly `raters` values."""

    units: float  # N (weighted: characters)
    raters: int  # n, the same for every unit
    agreeing_ordered_pairs: float  # Σ_u Σ_c n_uc (n_uc - 1)
    category_totals: np.ndarray  # Σ_u n_uc


def multi_rater_counts(unit_by_category: np.ndarray) -> MultiRaterCounts:
    """From a units × categories table of how many raters chose each category (Fleiss' layout)."""
    t = np.asarray(unit_by_category, dtype=float)
    raters = t.sum(axis=1)
    if t.shape[0] and not np.all(raters == raters[0]):
        raise ValueError("every unit must have the same number of raters")
    return MultiRaterCounts(
        float(t.shape[0]), int(raters[0]) if t.shape[0] else 0,
        float((t * (t - 1.0)).sum()), t.sum(axis=0),
    )


def _multi_observed(c: MultiRaterCounts) -> float | None:
    if c.units <= 0 or c.raters < 2:
        return None
    return c.agreeing_ordered_pairs / (c.units * c.raters * (c.raters - 1))


def fleiss_kappa(c: MultiRaterCounts) -> Measure:
    """Fleiss' κ = (P̄ - P̄e)/(1 - P̄e), P̄e = Σ_j p_j², p_j = Σ_u n_uj / (N·n)."""
    po = _multi_observed(c)
    if po is None:
        return undefined("no unit was coded by every selected coder")
    p = c.category_totals / (c.units * c.raters)
    return _chance_corrected(po, float((p * p).sum()))


def gwet_ac1_multi(c: MultiRaterCounts, q: int) -> Measure:
    """Gwet's (2008) AC1 for n raters rating every unit: Pe = Σ_k π_k(1-π_k)/(q-1)."""
    if q < 2:
        return undefined("the scheme needs at least two possible values")
    po = _multi_observed(c)
    if po is None:
        return undefined("no unit was coded by every selected coder")
    p = c.category_totals / (c.units * c.raters)
    return _chance_corrected(po, float((p * (1.0 - p)).sum() / (q - 1)))


def f1_score(matched: float, size_a: float, size_b: float) -> Measure:
    """F1 = 2·TP/(|A|+|B|) between two coders' span sets."""
    if size_a + size_b <= 0:
        return undefined("neither coder marked a span with this label")
    return _ok(2.0 * matched / (size_a + size_b))


def interpret_alpha(alpha: float | None) -> str:
    """Krippendorff (2004: 241): α ≥ .800 reliable; ≥ .667 tentative conclusions only."""
    if alpha is None:
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"
