"""What the agreement engine reads: per-document spans of each coder, by label *name*.

The engine never sees ids or the database: `build_agreement_data` turns plain models into these
small frozen records once, applying the user's selection (coders, documents, themes, done-only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
class AgreementData:
    coders: list[str]
    stance_labels: list[str]
    theme_labels: list[str]
    documents: list[DocUnits]
    # DESIGN §3 (v2): the stance labels form an ordered scale in list order, which adds the
    # ordinal/interval α, weighted κ and AC2 to the report.
    stance_ordered: bool = False


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
    all_names = [c.name for c in coders]
    default = [n for n in all_names
               if n != GOLD_CODER and (include_models or not is_model_coder(n))]
    selected = _pick(coder_names, all_names, "coder") if coder_names is not None else default
    if include_models:
        selected += [n for n in all_names if is_model_coder(n) and n not in selected]
    name_of = {c.id: c.name for c in coders if c.name in selected}

    theme_names = _pick(themes, [lb.name for lb in codebook.themes], "theme")
    stance_by_id = {lb.id: lb.name for lb in codebook.stance}
    theme_by_id = {lb.id: lb.name for lb in codebook.themes if lb.name in theme_names}

    doc_list = list(documents)
    known_ids = [d.id for d in doc_list]
    if document_ids is not None:
        unknown = [i for i in document_ids if i not in set(known_ids)]
        if unknown:  # the caller may pass only the matching documents: do not list "known"
            raise OperationError(f"unknown document id(s): {', '.join(unknown)} (document ids "
                                 "are listed by `export FILE.csv` or the document list)")
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
