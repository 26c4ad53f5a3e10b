"""What the agreement engine reads: per-document spans of each coder, by label *name*.

The engine never sees ids or the database: `build_agreement_data` turns plain models into these
small frozen records once, applying the user's selection (coders, documents, themes, done-only).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from desk_annotator.arrays import distinct  # not np.unique: see arrays.py
from desk_annotator.errors import OperationError
from desk_annotator.models import (
    GOLD_CODER,
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    DocumentInfo,
    is_model_coder,
)


@dataclass(frozen=True)
class SpanUnit:
    """One annotation of one coder."""

    start: int  # code points, end exclusive
    end: int
    stance: str | None  # label name or None
    themes: tuple[str, ...]  # label names
    created: str  # ISO timestamp: the stance tie-break (most recently created wins)


@dataclass
class DocUnits:
    id: str
    title: str
    length: int
    coded_by: set[str]  # coders that coded this doc (annotation present or status done)
    done_by: set[str]  # coders whose status is 'done'
    spans: dict[str, list[SpanUnit]] = field(default_factory=dict)  # coder name -> spans


@dataclass
class SpanColumns:
    """Every span as columns (one entry per span), the engine's working form: documents in
    data order, and within one document each coder's spans in their given order (that order
    breaks ties in the stance rule and in F1's greedy matching, so it is kept)."""

    doc: np.ndarray  # (N,) int64 index into AgreementData.documents
    coder: np.ndarray  # (N,) int64 index into AgreementData.coders
    start: np.ndarray  # (N,) int64 within the document
    end: np.ndarray  # (N,) int64, clipped to the document, > start
    stance: np.ndarray  # (N,) int16: 0 none, k = stance_labels[k-1]
    created: np.ndarray  # (N,) float64 seconds since the epoch (see instant)
    theme_span: np.ndarray  # (P,) int64 span of each (span, theme) pair, ascending
    theme_idx: np.ndarray  # (P,) int64 index into theme_labels


@dataclass
class AgreementData:
    coders: list[str]
    stance_labels: list[str]
    theme_labels: list[str]
    documents: list[DocUnits]
    # DESIGN §3 (v2): the stance labels form an ordered scale in list order, which adds the
    # ordinal/interval α, weighted κ and AC2 to the report.
    stance_ordered: bool = False
    # The spans as columns, when read straight from a project (then DocUnits.spans stay empty:
    # no object per annotation); otherwise span_columns() builds them from DocUnits.spans.
    columns: SpanColumns | None = None


@functools.lru_cache(maxsize=65536)
def instant(stamp: str) -> float:
    """An ISO timestamp as a moment, so the "most recently created" tie-break compares times,
    not strings (``...+02:00`` and ``...Z`` stamps of other tools sort wrongly as text). A
    stamp without an offset is taken as UTC; one that does not parse sorts first."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        return float("-inf")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _instants(stamps: list[str]) -> np.ndarray:
    """instant() of each stamp, parsing each distinct stamp once."""
    distinct = list(dict.fromkeys(stamps))
    index = {s: i for i, s in enumerate(distinct)}
    moments = instants(distinct)
    return moments[np.fromiter(map(index.__getitem__, stamps), np.int64, len(stamps))] \
        if stamps else np.zeros(0)


# The shapes instants_of() reads on arrays, by length in bytes: (digits of the fraction, time
# zone): no zone (UTC), "Z", or "offset" (±HH:MM). Other stamps go through instant().
_SHAPES = {19 + (k + 1 if k else 0) + {None: 0, "Z": 1, "offset": 6}[zone]: (k, zone)
           for k in (0, 3, 6) for zone in (None, "Z", "offset")}
_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_EXACT_MICROSECONDS = 2**53  # below this an int64 count of µs converts to a float exactly


class _Columns:
    """Byte `col` of each stamp, gathered from the buffer one column at a time (a stamp ×
    byte matrix of indices would take 8 bytes per character)."""

    def __init__(self, buffer: np.ndarray, first: np.ndarray) -> None:
        self.buffer, self.first = buffer, first
        self.size = first.size

    def __call__(self, col: int) -> np.ndarray:
        return self.buffer[self.first + col]

    def number(self, first: int, last: int) -> np.ndarray:
        value = np.zeros(self.size, dtype=np.int64)
        for col in range(first, last):
            value = value * 10 + (self(col).astype(np.int64) - 48)
        return value

    def digits(self, cols: list[int]) -> np.ndarray:
        ok = np.ones(self.size, dtype=bool)
        for col in cols:
            byte = self(col)
            ok &= (byte >= 48) & (byte <= 57)
        return ok


class _Rows(_Columns):
    """The same columns from a (stamps × bytes) matrix of the stamps' bytes: each column a
    strided view rather than a gather through an index array."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix, self.size = matrix, matrix.shape[0]

    def __call__(self, col: int) -> np.ndarray:
        return self.matrix[:, col]


