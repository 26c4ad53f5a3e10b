"""Retrieval of coded segments: the passages that carry chosen labels, with their context.

Headless (no Qt, no SQL: it reads through a project's ``q``). ``retrieve(project.q, query)``
returns :class:`Segment` rows; :mod:`desk_annotator.analysis.retrieve_export` writes them as
DOCX, XLSX or CSV.

Selection (every filter is optional; None = no restriction):
- ``labels``: label names, stance or theme (a name used in both schemes means both). With
  ``match_all`` False a segment qualifies when it carries *any* of them, with True only when
  it carries *all* of them.
- ``stances``: the segment's stance is one of these names.
- ``coders``: coder names (the adjudicated version is the coder ``gold``).
- ``documents``: document ids; ``outlets``, ``authors``, ``languages``: metadata values (exact,
  case-insensitive); ``date_from`` / ``date_to``: ISO dates compared as text on the date's
  first 10 characters, inclusive; documents without a date are left out by a date range.
Context: ``"sentence"`` (the enclosing sentence or sentences, see
:mod:`~desk_annotator.analysis.sentences`) or a number N (N code points either side).
Sort: ``document`` (document order, then position), ``label`` (first label name), ``coder``,
``length`` (shortest first); a leading ``-`` reverses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import DeskAnnotatorError
from ..models import Codebook, DocumentInfo, is_model_coder
from .sentences import Sentences

SORT_KEYS = ("document", "label", "coder", "length")


class RetrievalError(DeskAnnotatorError):
    """A retrieval that names labels, coders or options that do not exist."""


@dataclass
class RetrievalQuery:
    labels: list[str] | None = None
    match_all: bool = False
    stances: list[str] | None = None
    coders: list[str] | None = None
    documents: list[str] | None = None
    outlets: list[str] | None = None
    authors: list[str] | None = None
    languages: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    context: str | int = "sentence"
    sort: str = "document"


@dataclass
class Segment:
    annotation_id: str
    document_id: str
    title: str
    metadata: dict[str, Any]
    coder: str
    start: int
    end: int
    quote: str
    stance: str | None
    themes: list[str]
    note: str | None
    before: str = ""  # context before the quote
    after: str = ""  # context after it
    context_start: int = 0
    context_end: int = 0
    document_order: int = 0
    chosen: list[str] = field(default_factory=list)  # the queried labels it carries, in order

    @property
    def labels(self) -> list[str]:
        """Stance first, then themes in codebook order."""
        return ([self.stance] if self.stance else []) + list(self.themes)

    @property
    def context(self) -> str:
        return self.before + self.quote + self.after

    @property
    def length(self) -> int:
        return self.end - self.start

    def attribution(self) -> str:
        """``Title (Outlet, Date), coder, labels`` — the line under a quote in a paper."""
        source = ", ".join(v for v in (self.metadata.get("outlet"), self.metadata.get("date"))
                           if v)
        title = f"{self.title} ({source})" if source else self.title
        return ", ".join([title, self.coder] + ([", ".join(self.labels)] if self.labels else []))


def parse_context(value: str | int | None) -> str | int:
    """``sentence``, ``chars:200`` or a bare number into a query's ``context``."""
    if value is None or value == "sentence":
        return "sentence"
    if isinstance(value, int):
        width = value
    else:
        text = value.strip().lower()
        text = text.removeprefix("chars:")
        try:
            width = int(text)
        except ValueError:
            raise RetrievalError(f"context must be 'sentence' or 'chars:N', not {value!r}") from None
    if width < 0:
        raise RetrievalError("the context width cannot be negative")
    return width


def _lower_set(values: list[str] | None) -> set[str] | None:
    return None if values is None else {v.strip().casefold() for v in values}


def _document_filter(info: DocumentInfo, query: RetrievalQuery) -> bool:
    meta = info.metadata
    for key, wanted in (("outlet", query.outlets), ("author", query.authors),
                        ("language", query.languages)):
        allowed = _lower_set(wanted)
        if allowed is not None and (meta.get(key) or "").strip().casefold() not in allowed:
            return False
    if query.date_from or query.date_to:
        date = (meta.get("date") or "")[:10]
        if not date:
            return False
        if query.date_from and date < query.date_from[:10]:
            return False
        if query.date_to and date > query.date_to[:10]:
            return False
    return True


