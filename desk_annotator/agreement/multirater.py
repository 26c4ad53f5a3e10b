"""Multi-rater coefficients with missing ratings, as Gwet (2014) and irrCAC compute them.

Units are characters. A character carries r_u ratings (one per coder who coded its document)
and r_uk of them give value k. Gwet's estimators, with an agreement weight matrix w (identity
for the nominal coefficients, linear or quadratic for AC2 on an ordered scale):

    p_a  = (1/n₂) Σ_{u: r_u ≥ 2} Σ_k r_uk (r*_uk − 1) / (r_u (r_u − 1)),   r*_uk = Σ_l w_kl r_ul
    π_k  = (1/n₁) Σ_{u: r_u ≥ 1} r_uk / r_u
    Fleiss' κ:        p_e = Σ_k Σ_l w_kl π_k π_l
    AC1 / AC2:        p_e = T_w / (q (q − 1)) · Σ_k π_k (1 − π_k),   T_w = Σ_kl w_kl
    Brennan–Prediger: p_e = T_w / q²
    coefficient = (p_a − p_e) / (1 − p_e)

n₂ counts characters with two or more ratings (only those show agreement), n₁ characters with
at least one (every rating says something about the categories' prevalence). This is what
removes the complete-case bias Zapf et al. (2016) describe: a character one coder skipped is
not dropped, it simply has fewer ratings. Every sum is a sum over documents, so the document
bootstrap only needs the per-document features of :class:`RatingFeatures` times the resample
weights.

References (formulas, not code): Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th
ed., ch. 2 and 3; Gwet, K. L. (2008). BJMSP 61(1); Fleiss (1971); Brennan & Prediger (1981).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from desk_annotator.agreement.coefficients import EPS, Measure, undefined

NO_MULTIPLE = "no character carries ratings of two or more coders"


class RatingFeatures(NamedTuple):
    """Per-document sums (rows = documents) from which every multi-rater figure follows."""

    n2: np.ndarray  # (D,) characters with >= 2 ratings
    n1: np.ndarray  # (D,) characters with >= 1 rating
    pi_num: np.ndarray  # (D, V) Σ_u r_uk / r_u over characters with >= 1 rating
    pa_num: dict[str, np.ndarray]  # weight name -> (D,) Σ_u Σ_k r_uk (r*_uk - 1)/(r_u(r_u-1))

    def stacked(self) -> np.ndarray:
        """One (D, F) matrix for the bootstrap's single matrix product."""
        return np.column_stack([self.n2, self.n1, self.pi_num] + list(self.pa_num.values()))

    def unstack(self, sums: np.ndarray) -> RatingFeatures:
        """The inverse of :meth:`stacked` for resampled sums (B, F): fields become (B, …)."""
        v = self.pi_num.shape[1]
        names = list(self.pa_num)
        return RatingFeatures(sums[:, 0], sums[:, 1], sums[:, 2:2 + v],
                              {n: sums[:, 2 + v + i] for i, n in enumerate(names)})

    def total(self) -> RatingFeatures:
        """Sums over all documents as a one-row batch."""
        return self.unstack(self.stacked().sum(axis=0, keepdims=True))


def rating_counts(values: np.ndarray, n_values: int) -> np.ndarray:
    """(S, V) how many coders gave each value in each segment; negative values are missing.
    One comparison pass per value over the small-integer (coders × segments) array."""
    counts = np.empty((values.shape[1], n_values))
    for k in range(n_values):
        counts[:, k] = np.count_nonzero(values == k, axis=0)
    return counts