def _columns_of(buffer: np.ndarray, first: np.ndarray, length: int) -> _Columns:
    """Stamps of one length as columns: as rows of one (stamps × length) matrix when they lie
    on a few grids of step length + 1 (stamps each followed by one separator byte, as the
    agreement read's group_concat blocks give them, in any order: one grid per block), each
    grid a strided view of the buffer; else gathered column by column."""
    stride = length + 1
    phase = first % stride
    grids = distinct(phase)
    if not first.size or grids.size > MAX_GRIDS:
        return _Columns(buffer, first)
    matrix = np.empty((first.size, length), dtype=np.uint8)
    for r in grids.tolist():
        on = phase == r
        rows = (buffer.size - r - length) // stride + 1  # whole stamps from offset r on
        view = np.lib.stride_tricks.as_strided(buffer[r:], shape=(rows, length),
                                               strides=(stride, 1), writeable=False)
        matrix[on] = view[(first[on] - r) // stride]
    return _Rows(matrix)


MAX_GRIDS = 64  # beyond this many grids the column gather costs less than the row copies


def _fixed_shape(chars: _Columns, width: int, fraction: int, zone: str | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since the epoch of stamps of one shape, and which of them
    datetime.fromisoformat is sure to read so (every byte is checked; the others: instant())."""
    ok = chars.digits([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
                      + list(range(20, 20 + fraction)))
    for col, char in ((4, "-"), (7, "-"), (13, ":"), (16, ":")) + (((19, "."),) if fraction
                                                                   else ()):
        ok &= chars(col) == ord(char)
    ok &= (chars(10) == ord("T")) | (chars(10) == ord(" "))
    offset = np.zeros(chars.size, dtype=np.int64)
    if zone == "Z":
        ok &= chars(width - 1) == ord("Z")
    elif zone == "offset":
        tz = width - 6
        sign = chars(tz)
        ok &= ((sign == ord("+")) | (sign == ord("-"))) & (chars(tz + 3) == ord(":"))
        ok &= chars.digits([tz + 1, tz + 2, tz + 4, tz + 5])
        hours, minutes = chars.number(tz + 1, tz + 3), chars.number(tz + 4, tz + 6)
        ok &= (hours < 24) & (minutes < 60)
        offset = np.where(sign == ord("-"), -1, 1) * (hours * 3600 + minutes * 60)
    year, month, day = chars.number(0, 4), chars.number(5, 7), chars.number(8, 10)
    hour, minute, second = chars.number(11, 13), chars.number(14, 16), chars.number(17, 19)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ok &= (hour < 24) & (minute < 60) & (second < 60)
    # Days since 1970-01-01 of a proleptic Gregorian date, counted in 400-year eras.
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 \
        + day_of_year - 719468
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
    micro = chars.number(20, 20 + fraction) * 10 ** (6 - fraction) if fraction else 0
    total = seconds * 1_000_000 + micro
    ok &= np.abs(total) < _EXACT_MICROSECONDS
    # µs / 10⁶ rounded once, as timedelta.total_seconds() divides its integer µs.
    return total.astype(np.float64) / 1e6, ok


def instants_of(data: bytes, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """instant() of each stamp data[start:end] (UTF-8), the usual ISO shapes (ours:
    ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``) read on arrays: a million distinct stamps in a
    fraction of a second rather than seconds, no string object made per stamp."""
    out = np.empty(start.size, dtype=np.float64)
    done = np.zeros(start.size, dtype=bool)
    buffer = np.frombuffer(data, dtype=np.uint8)
    lengths = end - start
    for length, shape in _SHAPES.items():
        rows = np.flatnonzero(lengths == length)
        if rows.size:
            values, ok = _fixed_shape(_columns_of(buffer, start[rows], length), length,
                                      *shape)
            out[rows[ok]] = values[ok]
            done[rows[ok]] = True
    for i in np.flatnonzero(~done).tolist():
        out[i] = instant(data[start[i]:end[i]].decode("utf-8"))
    return out


def instants(stamps: list[str]) -> np.ndarray:
    """instant() of each stamp (see instants_of)."""
    encoded = [s.encode("utf-8") for s in stamps]
    lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
    ends = np.cumsum(lengths)
    return instants_of(b"".join(encoded), ends - lengths, ends)


def span_columns(data: AgreementData) -> SpanColumns:
    """The spans of `data` as columns (data.columns, or built once from DocUnits.spans)."""
    if data.columns is not None:
        return data.columns
    coder_index = {c: m for m, c in enumerate(data.coders)}
    stance_index = {name: i + 1 for i, name in enumerate(data.stance_labels)}
    theme_index = {name: i for i, name in enumerate(data.theme_labels)}
    doc, coder, start, end, stance, created, theme_span, theme_idx = ([] for _ in range(8))
    for d, units in enumerate(data.documents):
        for name, spans in units.spans.items():
            m = coder_index.get(name)
            if m is None:
                continue
            for span in spans:
                stop = min(span.end, units.length)
                if stop <= span.start:
                    continue
                for theme in span.themes:
                    if theme in theme_index:
                        theme_span.append(len(doc))
                        theme_idx.append(theme_index[theme])
                doc.append(d)
                coder.append(m)
                start.append(span.start)
                end.append(stop)
                stance.append(stance_index.get(span.stance, 0) if span.stance else 0)
                created.append(span.created)
    return SpanColumns(
        np.asarray(doc, np.int64), np.asarray(coder, np.int64), np.asarray(start, np.int64),
        np.asarray(end, np.int64), np.asarray(stance, np.int16), _instants(created),
        np.asarray(theme_span, np.int64), np.asarray(theme_idx, np.int64))


def _pick(wanted: list[str] | None, available: list[str], what: str) -> list[str]:
    """The user's selection in the user's order, or everything; unknown names are an error."""
    if wanted is None:
        return list(available)
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise OperationError(
            f"unknown {what}: {', '.join(unknown)} (known: {', '.join(available) or 'none'})"
        )
    return list(dict.fromkeys(wanted))


def select(codebook: Codebook, coders: list[Coder], coder_names: list[str] | None,
           themes: list[str] | None, include_models: bool
           ) -> tuple[list[str], dict[str, str], list[str]]:
    """The compared coders (names, in order), their names by id, and the theme names."""
    all_names = [c.name for c in coders]
    default = [n for n in all_names
               if n != GOLD_CODER and (include_models or not is_model_coder(n))]
    selected = _pick(coder_names, all_names, "coder") if coder_names is not None else default
    if include_models:
        selected += [n for n in all_names if is_model_coder(n) and n not in selected]
    name_of = {c.id: c.name for c in coders if c.name in selected}
    return selected, name_of, _pick(themes, [lb.name for lb in codebook.themes], "theme")


def check_document_ids(document_ids: list[str] | None, known_ids: list[str]) -> None:
    if document_ids is None:
        return
    known = set(known_ids)
    unknown = [i for i in document_ids if i not in known]
    if unknown:  # the caller may pass only the matching documents: do not list "known"
        raise OperationError(f"unknown document id(s): {', '.join(unknown)} (document ids "
                             "are listed by `export FILE.csv` or the document list)")


def build_agreement_data(
    codebook: Codebook,
    coders: list[Coder],
    documents: Iterable[DocumentInfo],
    annotations: Iterable[Annotation],
    statuses: Iterable[DocStatus],
    *,
    coder_names: list[str] | None = None,
    document_ids: list[str] | None = None,
    themes: list[str] | None = None,
    done_only: bool = False,
    include_models: bool = False,
) -> AgreementData:
    """Select and translate project models into `AgreementData`.

    By default every coder except the reference coder ``gold`` and the model coders
    (``model:…``, suggestions) is compared; name them in `coder_names` to include them, or
    pass `include_models` for every model coder (added to `coder_names` when both are given).
    With `done_only`, a coder counts as having coded a document only
    when its status there is ``done``.
    """
    selected, name_of, theme_names = select(codebook, coders, coder_names, themes,
                                            include_models)
    stance_by_id = {lb.id: lb.name for lb in codebook.stance}
    theme_by_id = {lb.id: lb.name for lb in codebook.themes if lb.name in theme_names}

    doc_list = list(documents)
    known_ids = [d.id for d in doc_list]
    check_document_ids(document_ids, known_ids)
    chosen_ids = set(document_ids) if document_ids is not None else None
    docs: dict[str, DocUnits] = {}
    for info in doc_list:
        if chosen_ids is None or info.id in chosen_ids:
            docs[info.id] = DocUnits(info.id, info.title, info.length, set(), set(), {})

    for status in statuses:
        doc = docs.get(status.document_id)
        coder = name_of.get(status.coder_id)
        if doc is not None and coder is not None and status.status == "done":
            doc.done_by.add(coder)
            doc.coded_by.add(coder)

    for ann in annotations:
        doc = docs.get(ann.document_id)
        coder = name_of.get(ann.coder_id)
        if doc is None or coder is None:
            continue
        doc.coded_by.add(coder)
        start, end = max(0, ann.start), min(ann.end, doc.length)
        if end <= start:
            continue  # outside the text: nothing to compare
        theme_set = tuple(dict.fromkeys(theme_by_id[t] for t in ann.theme_ids if t in theme_by_id))
        doc.spans.setdefault(coder, []).append(
            SpanUnit(start, end, stance_by_id.get(ann.stance_id or ""), theme_set, ann.created)
        )

    if done_only:
        for doc in docs.values():
            doc.coded_by = set(doc.done_by)
    ordered = [docs[i] for i in known_ids if i in docs]
    return AgreementData(
        coders=selected,
        stance_labels=[lb.name for lb in codebook.stance],
        theme_labels=theme_names,
        documents=ordered,
        stance_ordered=codebook.ordered_stance,
    )
