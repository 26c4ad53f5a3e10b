"""Run-length view of the coders' character values.

Every span boundary (of any coder) and every document boundary cuts the laid-end-to-end
documents into *elementary segments*: stretches in which no coder's set of covering spans
changes, so every coder's stance and theme values are constant inside. Per-character measures are
then sums over segments weighted by their length — the same numbers as a characters × coders
matrix, but the work grows with the number of spans, not of characters. `character_matrix`
expands a scheme back to one value per character for cross-checks and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from desk_annotator.agreement.data import (
    AgreementData,
    DocUnits,
    SpanColumns,
    span_columns,
)
from desk_annotator.agreement.data import instant as _instant  # noqa: F401 (older callers)
from desk_annotator.arrays import distinct  # not np.unique: see arrays.py

MISSING = -1  # the coder did not code this document


@dataclass
class Segments:
    coders: list[str]
    stance_labels: list[str]  # value k (1..K) is stance_labels[k-1]; 0 is "none"
    theme_labels: list[str]
    docs: list[DocUnits]  # documents coded by >= 2 selected coders, in data order
    doc_offset: np.ndarray  # (D,) where each document starts on the common continuum
    doc_length: np.ndarray  # (D,)
    doc_coded: np.ndarray  # (D, M) bool
    start: np.ndarray  # (S,) segment start on the continuum
    length: np.ndarray  # (S,)
    doc: np.ndarray  # (S,) document index
    stance: np.ndarray  # (M, S) int16: 0 none, 1..K label, MISSING
    themes: np.ndarray  # (T, M, S) int8: 0/1, MISSING
    # Each coder's spans on the continuum, as collected once here: unitizing and F1 read them
    # instead of walking the documents again.
    coder_spans: list[CoderSpans] = field(default_factory=list)

    @property
    def total_length(self) -> int:
        return int(self.doc_length.sum())


def included_documents(data: AgreementData) -> list[DocUnits]:
    """Documents at least two selected coders coded: the only ones with anything to compare."""
    selected = set(data.coders)
    return [d for d in data.documents if len(d.coded_by & selected) >= 2]


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All integers in [lo_i, hi_i) concatenated, and for each the index i it came from."""
    counts = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), counts)
    if owner.size == 0:
        return owner, owner
    first = np.cumsum(counts) - counts
    return lo[owner] + (np.arange(owner.size) - first[owner]), owner


@dataclass
class CoderSpans:
    start: np.ndarray
    end: np.ndarray
    stance: np.ndarray  # 0 none, 1..K
    created: np.ndarray  # float: seconds since the epoch (see _instant)
    theme_span: np.ndarray  # (P,) span index of each (span, theme) pair
    theme_idx: np.ndarray  # (P,) theme index


def _collect(columns: SpanColumns, position: np.ndarray, offsets: np.ndarray,
             coded: np.ndarray, m: int) -> CoderSpans:
    """Coder m's spans on the continuum: those of included documents it coded, in column order
    (documents in data order, then the spans' own order)."""
    pos = position[columns.doc] if columns.doc.size else columns.doc
    mine = (columns.coder == m) & (pos >= 0)
    mine[mine] = coded[pos[mine], m]
    rows = np.flatnonzero(mine)
    shift = offsets[pos[rows]] if rows.size else np.zeros(0, np.int64)
    new_index = np.full(columns.doc.size, -1, dtype=np.int64)
    new_index[rows] = np.arange(rows.size)
    pair = new_index[columns.theme_span] if columns.theme_span.size else columns.theme_span
    has = pair >= 0
    return CoderSpans(shift + columns.start[rows], shift + columns.end[rows],
                      columns.stance[rows].astype(np.int16), columns.created[rows],
                      pair[has].astype(np.int64), columns.theme_idx[has].astype(np.int64))


def _paint_stance(spans: CoderSpans, lo: np.ndarray, hi: np.ndarray, n_segments: int) -> np.ndarray:
    """Stance per segment: the shortest covering span with a stance; tie -> most recently created.

    Spans get a priority rank (longest and oldest lowest); each segment keeps the highest rank of
    the spans covering it (one vectorised maximum over the expanded segment ranges).
    """
    has = np.flatnonzero(spans.stance > 0)
    value = np.zeros(n_segments, dtype=np.int16)
    if has.size == 0:
        return value
    length = spans.end[has] - spans.start[has]
    order = has[np.lexsort((spans.created[has], -length))]  # ascending priority
    rank = np.empty(spans.stance.size, dtype=np.int64)
    rank[order] = np.arange(1, order.size + 1)
    seg, owner = expand_ranges(lo[has], hi[has])
    best = np.zeros(n_segments, dtype=np.int64)
    np.maximum.at(best, seg, rank[has][owner])
    stance_by_rank = np.zeros(order.size + 1, dtype=np.int16)
    stance_by_rank[1:] = spans.stance[order]
    return stance_by_rank[best]


def _paint_themes(spans: CoderSpans, lo: np.ndarray, hi: np.ndarray, n_themes: int,
                  n_segments: int) -> np.ndarray:
    """Theme presence per segment: covered by any span carrying the theme (difference array)."""
    diff = np.zeros((n_themes, n_segments + 1), dtype=np.int32)
    if spans.theme_span.size:
        np.add.at(diff, (spans.theme_idx, lo[spans.theme_span]), 1)
        np.add.at(diff, (spans.theme_idx, hi[spans.theme_span]), -1)
    return (np.cumsum(diff[:, :-1], axis=1) > 0).astype(np.int8)


