"""Every per-character measure of one scheme as a function of summed per-document features.

A measure here is `fn(sums) -> (B,)`: `sums` are per-document feature rows added up with the
weights of a document resample (one row per resample). The same function gives the point
estimate (all documents once), the bootstrap (resample weights), the jackknife (all but one
document: total − row) and per-document values (one row per document), so point, interval and
document table can never disagree about what a measure is. NaN marks an undefined value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from desk_annotator.agreement import coefficients as co
from desk_annotator.agreement import multirater as mr
from desk_annotator.agreement import ordinal as od
from desk_annotator.agreement.spans import F1Counts
from desk_annotator.agreement.tables import SchemeTables, collapse_to_label

Fn = Callable[[np.ndarray], np.ndarray]


class Column(NamedTuple):
    start: int
    stop: int


class FeatureTable:
    """Per-document features (D, F) plus named functions of their sums."""

    def __init__(self, n_docs: int) -> None:
        self.n_docs = n_docs
        self._blocks: list[np.ndarray] = []
        self._width = 0
        self.functions: dict[str, Fn] = {}

    def add(self, block: np.ndarray) -> Column:
        block = np.asarray(block, dtype=float)
        width = int(np.prod(block.shape[1:])) if block.ndim > 1 else 1
        block = block.reshape(self.n_docs, width)  # explicit width: -1 fails for 0 documents
        column = Column(self._width, self._width + block.shape[1])
        self._blocks.append(block)
        self._width = column.stop
        return column

    def per_doc(self) -> np.ndarray:
        return np.concatenate(self._blocks, axis=1) if self._blocks else np.zeros((self.n_docs, 0))

    def evaluate(self, sums: np.ndarray) -> dict[str, np.ndarray]:
        sums = np.atleast_2d(sums)
        return {key: np.asarray(fn(sums), dtype=float) for key, fn in self.functions.items()}


def _alpha_fn(column: Column, n_values: int) -> Fn:
    def fn(sums: np.ndarray) -> np.ndarray:
        stack = sums[:, column.start:column.stop].reshape(len(sums), n_values, n_values)
        return co.krippendorff_alpha_batch(stack)
    return fn


def _label_alpha_fn(column: Column, n_values: int, value: int) -> Fn:
    def fn(sums: np.ndarray) -> np.ndarray:
        stack = sums[:, column.start:column.stop].reshape(len(sums), n_values, n_values)
        return co.krippendorff_alpha_batch(collapse_to_label(stack, value))
    return fn


def _ratio_fn(num: Column, den: Column, factor: float = 1.0) -> Fn:
    def fn(sums: np.ndarray) -> np.ndarray:
        n = sums[:, num.start:num.stop].sum(axis=1)
        d = sums[:, den.start:den.stop].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d > 0, factor * n / d, np.nan)
    return fn


def _multirater_fn(template: mr.RatingFeatures, column: Column, weights: dict[str, np.ndarray],
                   q: int, key: str, extra_pi: np.ndarray, extra_n1: float) -> Fn:
    def fn(sums: np.ndarray) -> np.ndarray:
        f = template.unstack(sums[:, column.start:column.stop])
        return mr.batch(mr.add_prevalence(f, extra_pi, extra_n1), weights, q)[key]
    return fn


class OrdinalInputs(NamedTuple):
    """An ordered stance scale: ratings over the K labels only ('none' is not on the scale, so
    a coder without a stance at a character is missing there) and the AC2 weights."""

    ratings: mr.RatingFeatures
    single_pi: np.ndarray
    single_n1: float
    weights: dict[str, np.ndarray]  # "linear", "quadratic"


def _metric_fn(column: Column, k: int, metric: str) -> Fn:
    def fn(sums: np.ndarray) -> np.ndarray:
        stack = sums[:, column.start:column.stop].reshape(len(sums), k, k)
        return od.krippendorff_alpha_metric_batch(stack, metric)
    return fn


class SchemeInputs(NamedTuple):
    tables: SchemeTables
    n_values: int
    q: int
    labels: list[str]  # value names after the first ("none"/"absent")
    ratings: mr.RatingFeatures  # per document
    single_pi: np.ndarray  # (V,) prevalence sums of single-coder documents
    single_n1: float
    weights: dict[str, np.ndarray]  # "identity" plus ordinal weights when the scale is ordered
    f1: list[F1Counts]  # per coder pair
    coded_doc: np.ndarray | None  # (D, K, K) stance coincidences where >= 2 gave a stance
    ordinal: OrdinalInputs | None = None


def scheme_features(inputs: SchemeInputs, per_label: bool) -> FeatureTable:
    """The FeatureTable of one scheme: α, per-label α, Gwet's multi-rater family, pooled F1."""
    t = inputs.tables
    n_docs = t.coincidence_doc.shape[0]
    table = FeatureTable(n_docs)
    v = inputs.n_values
    coinc = table.add(t.coincidence_doc)
    table.functions["alpha"] = _alpha_fn(coinc, v)
    if inputs.coded_doc is not None:
        k = inputs.coded_doc.shape[1]
        coded = table.add(inputs.coded_doc)
        table.functions["alpha_coded"] = _alpha_fn(coded, k)
        if inputs.ordinal is not None:
            table.functions["alpha_ordinal"] = _metric_fn(coded, k, "ordinal")
            table.functions["alpha_interval"] = _metric_fn(coded, k, "interval")
            o = inputs.ordinal
            scale = table.add(o.ratings.stacked())
            for name in o.weights:
                table.functions[f"gwet_ac2_{name}"] = _multirater_fn(
                    o.ratings, scale, o.weights, k, f"gwet_ac2_{name}", o.single_pi, o.single_n1)
    labels = inputs.labels if per_label else inputs.labels[:1]
    for i, name in enumerate(labels):
        table.functions[f"label:{name}"] = _label_alpha_fn(coinc, v, 1 + i)
    ratings = table.add(inputs.ratings.stacked())
    for key in mr.batch(inputs.ratings.total(), inputs.weights, inputs.q):
        table.functions[key] = _multirater_fn(inputs.ratings, ratings, inputs.weights, inputs.q,
                                              key, inputs.single_pi, inputs.single_n1)
    agree = table.add(t.agree_doc)
    compared = table.add(t.compared_doc)
    table.functions["percent_agreement_pairs"] = _ratio_fn(agree, compared)
    if inputs.f1:
        exact = table.add(sum(c.exact.sum(axis=0) for c in inputs.f1))
        overlap = table.add(sum(c.overlap.sum(axis=0) for c in inputs.f1))
        sizes = table.add(sum(c.size_a.sum(axis=0) + c.size_b.sum(axis=0) for c in inputs.f1))
        table.functions["f1_exact"] = _ratio_fn(exact, sizes, 2.0)
        table.functions["f1_overlap"] = _ratio_fn(overlap, sizes, 2.0)
    return table
