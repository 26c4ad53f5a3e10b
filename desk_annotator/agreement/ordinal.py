"""Agreement on an ordered stance scale: Krippendorff's α with the ordinal and interval
metrics, and Cohen's weighted κ. Pure numpy, counts in, `Measure` out (as coefficients.py).

The scale is the stance labels in codebook order, values 1..K (index 0..K-1 here); 'none' is
not on it, so callers pass coincidences of the characters where two or more coders gave a
stance. Every single-matrix function is the batch function on a stack of one, so the point
estimate and the bootstrap share one definition.

References (formulas, not code):
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Univ. of Pennsylvania:
  α = 1 - (n-1)·Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck, with the ordinal metric
  δ²_ck = (Σ_{g=c..k} n_g - (n_c + n_k)/2)² and the interval metric δ²_ck = (c - k)².
- Cohen, J. (1968). Weighted kappa. Psychological Bulletin 70(4): κ_w = (P_o - P_e)/(1 - P_e)
  with P_o = Σ w_ij p_ij and P_e = Σ w_ij p_i. p_.j over agreement weights w.
- Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.: the linear and quadratic
  agreement weights (the same matrices serve AC2).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .coefficients import EPS, NO_PAIRS, Measure, undefined

Metric = Literal["nominal", "ordinal", "interval"]
WeightKind = Literal["identity", "linear", "quadratic"]
METRICS: tuple[str, ...] = ("nominal", "ordinal", "interval")
NO_VARIATION = "no variation: every coder used the same value throughout"
NO_SCALE = "the ordered scale needs at least two stance values"


def ordinal_weights(k: int, kind: WeightKind | str = "linear") -> np.ndarray:
    """K×K agreement weights over ranks 1..K: identity (1 on the diagonal, else 0), linear
    1 - |i-j|/(K-1), quadratic 1 - (i-j)²/(K-1)². K = 1 gives [[1]] for every kind."""
    if kind not in ("identity", "linear", "quadratic"):
        raise ValueError(f"unknown weights {kind!r}: identity, linear or quadratic")
    if k < 1:
        raise ValueError("an ordered scale needs at least one value")
    if kind == "identity" or k == 1:
        return np.eye(k)
    diff = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    return 1.0 - (diff if kind == "linear" else diff ** 2)


def metric_distances(totals: np.ndarray, metric: Metric | str) -> np.ndarray:
    """Squared differences δ²_ck for value totals ``totals`` (shape (..., V)): (..., V, V).

    The ordinal δ² depends on the totals: Σ_{g=c..k} n_g - (n_c+n_k)/2 is the distance
    between the mid-ranks cum_k - n_k/2 and cum_c - n_c/2, so it is squared differences of
    mid-ranks, which also holds for c > k.
    """
    n_c = np.asarray(totals, dtype=float)
    v = n_c.shape[-1]
    if metric == "nominal":
        return np.broadcast_to(1.0 - np.eye(v), n_c.shape + (v,)).copy()
    if metric == "interval":
        ranks = np.arange(1, v + 1, dtype=float)
        return np.broadcast_to(np.subtract.outer(ranks, ranks) ** 2, n_c.shape + (v,)).copy()
    if metric == "ordinal":
        mid = np.cumsum(n_c, axis=-1) - n_c / 2.0
        return (mid[..., :, None] - mid[..., None, :]) ** 2
    raise ValueError(f"unknown metric {metric!r}: nominal, ordinal or interval")


def _alpha_parts(o: np.ndarray, metric: str) -> tuple[np.ndarray, ...]:
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    delta = metric_distances(n_c, metric)
    observed = (o * delta).sum(axis=(1, 2))
    expected_sum = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2))
    # Undefined below a scale-relative floor (one value used gives exactly 0).
    floor = EPS * n * n * delta.max(axis=(1, 2), initial=0.0)
    no_pairs = n <= 1.0 + EPS
    flat = ~no_pairs & (expected_sum <= floor)
    return n, observed, expected_sum, no_pairs, flat


def krippendorff_alpha_metric_batch(coincidences: np.ndarray,
                                    metric: Metric | str = "ordinal") -> np.ndarray:
    """α for a stack (B, V, V) of coincidence matrices over the ordered values; NaN where
    undefined (no pairable values, or no variation)."""
    o = np.asarray(coincidences, dtype=float)
    if o.ndim != 3 or o.shape[1] != o.shape[2]:
        raise ValueError("expected a stack of square coincidence matrices (B, V, V)")
    n, observed, expected_sum, no_pairs, flat = _alpha_parts(o, metric)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * observed / expected_sum
    alpha[no_pairs | flat] = np.nan
    return alpha


def krippendorff_alpha_metric(coincidence: np.ndarray,
                              metric: Metric | str = "ordinal") -> Measure:
    """α with the given metric from one V×V coincidence matrix (values in scale order)."""
    o = np.asarray(coincidence, dtype=float)[None]
    if o.shape[-1] < 2 and metric != "nominal":
        return undefined(NO_SCALE)
    *_, no_pairs, flat = _alpha_parts(o, metric)
    if no_pairs[0]:
        return undefined(NO_PAIRS)
    if flat[0]:
        return undefined(NO_VARIATION)
    return Measure(float(krippendorff_alpha_metric_batch(o, metric)[0]))


def krippendorff_alpha_ordinal(coincidence: np.ndarray) -> Measure:
    """Krippendorff's α, ordinal metric (2011: δ²_ck = (Σ_{g=c..k} n_g - (n_c+n_k)/2)²)."""
    return krippendorff_alpha_metric(coincidence, "ordinal")