def _resolve_labels(codebook: Codebook, names: list[str] | None, scheme: str | None = None
                    ) -> list[str] | None:
    """Check the names against the codebook (one error listing every unknown one)."""
    if names is None:
        return None
    known = {lb.name for lb in codebook.labels if scheme is None or lb.scheme == scheme}
    unknown = [n for n in names if n not in known]
    if unknown:
        what = "stance label" if scheme == "stance" else "label"
        raise RetrievalError(f"no {what} named {', '.join(map(repr, unknown))} "
                             f"(labels: {', '.join(sorted(known)) or 'none'})")
    return list(names)


def _sort_key(name: str):  # type: ignore[no-untyped-def]
    base = name.lstrip("-")
    if base not in SORT_KEYS:
        raise RetrievalError(f"sort by one of {', '.join(SORT_KEYS)} (a leading - reverses), "
                             f"not {name!r}")
    position = lambda s: (s.document_order, s.start, s.end, s.coder)
    return {
        "document": position,
        "label": lambda s: ((s.chosen or s.labels or ["\uffff"])[0].casefold(), *position(s)),
        "coder": lambda s: (s.coder.casefold(), *position(s)),
        "length": lambda s: (s.length, *position(s)),
    }[base], name.startswith("-")


def retrieve(q: Any, query: RetrievalQuery) -> list[Segment]:
    """The segments ``query`` selects, with context, sorted (see module doc)."""
    key, reverse = _sort_key(query.sort)
    context = parse_context(query.context)
    codebook = q.codebook()
    chosen = _resolve_labels(codebook, query.labels)
    stances = _resolve_labels(codebook, query.stances, "stance")
    names = {lb.id: lb.name for lb in codebook.labels}
    coders = {c.id: c.name for c in q.coders()}
    coder_ids = None
    if any(is_model_coder(name) for name in coders.values()):  # suggestions: not by default
        coder_ids = [cid for cid, name in coders.items() if not is_model_coder(name)]
    if query.coders is not None:
        by_name = {name: cid for cid, name in coders.items()}
        unknown = [n for n in query.coders if n not in by_name]
        if unknown:
            raise RetrievalError(f"no coder named {', '.join(map(repr, unknown))} "
                                 f"(coders: {', '.join(sorted(by_name)) or 'none'})")
        coder_ids = [by_name[n] for n in query.coders]
    segments: list[Segment] = []
    for order, info in enumerate(q.document_infos(query.documents)):
        if not _document_filter(info, query):
            continue
        found = [s for s in _document_segments(q, info, coder_ids, names, coders)
                 if _selected(s, chosen, query.match_all, stances)]
        if found:
            _add_context(q, info.id, found, context)
        for s in found:
            s.document_order = order
        segments += found
    segments.sort(key=key, reverse=reverse)
    return segments


def _document_segments(q: Any, info: DocumentInfo, coder_ids: list[str] | None,
                       names: dict[str, str], coders: dict[str, str]) -> Iterable[Segment]:
    for ann in q.annotations(info.id, coder_ids):
        yield Segment(
            annotation_id=ann.id, document_id=info.id, title=info.title,
            metadata=dict(info.metadata), coder=coders.get(ann.coder_id, ann.coder_id),
            start=ann.start, end=ann.end, quote=ann.quote,
            stance=names.get(ann.stance_id) if ann.stance_id else None,
            themes=[names[t] for t in ann.theme_ids if t in names], note=ann.note)


def _selected(s: Segment, chosen: list[str] | None, match_all: bool,
              stances: list[str] | None) -> bool:
    if stances is not None and s.stance not in stances:
        return False
    if chosen is None:
        return True
    carried = set(s.labels)
    s.chosen = [n for n in chosen if n in carried]
    return len(s.chosen) == len(chosen) if match_all else bool(s.chosen)


def _add_context(q: Any, document_id: str, segments: list[Segment], context: str | int) -> None:
    doc = q.document(document_id)
    text = doc.text if doc is not None else ""
    sentences = Sentences(text) if context == "sentence" else None
    for s in segments:
        if sentences is not None:
            cs, ce = sentences.around(s.start, s.end)
        else:
            cs, ce = max(0, s.start - int(context)), min(len(text), s.end + int(context))
        s.context_start, s.context_end = min(cs, s.start), max(ce, s.end)
        s.before, s.after = text[s.context_start:s.start], text[s.end:s.context_end]