def single_coder_documents(data: AgreementData) -> list[DocUnits]:
    """Documents exactly one selected coder coded: nothing to compare, but their ratings count
    for the categories' prevalence in Gwet's multi-rater coefficients (see multirater.py)."""
    selected = set(data.coders)
    return [d for d in data.documents if len(d.coded_by & selected) == 1]


def build_segments(data: AgreementData, documents: list[DocUnits] | None = None,
                   themes: bool = True) -> Segments:
    """Segments of `documents` (default: those at least two selected coders coded).

    With ``themes=False`` only spans with a stance cut the continuum and ``Segments.themes`` is
    left empty (0 × coders × segments): the engine takes each theme from :func:`theme_runs`,
    cut at that theme's spans alone, so a theme's work follows its own spans."""
    docs = included_documents(data) if documents is None else documents
    coders = list(data.coders)
    lengths = np.asarray([d.length for d in docs], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) if docs else lengths
    total = int(lengths.sum())
    coded = np.asarray([[c in d.coded_by for c in coders] for d in docs], dtype=bool)
    coded = coded.reshape(len(docs), len(coders))
    columns = span_columns(data)
    # Data document index -> position among `docs` (-1: not included).
    where = {id(d): i for i, d in enumerate(docs)}
    position = np.fromiter((where.get(id(d), -1) for d in data.documents), dtype=np.int64,
                           count=len(data.documents))
    per_coder = [_collect(columns, position, offsets, coded, m) for m in range(len(coders))]

    cutting = [s if themes else _with_stance(s) for s in per_coder]
    cuts = distinct(np.concatenate(
        [offsets, [total]] + [np.concatenate((s.start, s.end)) for s in cutting]
    ).astype(np.int64))
    start = cuts[:-1]
    length = np.diff(cuts)
    n_seg = start.size
    doc = (np.searchsorted(offsets, start, side="right") - 1).astype(np.int64)

    n_themes = len(data.theme_labels) if themes else 0
    stance = np.zeros((len(coders), n_seg), dtype=np.int16)
    theme_values = np.zeros((n_themes, len(coders), n_seg), dtype=np.int8)
    for m, spans in enumerate(per_coder):
        lo = np.searchsorted(start, spans.start)
        hi = np.searchsorted(start, spans.end)  # segment starting at span end (or n_seg)
        stance[m] = _paint_stance(spans, lo, hi, n_seg)
        if n_themes:
            theme_values[:, m, :] = _paint_themes(spans, lo, hi, n_themes, n_seg)
        if n_seg:
            absent = ~coded[doc, m]
            stance[m, absent] = MISSING
            theme_values[:, m, absent] = MISSING
    return Segments(coders, list(data.stance_labels), list(data.theme_labels), docs, offsets,
                    lengths, coded, start, length, doc, stance, theme_values, per_coder)


def _with_stance(spans: CoderSpans) -> CoderSpans:
    """The spans that carry a stance (only they change a coder's stance value)."""
    has = spans.stance > 0
    empty = np.zeros(0, np.int64)
    return CoderSpans(spans.start[has], spans.end[has], spans.stance[has], spans.created[has],
                      empty, empty)


class SchemeRuns(NamedTuple):
    """One scheme's values on elementary segments of its own (coders × segments, MISSING where
    the coder did not code the document), each segment's length and document. Every
    per-character sum of the scheme is a length-weighted sum over these segments."""

    values: np.ndarray  # (M, S) int: stance 0..K or theme 0/1, MISSING
    length: np.ndarray  # (S,)
    doc: np.ndarray  # (S,)


def stance_runs(seg: Segments) -> SchemeRuns:
    return SchemeRuns(seg.stance, seg.length, seg.doc)


def theme_runs(seg: Segments, theme: int) -> SchemeRuns:
    """Presence of theme `theme` per coder on segments cut only at document edges and at the
    ends of spans carrying that theme: the same per-character values as painting it on every
    span's segments (a segment boundary where no coder's presence changes adds nothing to a
    length-weighted sum), at a cost that follows the theme's own spans."""
    n_coders = len(seg.coders)
    picked = []
    for spans in seg.coder_spans:
        idx = spans.theme_span[spans.theme_idx == theme]
        picked.append((spans.start[idx], spans.end[idx]))
    total = seg.total_length
    cuts = distinct(np.concatenate([seg.doc_offset, [total]]
                                   + [np.concatenate(p) for p in picked]).astype(np.int64))
    start, length = cuts[:-1], np.diff(cuts)
    n_seg = start.size
    doc = (np.searchsorted(seg.doc_offset, start, side="right") - 1).astype(np.int64)
    values = np.zeros((n_coders, n_seg), dtype=np.int8)
    for m, (lo_pos, hi_pos) in enumerate(picked):
        if not n_seg:
            break
        if lo_pos.size:
            diff = np.bincount(np.searchsorted(start, lo_pos), minlength=n_seg + 1) - \
                np.bincount(np.searchsorted(start, hi_pos), minlength=n_seg + 1)
            values[m] = np.cumsum(diff[:-1]) > 0
        values[m, ~seg.doc_coded[doc, m]] = MISSING
    return SchemeRuns(values, length, doc)


def character_matrix(segments: Segments, theme: str | None = None) -> np.ndarray:
    """Coders × characters values (stance by default, else the named theme); MISSING if uncoded."""
    values = segments.stance if theme is None else \
        segments.themes[segments.theme_labels.index(theme)]
    return np.repeat(values, segments.length, axis=1)
