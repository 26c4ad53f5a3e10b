"""A snapshot from another annotation tool's labelled spans (UIMA CAS, WebAnno TSV, spaCy).

Those tools label text spans with names from their own tag sets; desk-annotator codes passages
with at most one stance and any number of themes. The readers hand spans here in code points of
the document text *as the file holds it* (before NFC / line-ending normalisation), and this
module does what they share:

* one :class:`~desk_annotator.models.Document` per distinct normalised text (INCEpTION writes the
  same document once per annotator), offsets mapped through the normalisation;
* a label name becomes a stance when it is one of ``stance_names`` (the user's choice, by default
  the project's stance labels), else a theme; spans of one coder on the same characters merge into
  one passage (one stance at most: several stances become one passage each);
* deterministic annotation ids (uuid5 of the document's SHA-256, coder, offsets, labels), so
  importing the same file twice adds nothing even before the content check;
* what is not carried is counted, one line per kind with a few examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from desk_annotator.io.exchange_common import metadata_value, title_from_text
from desk_annotator.io.dataset_jsonl import SnapshotBuilder
from desk_annotator.io.foreign import stable_id
from desk_annotator.io.position_units import Selection, decide_positions, report_lines
from desk_annotator.io.untrusted import clean_text
from desk_annotator.models import (
    Annotation,
    Codebook,
    DocStatus,
    Document,
    ProjectSnapshot,
    Scheme,
    Status,
)
from desk_annotator.text import NormalizationMap, is_normalized, sha256_text

# Java strings count UTF-16 code units: the standard reading of UIMA CAS and WebAnno TSV offsets.
PRIOR_JAVA = "utf16"
SHOWN_EXAMPLES = 3

# Layers of linguistic preprocessing (DKPro Core types, which INCEpTION and WebAnno use for their
# built-in layers). They are usually produced by a tagger or parser, not by a coder, and would
# flood the codebook with part-of-speech tags; they are skipped and counted.
LINGUISTIC_PREFIXES = (
    "de.tudarmstadt.ukp.dkpro.core.api.lexmorph.type.",
    "de.tudarmstadt.ukp.dkpro.core.api.syntax.type.",
)
LINGUISTIC_TYPES = frozenset({
    "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Lemma",
    "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Stem",
})
# Segmentation and bookkeeping: never coding, not worth a line.
INFRASTRUCTURE_TYPES = frozenset({
    "uima.tcas.DocumentAnnotation",
    "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData",
    "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.TagsetDescription",
    "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.TagDescription",
    "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token",
    "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Sentence",
    "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Paragraph",
})
INFRASTRUCTURE_PREFIXES = (
    "de.tudarmstadt.ukp.clarin.webanno.api.type.",  # INCEpTION's layer/feature definitions
    "org.dkpro.core.api.xml.type.",  # XML document structure
    "org.dkpro.core.api.pdf.type.",
    "de.tudarmstadt.ukp.inception.",
)


def layer_kind(type_name: str) -> str:
    """"infrastructure", "linguistic" or "coding" for a layer (type) name."""
    if type_name in INFRASTRUCTURE_TYPES or type_name.startswith(INFRASTRUCTURE_PREFIXES):
        return "infrastructure"
    if type_name in LINGUISTIC_TYPES or type_name.startswith(LINGUISTIC_PREFIXES):
        return "linguistic"
    return "coding"


def short_type_name(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1] or type_name


BASE_MESSAGES = {
    "text_cleaned": "texts holding NUL characters or lone surrogates had them replaced by U+FFFD "
                    "(positions unchanged)",
    "doc_empty": "documents without text were skipped with their spans",
    "span_empty": "zero-length spans (covering no character) were skipped",
    "span_outside": "spans outside their text were skipped",
    "span_split": "span boundaries fell inside one character in the unit read (between the "
                  "UTF-16 halves of an emoji) and were widened to the whole character",
    "span_snapped": "span boundaries fell inside a sequence changed by normalisation (CRLF, BOM, "
                    "NFD) and were widened",
    "span_normalised_away": "spans covering only characters normalisation removes (a byte order "
                            "mark) were skipped",
    "extra_stance": "passages with several stance labels became one annotation per stance",
    "layer_name": "spans without a label value were labelled with their layer's name",
}


class Counted:
    """Warnings counted per kind, rendered as one line per kind with a few examples."""

    def __init__(self, messages: dict[str, str]) -> None:
        self.messages = {**BASE_MESSAGES, **messages}
        self._count: dict[str, int] = {}
        self._examples: dict[str, list[str]] = {}

    def __call__(self, kind: str, example: str | None = None, n: int = 1) -> None:
        if n <= 0:
            return
        self._count[kind] = self._count.get(kind, 0) + n
        shown = self._examples.setdefault(kind, [])
        if example is not None and len(shown) < SHOWN_EXAMPLES and example not in shown:
            shown.append(example)

    def count(self, kind: str) -> int:
        return self._count.get(kind, 0)

    def lines(self) -> list[str]:
        out = []
        for kind in list(self.messages) + [k for k in self._count if k not in self.messages]:
            n = self._count.get(kind)
            if not n:
                continue
            sentence = self.messages.get(kind, kind)
            examples = self._examples.get(kind) or []
            more = ", ..." if n > len(examples) and examples else ""
            shown = f" ({'; '.join(examples)}{more})" if examples else ""
            out.append(f"{n:,} {sentence}{shown}")
        return out


@dataclass
class Span:
    """A labelled span in code points of the document's raw text (as the file holds it).

    ``labels``: (scheme, name); scheme None means "stance if the name is a stance name, else a
    theme". ``own``: a passage written by desk-annotator itself (never merged with another)."""

    start: int
    end: int
    labels: list[tuple[Scheme | None, str]] = field(default_factory=list)
    note: str | None = None
    own: bool = False
    where: str = ""


