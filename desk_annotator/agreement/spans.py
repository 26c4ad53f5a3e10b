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
        rank = np.arange(alive.size)
        first_i = np.full(n_a, alive.size)
        np.minimum.at(first_i, ii, rank)  # first of a span = its best
        first_j = np.full(n_b, alive.size)
        np.minimum.at(first_j, jj, rank)
        win = (first_i[ii] == rank) & (first_j[jj] == rank)
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


class SpanIndex(NamedTuple):
    """One coder's labelled spans prepared once for all the pairs it is in: exact-match keys
    (sorted, distinct, with counts), the spans on one line per label (label·stride + position)
    sorted by start, and the span counts per (label, document)."""

    spans: LabelledSpans
    key: np.ndarray | None  # sorted distinct (label, start, end) keys; None: too long a line
    key_first: np.ndarray  # a span with each key
    key_count: np.ndarray
    line_start: np.ndarray  # label·stride + start, per span
    line_end: np.ndarray
    order: np.ndarray  # spans by line_start (stable)
    sorted_start: np.ndarray
    longest: int
    size: np.ndarray  # (labels, docs)


def span_index(s: LabelledSpans, n_labels: int, n_docs: int, stride: int) -> SpanIndex:
    n = s.label.size
    size = np.bincount(s.label * n_docs + s.doc, minlength=n_labels * n_docs).reshape(
        n_labels, n_docs) if n_labels * n_docs else np.zeros((n_labels, n_docs), np.int64)
    key, first, count = None, np.zeros(0, np.int64), np.zeros(0, np.int64)
    if n_labels * stride * stride < 2**62:  # one int64 key per (label, start, end)
        key, first, count = np.unique((s.label * stride + s.start) * stride + s.end,
                                      return_index=True, return_counts=True)
    line_start, line_end = s.label * stride + s.start, s.label * stride + s.end
    order = np.argsort(line_start, kind="stable")
    longest = int((s.end - s.start).max()) if n else 0
    return SpanIndex(s, key, first, count, line_start, line_end, order, line_start[order],
                     longest, size)


def _exact_pair(a: SpanIndex, b: SpanIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label, document, matched pairs) of each (label, start, end) both coders marked."""
    if a.spans.label.size == 0 or b.spans.label.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    if a.key is None or b.key is None:
        return _exact_matches_rows(a.spans, b.spans)
    at = np.searchsorted(b.key, a.key)
    hit = at < b.key.size
    hit[hit] = b.key[at[hit]] == a.key[hit]
    span = a.key_first[hit]
    return a.spans.label[span], a.spans.doc[span], np.minimum(a.key_count[hit],
                                                               b.key_count[at[hit]])


def _overlap_pair(a: SpanIndex, b: SpanIndex) -> np.ndarray:
    """Indices into a's spans matched one-to-one (greedy, largest overlap first)."""
    if a.spans.label.size == 0 or b.spans.label.size == 0:
        return np.zeros(0, np.int64)
    sa, ea, sb, eb = a.line_start, a.line_end, b.line_start, b.line_end
    # Query in a's start order (sorted queries search faster), then back to a's indices.
    lo = np.searchsorted(b.sorted_start, a.sorted_start - b.longest, side="right")
    hi = np.searchsorted(b.sorted_start, ea[a.order], side="left")
    j_sorted, i_sorted = expand_ranges(lo, hi)
    i, j = a.order[i_sorted], b.order[j_sorted]
    overlap = np.minimum(ea[i], eb[j]) - np.maximum(sa[i], sb[j])
    keep = overlap > 0
    i, j, overlap = i[keep], j[keep], overlap[keep]
    widest = int(overlap.max(initial=0))
    if (widest + 1) * (sa.size + 1) * (sb.size + 1) < 2**62:  # one int64 key, one sort
        ranked = np.argsort(((widest - overlap) * sa.size + i) * sb.size + j, kind="stable")
    else:
        ranked = np.lexsort((j, i, -overlap))
    return _greedy_one_to_one(i[ranked], j[ranked], sa.size, sb.size)


def _overlap_matches(a: LabelledSpans, b: LabelledSpans, stride: int) -> np.ndarray:
    """Indices into `a` of spans matched one-to-one (greedy, largest overlap first)."""
    n_labels = int(max(a.label.max(initial=0), b.label.max(initial=0))) + 1
    return _overlap_pair(span_index(a, n_labels, 1, stride), span_index(b, n_labels, 1, stride))


def pair_counts(a: SpanIndex, b: SpanIndex, both: np.ndarray) -> F1Counts:
    """F1 counts of two coders over the documents both coded (`both`, a boolean mask).

    Matching needs no restriction to those documents: spans that match or overlap lie in one
    document, and each coder's spans lie only in documents it coded; the span counts do."""
    n_labels, n_docs = a.size.shape
    width = n_labels * n_docs

    def count(label: np.ndarray, doc: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(label * n_docs + doc, weights, width).reshape(n_labels, n_docs)

    ex_label, ex_doc, ex_count = _exact_pair(a, b)
    matched = _overlap_pair(a, b)
    return F1Counts(count(ex_label, ex_doc, ex_count.astype(float)),
                    count(a.spans.label[matched], a.spans.doc[matched]),
                    a.size * both, b.size * both)


def f1_counts(a: LabelledSpans, b: LabelledSpans, n_labels: int, n_docs: int,
              stride: int) -> F1Counts:
    """Matched-pair and span counts per label and document (`stride` > continuum length)."""
    return pair_counts(span_index(a, n_labels, n_docs, stride),
                       span_index(b, n_labels, n_docs, stride), np.ones(n_docs, dtype=bool))
