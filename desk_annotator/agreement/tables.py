"""Per-document count tables for one scheme, from which every per-character measure follows.

For each coder pair, a contingency table per document (characters both coded, weighted by
segment length). Summing pair tables gives Cohen/Scott/AC1/BP per pair, Krippendorff's
coincidences (Σ_pairs (T+Tᵀ)/(m_d-1), m_d = coders of document d) and Fleiss' counts; keeping
them per document lets the bootstrap resample documents by adding matrices.
"""

from __future__ import annotations

from itertools import combinations
from typing import NamedTuple

import numpy as np

from desk_annotator.agreement.coefficients import MultiRaterCounts
from desk_annotator.agreement.multirater import rating_counts
from desk_annotator.agreement.segments import SchemeRuns, Segments


class SchemeTables(NamedTuple):
    values: int  # V: number of values (stance: none + labels; theme: 0/1)
    pairs: list[tuple[int, int]]
    pair_total: np.ndarray  # (P, V, V) summed over documents
    pair_doc_total: np.ndarray  # (P, D) characters both coded, per document
    coincidence_doc: np.ndarray  # (D, V, V)
    agree_doc: np.ndarray  # (D,) Σ_pairs agreeing characters
    compared_doc: np.ndarray  # (D,) Σ_pairs compared characters
    value_totals_doc: np.ndarray  # (D, V) Σ_coders characters with each value