@dataclass
class DocHandle:
    document: Document
    nmap: NormalizationMap | None


class ForeignSnapshot:
    """Collects documents, coders, labels and spans; :meth:`build` makes the snapshot."""

    def __init__(self, kind: str, stance_names: Iterable[str] | None, warn: Counted,
                 codebook_name: str = "Imported") -> None:
        self.kind = kind
        self.stance_names = set(stance_names or ())
        self.warn = warn
        self.codebook_name = codebook_name
        self._docs: dict[str, DocHandle] = {}
        # Coders and labels are named as our dataset reader names them: fresh GUIDs,
        # matched by name on import.
        self._names = SnapshotBuilder()
        self.annotations: list[Annotation] = []
        self._statuses: dict[tuple[str, str], DocStatus] = {}
        self._ids: dict[str, int] = {}

    # -- documents, coders, labels -------------------------------------------------------------
    def document(self, raw_text: str, title: str | None, where: str,
                 metadata: dict[str, object] | None = None) -> DocHandle | None:
        """The document for ``raw_text`` (one per distinct normalised text); None when the text
        is empty (reported)."""
        raw_text, cleaned = clean_text(raw_text)
        if cleaned is not None:
            self.warn("text_cleaned", where)
        if not raw_text.strip():
            self.warn("doc_empty", where)
            return None
        nmap = None if is_normalized(raw_text) else NormalizationMap(raw_text)
        text = raw_text if nmap is None else nmap.text
        digest = sha256_text(text)
        known = self._docs.get(digest)
        if known is not None:
            # The same text again (another annotator's copy): reuse it, but its own map.
            return DocHandle(known.document, nmap)
        title = (title or "").strip() or title_from_text(text)
        meta = {str(k): metadata_value(v) for k, v in (metadata or {}).items() if v is not None}
        doc = Document(id=stable_id(self.kind, "document", digest), title=title, text=text,
                       sha256=digest, metadata=meta)
        handle = DocHandle(doc, nmap)
        self._docs[digest] = handle
        return handle

    def coder_id(self, name: str) -> str:
        return self._names.coder_id(name)

    def label_id(self, scheme: Scheme, name: str) -> str:
        return self._names.label_id(scheme, name)

    def scheme_of(self, scheme: Scheme | None, name: str) -> Scheme:
        if scheme is not None:
            return scheme
        return "stance" if name in self.stance_names else "themes"

    def set_status(self, doc: DocHandle, coder: str, status: Status) -> None:
        key = (doc.document.id, self.coder_id(coder))
        self._statuses[key] = DocStatus(document_id=key[0], coder_id=key[1], status=status)

    # -- spans ---------------------------------------------------------------------------------
    def add_spans(self, doc: DocHandle, coder: str, spans: Iterable[Span]) -> int:
        """Add one coder's spans on ``doc``; returns the annotations made."""
        text = doc.document.text
        coder_id = self.coder_id(coder)
        # (start, end) -> [stance names, theme names, notes, where]; own passages stay apart.
        groups: dict[tuple, tuple[list[str], list[str], list[str], str]] = {}
        for n, span in enumerate(spans):
            placed = self._place(doc, span)
            if placed is None:
                continue
            start, end = placed
            key: tuple = (start, end, n) if span.own else (start, end)
            stances, themes, notes, _ = groups.setdefault(key, ([], [], [], span.where))
            for scheme, name in span.labels:
                name = name.strip()
                if not name:
                    continue
                bucket = stances if self.scheme_of(scheme, name) == "stance" else themes
                if name not in bucket:
                    bucket.append(name)
            if span.note and span.note not in notes:
                notes.append(span.note)
        made = 0
        for key, (stances, themes, notes, where) in groups.items():
            start, end = key[0], key[1]
            if len(stances) > 1:
                self.warn("extra_stance", where or f"{start}-{end}")
            note = "\n\n".join(notes) or None
            for k, stance in enumerate(stances or [None]):
                mine = themes if k == 0 else []
                ann_id = self._annotation_id(doc.document.sha256, coder, start, end, stance, mine)
                self.annotations.append(Annotation(
                    id=ann_id, document_id=doc.document.id, coder_id=coder_id, start=start,
                    end=end, quote=text[start:end],
                    stance_id=None if stance is None else self.label_id("stance", stance),
                    theme_ids=[self.label_id("themes", t) for t in mine],
                    note=note if k == 0 else None,
                ))
                made += 1
        return made

    def _place(self, doc: DocHandle, span: Span) -> tuple[int, int] | None:
        start, end = span.start, span.end
        if start >= end:
            self.warn("span_empty", span.where or None)
            return None
        if doc.nmap is None:
            if not 0 <= start < end <= len(doc.document.text):
                self.warn("span_outside", span.where or None)
                return None
            return start, end
        if not 0 <= start < end <= len(doc.nmap.raw):
            self.warn("span_outside", span.where or None)
            return None
        mapped = doc.nmap.map_span(start, end)
        if mapped.start >= mapped.end:
            self.warn("span_normalised_away", span.where or None)
            return None
        if mapped.snapped:
            self.warn("span_snapped", span.where or None)
        return mapped.start, mapped.end

    def _annotation_id(self, sha: str, coder: str, start: int, end: int, stance: str | None,
                       themes: list[str]) -> str:
        base = (self.kind, sha, coder, start, end, stance or "", "\x1e".join(sorted(themes)))
        key = "\x1f".join(map(str, base))
        n = self._ids.get(key, 0)
        self._ids[key] = n + 1
        return stable_id(*base) if n == 0 else stable_id(*base, n)

    # -- result --------------------------------------------------------------------------------
    def build(self) -> ProjectSnapshot:
        # Documents nobody coded are still documents of the file: all are kept.
        documents = [h.document for h in self._docs.values()]
        return ProjectSnapshot.model_construct(
            codebook=Codebook(name=self.codebook_name, labels=list(self._names.labels.values())),
            coders=list(self._names.coders.values()), documents=documents,
            annotations=self.annotations, statuses=list(self._statuses.values()),
        )

    @property
    def documents(self) -> list[Document]:
        return [h.document for h in self._docs.values()]


