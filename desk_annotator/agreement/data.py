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
    moments = {s: instant(s) for s in set(stamps)}
    return np.fromiter((moments[s] for s in stamps), dtype=np.float64, count=len(stamps))


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
