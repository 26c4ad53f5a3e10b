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
from desk_annotator.agreement.segments import Segments


class SchemeTables(NamedTuple):
    values: int  # V: number of values (stance: none + labels; theme: 0/1)
    pairs: list[tuple[int, int]]
    pair_total: np.ndarray  # (P, V, V) summed over documents
    pair_doc_total: np.ndarray  # (P, D) characters both coded, per document
    coincidence_doc: np.ndarray  # (D, V, V)
    agree_doc: np.ndarray  # (D,) Σ_pairs agreeing characters
    compared_doc: np.ndarray  # (D,) Σ_pairs compared characters
    value_totals_doc: np.ndarray  # (D, V) Σ_coders characters with each value


def scheme_tables(seg: Segments, values: np.ndarray, n_values: int) -> SchemeTables:
    n_docs, n_coders = seg.doc_coded.shape
    pairs = list(combinations(range(n_coders), 2))
    v2 = n_values * n_values
    raters = seg.doc_coded.sum(axis=1).astype(float)
    pair_total = np.zeros((len(pairs), n_values, n_values))
    pair_doc_total = np.zeros((len(pairs), n_docs))
    coincidence = np.zeros((n_docs, n_values, n_values))
    agree = np.zeros(n_docs)
    compared = np.zeros(n_docs)
    totals = np.zeros((n_docs, n_values))
    weight = seg.length.astype(float)
    base = seg.doc * v2
    for p, (a, b) in enumerate(pairs):
        both = seg.doc_coded[:, a] & seg.doc_coded[:, b]
        sel = both[seg.doc]
        codes = base[sel] + values[a, sel].astype(np.int64) * n_values + values[b, sel]
        table = np.bincount(codes, weight[sel], n_docs * v2).reshape(n_docs, n_values, n_values)
        pair_total[p] = table.sum(axis=0)
        pair_doc_total[p] = table.sum(axis=(1, 2))
        coincidence += table + table.transpose(0, 2, 1)
        agree += np.trace(table, axis1=1, axis2=2)
        compared += pair_doc_total[p]
        totals += table.sum(axis=2) + table.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(raters > 1, 1.0 / (raters - 1.0), 0.0)
    coincidence *= scale[:, None, None]
    totals *= scale[:, None]  # each coder counted once per character
    return SchemeTables(n_values, pairs, pair_total, pair_doc_total, coincidence, agree,
                        compared, totals)


def fleiss_counts(seg: Segments, tables: SchemeTables, docs: np.ndarray) -> MultiRaterCounts:
    """Fleiss' sums over the characters of `docs` (a boolean mask of documents all coded)."""
    n_coders = seg.doc_coded.shape[1]
    return MultiRaterCounts(
        float(seg.doc_length[docs].sum()), n_coders,
        float(2.0 * tables.agree_doc[docs].sum()), tables.value_totals_doc[docs].sum(axis=0),
    )


def coded_coincidence_doc(seg: Segments, n_labels: int) -> np.ndarray:
    """Per-document coincidences over characters that >= 2 coders gave a stance (labels only).

    Coders who gave no stance at a character are treated as missing there, so each character
    carries m_u = number of coders with a stance, weighted 1/(m_u - 1) (Krippendorff's rule).
    """
    n_docs = seg.doc_coded.shape[0]
    labels = np.arange(1, n_labels + 1, dtype=np.int16)
    counts = (seg.stance[:, :, None] == labels[None, None, :]).sum(axis=0).astype(float)  # (S, K)
    m_u = counts.sum(axis=1)
    sel = m_u >= 2
    counts, weight = counts[sel], seg.length[sel] / (m_u[sel] - 1.0)
    doc = seg.doc[sel]
    out = np.zeros((n_docs, n_labels, n_labels))
    for k in range(n_labels):
        for j in range(n_labels):
            products = counts[:, k] * (counts[:, j] - (1.0 if k == j else 0.0))
            out[:, k, j] = np.bincount(doc, weight * products, n_docs)
    return out


def collapse_to_label(coincidence: np.ndarray, value: int) -> np.ndarray:
    """2×2 coincidences of 'value' vs every other value (last two axes), for per-label α."""
    o = np.asarray(coincidence, dtype=float)
    hit = o[..., value, value]
    row = o.sum(axis=-1)[..., value]
    total = o.sum(axis=(-1, -2))
    rest = total - 2.0 * row + hit
    return np.stack([np.stack([rest, row - hit], -1), np.stack([row - hit, hit], -1)], -2)