# --------------------------------------------------------------------------- position units


@dataclass
class UnitSource:
    """One document as one file of another tool holds it, offsets not yet converted.

    ``spans`` count positions in the file's unit (to be decided); ``evidence`` are further
    positions that say which unit it is (tokens, with their text when the file carries it; the
    whole document's extent)."""

    where: str
    title: str | None
    coder: str
    raw_text: str
    spans: list[Span]
    evidence: list[Selection | tuple[int, int]] = field(default_factory=list)
    metadata: dict[str, object] = field(default_factory=dict)
    status: Status | None = None
    document_only: bool = False  # the document's text without anyone's coding (INITIAL_CAS)


def place_sources(builder: ForeignSnapshot, sources: Sequence[UnitSource], *, positions: str,
                  prior: str) -> tuple[list[str], list[DocHandle | None]]:
    """Decide the position unit of every source (pooled over the file, see
    :func:`~desk_annotator.io.position_units.decide_positions`), convert the spans to code points
    and add them to ``builder``. Returns the unit report lines and each source's document."""
    indexes: list[list[int | None]] = []
    selections: list[list[Selection]] = []
    for src in sources:
        idx: list[int | None] = []
        sels: list[Selection] = []
        for span in src.spans:
            if span.start < span.end:
                idx.append(len(sels))
                sels.append(Selection(span.start, span.end))
            else:
                idx.append(None)
        for ev in src.evidence:
            sels.append(ev if isinstance(ev, Selection) else Selection(ev[0], ev[1]))
        indexes.append(idx)
        selections.append(sels)
    # The formats read here define their unit (Java's UTF-16): a source read in it is not
    # reported unless something is odd; another unit is used, and reported, only on clear
    # evidence (see position_units).
    decisions = decide_positions(
        [(src.where, src.raw_text, sels) for src, sels in zip(sources, selections, strict=True)],
        positions=positions, prior=prior, quiet=True)
    warn = builder.warn
    handles: list[DocHandle | None] = []
    for src, idx, decision in zip(sources, indexes, decisions, strict=True):
        handle = builder.document(src.raw_text, src.title, src.where, src.metadata)
        handles.append(handle)
        if handle is None:
            continue
        if src.document_only:
            warn("initial_cas", src.where, n=len(src.spans))
            continue
        placed: list[Span] = []
        for span, k in zip(src.spans, idx, strict=True):
            if k is None:
                placed.append(span)  # zero length: counted by the builder
                continue
            raw = decision.spans[k]
            if raw.problem == "outside":
                if decision.fits_elsewhere(k):
                    decision.note("outside the text, skipped", span.where)
                else:
                    warn("span_outside", span.where or None)
                continue
            if raw.problem == "split":
                if decision.fits_elsewhere(k):
                    decision.note("widened", span.where)
                else:
                    warn("span_split", span.where or None)
            placed.append(replace(span, start=raw.start, end=raw.end))
        builder.add_spans(handle, src.coder, placed)
        if src.status is not None:
            builder.set_status(handle, src.coder, src.status)
    return [_java_wording(line) for line in report_lines(decisions)], handles


# position_units words its lines for REFI-QDA (whose standard is code points, and whose UTF-16
# writers are NVivo and QualCoder); for Java formats those asides would mislead.
_REFI_ASIDES = (" (NVivo for Windows style)", " (NVivo for Mac / QualCoder style)",
                " (the standard)")


def _java_wording(line: str) -> str:
    for aside in _REFI_ASIDES:
        line = line.replace(aside, "")
    return line
