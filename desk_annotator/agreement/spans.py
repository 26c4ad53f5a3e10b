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
    """(label, document, matched pairs) of each (label, start, end) both coders marked."""
    if a.label.size == 0 or b.label.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    # One integer per (label, start, end): start fixes the document on the continuum.
    stride = int(max(a.end.max(), b.end.max(), a.start.max(), b.start.max())) + 1
    labels = int(max(a.label.max(), b.label.max())) + 1
    if labels * stride * stride >= 2**62:  # too long a continuum for one int64 key
        return _exact_matches_rows(a, b)
    key_a = (a.label * stride + a.start) * stride + a.end
    key_b = (b.label * stride + b.start) * stride + b.end
    ua, first_a, count_a = np.unique(key_a, return_index=True, return_counts=True)
    ub, count_b = np.unique(key_b, return_counts=True)
    _, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    at = first_a[ia]
    return a.label[at], a.doc[at], np.minimum(count_a[ia], count_b[ib])


def _exact_matches_rows(a: LabelledSpans, b: LabelledSpans
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys = np.concatenate([np.stack([a.label, a.start, a.end, a.doc], axis=1),
                           np.stack([b.label, b.start, b.end, b.doc], axis=1)])
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    count_a = np.bincount(inverse[: a.label.size], minlength=len(uniq))
    count_b = np.bincount(inverse[a.label.size:], minlength=len(uniq))
    return uniq[:, 0], uniq[:, 3], np.minimum(count_a, count_b)


GREEDY_ROUNDS = 64  # rounds of the vectorised matching before the plain loop takes over


def _greedy_one_to_one(i: np.ndarray, j: np.ndarray, n_a: int, n_b: int) -> np.ndarray:
    """Greedy one-to-one matching of candidate pairs (i[r], j[r]) listed best first: the
    a-indices matched. A pair that is the best remaining one of both its spans is one the
    greedy loop takes as well (nothing better can claim either span), so each round takes all
    such pairs at once and drops the other pairs of their spans; a few rounds usually suffice,
    and a long chain of ever-smaller overlaps is finished by the plain loop."""
    used_a = np.zeros(n_a, dtype=bool)
    used_b = np.zeros(n_b, dtype=bool)
    taken: list[np.ndarray] = []
    alive = np.arange(i.size)
    for _ in range(GREEDY_ROUNDS):
        if alive.size == 0:
            break
        ii, jj = i[alive], j[alive]
        best_i = np.zeros(alive.size, dtype=bool)
        best_i[np.unique(ii, return_index=True)[1]] = True  # first of a span = its best
        best_j = np.zeros(alive.size, dtype=bool)
        best_j[np.unique(jj, return_index=True)[1]] = True
        win = best_i & best_j
        used_a[ii[win]] = True
        used_b[jj[win]] = True
        taken.append(ii[win])
        alive = alive[~(used_a[ii] | used_b[jj])]
    rest: list[int] = []
    for x, y in zip(i[alive].tolist(), j[alive].tolist()):  # only after GREEDY_ROUNDS
        if not used_a[x] and not used_b[y]:
            used_a[x] = used_b[y] = True
            rest.append(x)
    return np.concatenate(taken + [np.asarray(rest, dtype=np.int64)]).astype(np.int64)


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
    return _greedy_one_to_one(i[ranked], j[ranked], a.label.size, b.label.size)


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