def rating_features(counts: np.ndarray, length: np.ndarray, doc: np.ndarray, n_docs: int,
                    weights: dict[str, np.ndarray]) -> RatingFeatures:
    """Per-document features from segment rating counts (S, V), segment lengths and documents."""
    r = counts.sum(axis=1)
    length = np.asarray(length, dtype=float)
    one, two = r >= 1, r >= 2
    n1 = np.bincount(doc[one], length[one], n_docs)
    n2 = np.bincount(doc[two], length[two], n_docs)
    share = np.zeros_like(counts)
    # divide's `where` rather than share[one] = counts[one] / r[one, None]: the same quotients,
    # without copying the rated rows out and back (the stance of the 1 M-annotation project,
    # 1.96 M segments x 5 values: 0.27-0.42 -> 0.04 s).
    np.divide(counts, r[:, None], out=share, where=one[:, None])
    pi_num = np.stack([np.bincount(doc, length * share[:, k], n_docs)
                       for k in range(counts.shape[1])], axis=1) if counts.shape[1] else \
        np.zeros((n_docs, 0))
    pa_num = {}
    denom = np.where(two, r * (r - 1.0), 1.0)
    for name, w in weights.items():
        weighted = counts @ np.asarray(w, dtype=float).T  # r*_uk
        per_unit = np.where(two, (counts * (weighted - 1.0)).sum(axis=1) / denom, 0.0)
        pa_num[name] = np.bincount(doc, length * per_unit, n_docs)
    return RatingFeatures(n2, n1, pi_num, pa_num)


def add_prevalence(features: RatingFeatures, extra_pi: np.ndarray, extra_n1: float) -> RatingFeatures:
    """Add characters rated once (documents only one selected coder coded) to the prevalence
    sums of a batch: they hold no agreement but do say how often each value is used."""
    return RatingFeatures(features.n2, features.n1 + extra_n1, features.pi_num + extra_pi,
                          features.pa_num)


def _coefficient(pa: np.ndarray, pe: np.ndarray, ok: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (pa - pe) / (1.0 - pe)
    return np.where(ok & (1.0 - pe > EPS), value, np.nan)


def batch(f: RatingFeatures, weights: dict[str, np.ndarray], q: int) -> dict[str, np.ndarray]:
    """Every coefficient for a batch of feature sums (fields shaped (B, …)); NaN = undefined.

    Keys: ``percent_agreement``, ``fleiss_kappa``, ``gwet_ac1``, ``brennan_prediger`` from the
    identity weights, and ``gwet_ac2_<name>`` / ``fleiss_kappa_<name>`` for other weights."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = f.pi_num / f.n1[:, None]
    ok = (f.n2 > 0) & (f.n1 > 0)
    out: dict[str, np.ndarray] = {}
    for name, w in weights.items():
        w = np.asarray(w, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            pa = f.pa_num[name] / f.n2
        # T_w = Σ_kl w_kl over the q categories of the scale; for the identity that is q even
        # when the value table has an unused `none` column (stance_categories decides q).
        t_w = float(q) if name == "identity" else float(w.sum())
        pe_fleiss = np.einsum("bk,kl,bl->b", pi, w, pi)
        pe_ac = t_w / (q * (q - 1.0)) * (pi * (1.0 - pi)).sum(axis=1) if q >= 2 else np.nan
        pe_bp = np.full_like(pa, t_w / (q * q))
        if name == "identity":
            out["percent_agreement"] = np.where(f.n2 > 0, pa, np.nan)
            out["fleiss_kappa"] = _coefficient(pa, pe_fleiss, ok)
            out["gwet_ac1"] = _coefficient(pa, pe_ac, ok) if q >= 2 else np.full_like(pa, np.nan)
            out["brennan_prediger"] = _coefficient(pa, pe_bp, ok) if q >= 2 else \
                np.full_like(pa, np.nan)
        else:
            out[f"fleiss_kappa_{name}"] = _coefficient(pa, pe_fleiss, ok)
            out[f"gwet_ac2_{name}"] = _coefficient(pa, pe_ac, ok) if q >= 2 else \
                np.full_like(pa, np.nan)
            out[f"brennan_prediger_{name}"] = _coefficient(pa, pe_bp, ok) if q >= 2 else \
                np.full_like(pa, np.nan)
    return out


def point(f: RatingFeatures, weights: dict[str, np.ndarray], q: int) -> dict[str, Measure]:
    """The point estimates of :func:`batch` for a one-row batch (e.g. ``features.total()``)."""
    values = batch(f, weights, q)
    n2 = float(np.sum(f.n2))
    out = {}
    for key, arr in values.items():
        v = float(arr[0]) if arr.size else float("nan")
        if np.isfinite(v):
            out[key] = Measure(v)
        elif n2 <= 0:
            out[key] = undefined(NO_MULTIPLE)
        elif q < 2 and key != "percent_agreement":
            out[key] = undefined("the scheme needs at least two possible values")
        else:
            out[key] = undefined("no variation: chance agreement is 1, so the coefficient is 0/0")
    return out
