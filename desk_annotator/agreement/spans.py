"""Span-level F1 between two coders: exact matches and one-to-one overlap matches.

Spans count per label: a stance span once for its stance, a themed span once per theme.
`f1_exact`: a pair of spans equal in start, end and label (each span matched at most once).
`f1_overlap`: same-label spans that share >= 1 character, matched one-to-one greedily by
largest overlap (ties: earlier spans first). F1 = 2·TP/(|A|+|B|).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from desk_annotator.agreement.segments import expand_ranges


class LabelledSpans(NamedTuple):
    label: np.ndarray  # int
    start: np.ndarray  # on the common continuum
    end: np.ndarray
    doc: np.ndarray


class F1Counts(NamedTuple):
    exact: np.ndarray  # (labels, docs) matched pairs
    overlap: np.ndarray  # (labels, docs)
    size_a: np.ndarray  # (labels, docs)
    size_b: np.ndarray  # (labels, docs)


def _exact_matches(a: LabelledSpans, b: LabelledSpans) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if a.label.size == 0 or b.label.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = np.concatenate([np.stack([a.label, a.start, a.end, a.doc], axis=1),
                           np.stack([b.label, b.start, b.end, b.doc], axis=1)])
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    count_a = np.bincount(inverse[: a.label.size], minlength=len(uniq))
    count_b = np.bincount(inverse[a.label.size:], minlength=len(uniq))
    return uniq[:, 0], uniq[:, 3], np.minimum(count_a, count_b)


def _overlap_matches(a: LabelledSpans, b: LabelledSpans, stride: int) -> np.ndarray:
    """Indices into `a` of spans matched one-to-one (greedy, largest overlap first)."""
    if a.label.size == 0 or b.label.size == 0:
        return np.zeros(0, np.int64)
    # Shift each label onto its own stretch of the line so only same-label spans can overlap.
    sa, ea = a.label * stride + a.start, a.label * stride + a.end
    sb, eb = b.label * stride + b.start, b.label * stride + b.end
    order_b = np.argsort(sb, kind="stable")
    sb_sorted = sb[order_b]
    longest_b = int((eb - sb).max())
    lo = np.searchsorted(sb_sorted, sa - longest_b, side="right")
    hi = np.searchsorted(sb_sorted, ea, side="left")
    j_sorted, i = expand_ranges(lo, hi)
    j = order_b[j_sorted]
    overlap = np.minimum(ea[i], eb[j]) - np.maximum(sa[i], sb[j])
    keep = overlap > 0
    i, j, overlap = i[keep], j[keep], overlap[keep]
    ranked = np.lexsort((j, i, -overlap))
    used_a = np.zeros(a.label.size, dtype=bool)
    used_b = np.zeros(b.label.size, dtype=bool)
    matched: list[int] = []
    # Greedy one-to-one matching: a loop over candidate pairs (not characters), usually few.
    for x, y in zip(i[ranked].tolist(), j[ranked].tolist()):
        if not used_a[x] and not used_b[y]:
            used_a[x] = used_b[y] = True
            matched.append(x)
    return np.asarray(matched, dtype=np.int64)


def f1_counts(a: LabelledSpans, b: LabelledSpans, n_labels: int, n_docs: int,
              stride: int) -> F1Counts:
    """Matched-pair and span counts per label and document (`stride` > continuum length)."""
    shape = (n_labels, n_docs)
    width = n_labels * n_docs

    def count(label: np.ndarray, doc: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(label * n_docs + doc, weights, width).reshape(shape)

    ex_label, ex_doc, ex_count = _exact_matches(a, b)
    matched = _overlap_matches(a, b, stride)
    return F1Counts(
        count(ex_label, ex_doc, ex_count.astype(float)),
        count(a.label[matched], a.doc[matched]),
        count(a.label, a.doc),
        count(b.label, b.doc),
    )