def krippendorff_alpha_interval(coincidence: np.ndarray) -> Measure:
    """Krippendorff's α, interval metric on the ranks 1..K (δ²_ck = (c-k)²)."""
    return krippendorff_alpha_metric(coincidence, "interval")


def krippendorff_alpha_ordinal_batch(coincidences: np.ndarray) -> np.ndarray:
    return krippendorff_alpha_metric_batch(coincidences, "ordinal")


def krippendorff_alpha_interval_batch(coincidences: np.ndarray) -> np.ndarray:
    return krippendorff_alpha_metric_batch(coincidences, "interval")


def _weights_for(k: int, weights: WeightKind | str | np.ndarray) -> np.ndarray:
    if isinstance(weights, str):
        return ordinal_weights(k, weights)
    w = np.asarray(weights, dtype=float)
    if w.shape != (k, k):
        raise ValueError(f"weights must be {k}×{k}, got {w.shape}")
    return w


def _weighted_kappa_parts(t: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    n = t.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = t / n[:, None, None]
        po = (w * p).sum(axis=(1, 2))
        pe = (w * (p.sum(axis=2)[:, :, None] * p.sum(axis=1)[:, None, :])).sum(axis=(1, 2))
    empty = n <= 0
    flat = ~empty & (1.0 - pe <= EPS)
    return po, pe, empty, flat


def weighted_cohen_kappa_batch(tables: np.ndarray,
                               weights: WeightKind | str | np.ndarray = "linear") -> np.ndarray:
    """Weighted κ for a stack (B, K, K) of two-coder tables (rows coder A, columns coder B,
    both in scale order); NaN where undefined."""
    t = np.asarray(tables, dtype=float)
    if t.ndim != 3 or t.shape[1] != t.shape[2]:
        raise ValueError("expected a stack of square two-coder tables (B, K, K)")
    w = _weights_for(t.shape[1], weights)
    po, pe, empty, flat = _weighted_kappa_parts(t, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (po - pe) / (1.0 - pe)
    kappa[empty | flat] = np.nan
    return kappa


def weighted_cohen_kappa(table: np.ndarray,
                         weights: WeightKind | str | np.ndarray = "linear") -> Measure:
    """Cohen's (1968) weighted κ for one K×K two-coder table; ``weights`` "linear",
    "quadratic", "identity" (= unweighted κ) or a K×K agreement-weight matrix."""
    t = np.asarray(table, dtype=float)[None]
    w = _weights_for(t.shape[1], weights)
    _, _, empty, flat = _weighted_kappa_parts(t, w)
    if empty[0]:
        return undefined(NO_PAIRS)
    if flat[0]:
        return undefined("no variation: chance agreement is 1, so the coefficient is 0/0")
    return Measure(float(weighted_cohen_kappa_batch(t, w)[0]))