def _pair_tables(runs: SchemeRuns, n_values: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """(P, V, V) characters per value pair for each coder pair, summed over documents.

    A pair's table only needs the segments where either of its two coders changes value
    (each coder's changes marked once); runs between such changes are weighted by their
    length, so a pair costs one pass over a boolean row and its two coders' runs."""
    values = runs.values
    out = np.zeros((len(pairs), n_values, n_values))
    n_seg = values.shape[1]
    if n_seg == 0:
        return out
    ends = np.concatenate(([0], np.cumsum(runs.length)))
    changes = np.ones(values.shape, dtype=bool)  # segment 0 starts every coder's first run
    np.not_equal(values[:, 1:], values[:, :-1], out=changes[:, 1:])
    v2 = n_values * n_values
    either = np.empty(n_seg, dtype=bool)
    for p, (a, b) in enumerate(pairs):
        np.logical_or(changes[a], changes[b], out=either)
        first = np.flatnonzero(either)
        weight = (ends[np.append(first[1:], n_seg)] - ends[first]).astype(float)
        va, vb = values[a, first].astype(np.int64), values[b, first].astype(np.int64)
        ok = (va >= 0) & (vb >= 0)  # both coded the document
        out[p] = np.bincount(va[ok] * n_values + vb[ok], weight[ok], v2).reshape(
            n_values, n_values)
    return out


def doc_outer_sums(counts: np.ndarray, weight: np.ndarray, seg_doc: np.ndarray,
                   n_docs: int) -> np.ndarray:
    """(D, V, V) Σ over each document's segments of weight · n nᵀ (n: a segment's counts).

    Segments are contiguous by document, so this is one reduceat of a (segments × values)
    product per value, not V² weighted bincounts."""
    n_values = counts.shape[1]
    out = np.zeros((n_docs, n_values, n_values))
    if seg_doc.size == 0:
        return out
    first = np.flatnonzero(np.concatenate(([True], seg_doc[1:] != seg_doc[:-1])))
    at = seg_doc[first]
    for k in range(n_values):
        out[at, k, :] = np.add.reduceat((weight * counts[:, k])[:, None] * counts, first, axis=0)
    return out


def scheme_tables(seg: Segments, runs: SchemeRuns, n_values: int,
                  counts: np.ndarray | None = None) -> SchemeTables:
    """Per-document coincidences from one pass over the segments' value counts (how many
    coders gave each value): Σ over ordered coder pairs of [a = k][b = l] is n_k·n_l − δ_kl·n_k,
    so no per-pair work is needed for α, agreement or Fleiss' sums; only the pair tables of
    Cohen's κ and friends are per pair (_pair_tables). Every sum is of whole characters, so
    the figures are exactly those of summing per-pair tables."""
    n_docs, n_coders = seg.doc_coded.shape
    pairs = list(combinations(range(n_coders), 2))
    raters = seg.doc_coded.sum(axis=1).astype(float)
    values, seg_doc = runs.values, runs.doc
    weight = runs.length.astype(float)
    counts = rating_counts(values, n_values) if counts is None else counts
    coincidence = np.zeros((n_docs, n_values, n_values))
    value_length = np.stack([np.bincount(seg_doc, weight * counts[:, k], n_docs)
                             for k in range(n_values)], axis=1) if n_values else \
        np.zeros((n_docs, 0))  # Σ_coders characters with each value, per document
    if seg_doc.size:
        coincidence += doc_outer_sums(counts, weight, seg_doc, n_docs)
        diagonal = np.arange(n_values)
        coincidence[:, diagonal, diagonal] -= value_length  # a coder is no pair with itself
    agree = np.bincount(seg_doc, weight * (counts * (counts - 1.0) / 2.0).sum(axis=1), n_docs)
    pair_doc_total = np.zeros((len(pairs), n_docs))
    for p, (a, b) in enumerate(pairs):
        pair_doc_total[p] = seg.doc_length * (seg.doc_coded[:, a] & seg.doc_coded[:, b])
    compared = raters * (raters - 1.0) / 2.0 * seg.doc_length  # pairs × characters
    totals = (raters - 1.0).clip(min=0.0)[:, None] * value_length
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(raters > 1, 1.0 / (raters - 1.0), 0.0)
    coincidence *= scale[:, None, None]
    totals *= scale[:, None]  # each coder counted once per character
    return SchemeTables(n_values, pairs, _pair_tables(runs, n_values, pairs),
                        pair_doc_total, coincidence, agree, compared, totals)


def fleiss_counts(seg: Segments, tables: SchemeTables, docs: np.ndarray) -> MultiRaterCounts:
    """Fleiss' sums over the characters of `docs` (a boolean mask of documents all coded)."""
    n_coders = seg.doc_coded.shape[1]
    return MultiRaterCounts(
        float(seg.doc_length[docs].sum()), n_coders,
        float(2.0 * tables.agree_doc[docs].sum()), tables.value_totals_doc[docs].sum(axis=0),
    )


def coded_coincidence_doc(seg: Segments, n_labels: int,
                          stance_counts: np.ndarray | None = None) -> np.ndarray:
    """Per-document coincidences over characters that >= 2 coders gave a stance (labels only).

    Coders who gave no stance at a character are treated as missing there, so each character
    carries m_u = number of coders with a stance, weighted 1/(m_u - 1) (Krippendorff's rule).
    `stance_counts` (segments × (1 + labels), rating_counts of seg.stance) saves a pass.
    """
    n_docs = seg.doc_coded.shape[0]
    if stance_counts is None:
        stance_counts = rating_counts(seg.stance, n_labels + 1)
    counts = stance_counts[:, 1:]
    m_u = counts.sum(axis=1)
    sel = m_u >= 2
    # The selected segments gathered once (each label's pass had gathered them again).
    counts, doc, weight = counts[sel], seg.doc[sel], seg.length[sel] / (m_u[sel] - 1.0)
    out = doc_outer_sums(counts, weight, doc, n_docs)
    diagonal = np.arange(n_labels)
    out[:, diagonal, diagonal] -= np.stack(
        [np.bincount(doc, weight * counts[:, k], n_docs) for k in range(n_labels)],
        axis=1) if n_labels else 0.0
    return out


def collapse_to_label(coincidence: np.ndarray, value: int) -> np.ndarray:
    """2×2 coincidences of 'value' vs every other value (last two axes), for per-label α."""
    o = np.asarray(coincidence, dtype=float)
    hit = o[..., value, value]
    row = o.sum(axis=-1)[..., value]
    total = o.sum(axis=(-1, -2))
    rest = total - 2.0 * row + hit
    return np.stack([np.stack([rest, row - hit], -1), np.stack([row - hit, hit], -1)], -2)
