"""Theme-level figures beside the per-character α: whether coders use a theme in a document
at all, and the 2×2 indices a reviewer asks for when a theme is rare.

For a theme, a coder pair's characters form a 2×2 table (n11 both mark it, n00 neither, n10 /
n01 one of them). Rare themes make κ and α paradoxically low although the coders agree almost
everywhere (Feinstein & Cicchetti 1990); the indices below show why:
- specific positive agreement 2·n11 / (2·n11 + n10 + n01) and its negative twin (Cicchetti &
  Feinstein 1990), which separate agreement on "present" from agreement on "absent";
- PABAK = 2·p_o − 1, the prevalence- and bias-adjusted κ, with the prevalence index
  (n11 − n00)/n and, per pair, the bias index (n10 − n01)/n (Byrt, Bishop & Carlin 1993).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from desk_annotator.agreement.coefficients import Measure, krippendorff_alpha, undefined
from desk_annotator.agreement.segments import SchemeRuns, Segments


def _put(obj: dict[str, Any], key: str, measure: Measure) -> None:
    obj[key] = measure.value
    if measure.value is None:
        obj.setdefault("reasons", {})[key] = measure.reason


def _share(num: float, den: float, reason: str) -> Measure:
    return Measure(float(num / den)) if den > 0 else undefined(reason)


def binary_indices(obj: dict[str, Any], table: np.ndarray, pair: bool = False) -> None:
    """Add the 2×2 indices of `table` ([[n00, n01], [n10, n11]], rows = first coder)."""
    t = np.asarray(table, dtype=float)
    n00, n01, n10, n11 = t[0, 0], t[0, 1], t[1, 0], t[1, 1]
    n = t.sum()
    _put(obj, "positive_agreement", _share(2 * n11, 2 * n11 + n10 + n01,
                                           "no coder marked this theme"))
    _put(obj, "negative_agreement", _share(2 * n00, 2 * n00 + n10 + n01,
                                           "every compared character carries this theme"))
    empty = "no character was compared"
    _put(obj, "pabak", Measure(float(2 * (n00 + n11) / n - 1)) if n > 0 else undefined(empty))
    _put(obj, "prevalence_index", _share(n11 - n00, n, empty))
    if pair:
        _put(obj, "bias_index", _share(n10 - n01, n, empty))


def theme_presence(seg: Segments, themes: list[SchemeRuns]) -> dict[str, Any]:
    """Does each coder use theme t anywhere in a document? Units = documents, values 0/1.
    `themes[t]` holds theme t's values (segments.theme_runs)."""
    return {name: theme_presence_entry(seg, themes[t]) for t, name in enumerate(seg.theme_labels)}


def theme_presence_entry(seg: Segments, runs: SchemeRuns) -> dict[str, Any]:
    """theme_presence for one theme's runs."""
    n_docs = len(seg.docs)
    raters = seg.doc_coded.sum(axis=1).astype(float)
    used = np.stack([np.bincount(runs.doc, (runs.values[m] == 1) * 1.0, n_docs) > 0
                     for m in range(len(seg.coders))], axis=1) & seg.doc_coded \
        if n_docs and seg.coders else np.zeros((n_docs, len(seg.coders)), bool)
    ones = used.sum(axis=1).astype(float)
    zeros = raters - ones
    ok = raters >= 2
    scale = np.where(ok, 1.0 / np.maximum(raters - 1.0, 1.0), 0.0)
    o = np.array([[(zeros * (zeros - 1) * scale).sum(), (zeros * ones * scale).sum()],
                  [(zeros * ones * scale).sum(), (ones * (ones - 1) * scale).sum()]])
    entry: dict[str, Any] = {"reasons": {}, "n_documents": int(ok.sum())}
    _put(entry, "alpha", krippendorff_alpha(o))
    pairs = (raters * (raters - 1) / 2)[ok].sum()
    agree = ((zeros * (zeros - 1) + ones * (ones - 1)) / 2)[ok].sum()
    _put(entry, "percent_agreement", Measure(agree / pairs) if pairs else
         undefined("no document was coded by two or more coders"))
    return entry
