"""What the readers of other tools' annotation files share (brat, Label Studio, doccano 1.x).

A reader parses its format into :class:`ForeignDocument` objects (the raw text exactly as the
tool's positions count it, and every labelled span as the tool states it); :func:`build_snapshot`
then does the rest the same way for every format:

* the position unit is decided per document (:mod:`desk_annotator.io.position_units`: code
  points or UTF-16 units, using the selected text where the file carries it), and reported;
* spans are mapped onto the normalised text (NFC, ``\\n`` line endings, no BOM);
* a span outside the text is a problem (the caller refuses the whole file, listing them all);
  text the tool stored that differs from the document at the offsets is a warning;
* spans of one coder on the same characters merge into one passage (one stance at most; a
  second stance makes a second passage, with a warning);
* label names become stances when they are in ``stance_names`` (or the reader says so), themes
  otherwise;
* ids are deterministic (uuid5 of the document's SHA-256, coder, offsets, labels and note),
  so importing the same file again adds nothing.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from desk_annotator.io.dataset_jsonl import SnapshotBuilder
from desk_annotator.io.exchange_common import title_from_text
from desk_annotator.io.position_units import Selection, decide_positions, report_lines
from desk_annotator.models import (
    Annotation,
    DocStatus,
    Document,
    ProjectSnapshot,
    Scheme,
)
from desk_annotator.text import NormalizationMap, is_normalized, sha256_text

# Fixed namespace of desk-annotator's deterministic import ids (never change it: ids of
# earlier imports would no longer match).
ID_NAMESPACE = uuid.UUID("525963cc-b3af-4f92-ada8-2b9399094fa6")
MAX_EXAMPLES = 3


def stable_id(kind: str, *parts: object) -> str:
    """A GUID (upper case, like :func:`desk_annotator.models.new_id`) that depends only on
    ``kind`` and ``parts``."""
    key = json.dumps([kind, *parts], ensure_ascii=False, separators=(",", ":"))
    return str(uuid.uuid5(ID_NAMESPACE, key)).upper()


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


class Dropped:
    """Counts of what a reader met but cannot carry, reported as one line each
    ("3 relations not carried")."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def add(self, one: str, many: str | None = None, n: int = 1,
            verb: str = "not carried") -> None:
        if n:
            self._counts[(one, many or one + "s", verb)] += n

    def lines(self) -> list[str]:
        return [f"{plural(n, one, many)} {verb}" for (one, many, verb), n in self._counts.items()]


@dataclass
class ForeignSpan:
    """One labelled span as the other tool states it. ``fragments``: (start, end) in the
    tool's unit on the raw text (several for a discontinuous span). ``labels``: (name,
    scheme) with scheme None when ``stance_names`` decides."""

    fragments: list[tuple[int, int]]
    labels: list[tuple[str, Scheme | None]]
    coder: str
    where: str
    text: str | None = None  # the selected text, when the file stores it
    note: str | None = None
    created: str | None = None
    updated: str | None = None
    merge: bool = True  # False: keep as its own passage even if another has the same span


@dataclass
class ForeignDocument:
    where: str  # how messages name it ("task 3", "PMID-1.ann")
    raw: str  # the text exactly as the positions count it (NUL already replaced)
    title: str | None = None
    metadata: dict[str, str | None] = field(default_factory=dict)
    spans: list[ForeignSpan] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)  # coders to create even without spans
    # coder -> (status, when): e.g. a submitted Label Studio annotation is "done"
    statuses: dict[str, tuple[str, str | None]] = field(default_factory=dict)


@dataclass
class BuildResult:
    snapshot: ProjectSnapshot
    warnings: list[str]
    problems: list[str]


def iso_time(value: object) -> str | None:
    """``value`` when it is an ISO 8601 timestamp (a trailing Z accepted), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    return value


def _canon(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_matches(selected: str, stated: str) -> bool:
    """Whether the text at the offsets is the text the tool stored (white space runs equal;
    a stored ``\\n`` escape counts as a line break, as Label Studio writes it)."""
    if _canon(selected) == _canon(stated):
        return True
    return "\\n" in stated and _canon(selected) == _canon(stated.replace("\\n", "\n"))


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def build_snapshot(documents: list[ForeignDocument], *, tool: str, stance_names: set[str],
                   positions: str = "auto", prior: str = "codepoints", quiet: bool = False,
                   join_label: str = "joined", labels: Sequence[tuple[Scheme, str]] = (),
                   coders: Sequence[str] = ()) -> BuildResult:
    """Documents, coders, labels and passages of a foreign file as a snapshot; see the module
    docstring. ``labels`` and ``coders``: ones the file declares, created even when unused.
    ``problems`` non-empty means the caller must refuse the file."""
    problems: list[str] = []
    warnings: list[str] = []
    sources = []
    for doc in documents:
        sels = [Selection(s, e, span.text if len(span.fragments) == 1 else None)
                for span in doc.spans for s, e in span.fragments]
        sources.append((doc.where, doc.raw, sels))
    decisions = decide_positions(sources, positions=positions, prior=prior, quiet=quiet)
    builder = SnapshotBuilder()
    for scheme, name in labels:
        builder.label_id(scheme, name)
    for name in coders:
        builder.coder_id(name)
    mismatches: list[str] = []
    widened: list[str] = []
    joined = 0
    for doc, decision in zip(documents, decisions, strict=True):
        for name in doc.coders:
            builder.coder_id(name)
        nmap = None if is_normalized(doc.raw) else NormalizationMap(doc.raw)
        text = doc.raw if nmap is None else nmap.text
        sha = sha256_text(text)
        title = " ".join((doc.title or "").split()) or title_from_text(text)
        document = Document(id=stable_id("document", sha), title=title, text=text, sha256=sha,
                            metadata=dict(doc.metadata))
        builder.documents.append(document)
        for name, (status, when) in doc.statuses.items():
            builder.statuses.append(DocStatus(
                document_id=document.id, coder_id=builder.coder_id(name), status=status,
                **({"updated": when} if when else {})))
        placed: list[tuple[ForeignSpan, int, int]] = []
        index = 0
        for span in doc.spans:
            first = index
            raws = decision.spans[index:index + len(span.fragments)]
            index += len(span.fragments)
            unit = " UTF-16 units" if decision.reading.utf16 else ""
            bad = [f"{s}..{e}" for (s, e), raw in zip(span.fragments, raws, strict=True)
                   if raw.problem == "outside"]
            if bad:
                problems.append(f"{span.where}: {', '.join(bad)} is outside the text "
                                f"(0..{decision.length}{unit})")
                continue
            start, end = min(r.start for r in raws), max(r.end for r in raws)
            split = [first + k for k, r in enumerate(raws) if r.problem == "split"]
            if split:
                example = f"{span.where} -> {start}..{end}"
                if decision.fits_elsewhere(split[0]):  # said on the unit's line
                    decision.note("widened", example)
                else:
                    widened.append(example)
            if len(raws) > 1:
                gaps = [doc.raw[a.end:b.start] for a, b in pairwise(raws)]
                if any(gap.strip() for gap in gaps):
                    joined += 1
            if span.text is not None:
                selected = " ".join(doc.raw[r.start:r.end] for r in raws)
                if not text_matches(selected, span.text):
                    mismatches.append(f"{span.where}: {tool} has {_short(span.text)}, the "
                                      f"text reads {_short(selected)}")
            if nmap is not None:
                mapped = nmap.map_span(start, end)
                if mapped.snapped:
                    widened.append(f"{span.where} -> {mapped.start}..{mapped.end} (text "
                                   "normalisation)")
                start, end = mapped.start, mapped.end
            if start >= end:
                warnings.append(f"{span.where}: covers no character (once normalised); skipped")
                continue
            placed.append((span, start, end))
        _add_passages(builder, document, placed, stance_names, warnings)
    if widened:
        warnings.append(f"{plural(len(widened), 'span')} widened to whole characters: "
                        + "; ".join(widened[:MAX_EXAMPLES]) + ("; ..." if len(widened) > MAX_EXAMPLES
                                                               else ""))
    if mismatches:
        warnings.append(f"{plural(len(mismatches), 'span')} whose text stored by {tool} differs "
                        "from the document at its offsets (kept at the offsets): "
                        + "; ".join(mismatches[:MAX_EXAMPLES])
                        + ("; ..." if len(mismatches) > MAX_EXAMPLES else ""))
    if joined:
        warnings.append(f"{plural(joined, 'discontinuous span')} {join_label} into one passage "
                        "each (the gap between the pieces is included)")
    return BuildResult(builder.snapshot(codebook_name=tool), report_lines(decisions) + warnings,
                       problems)


def _add_passages(builder: SnapshotBuilder, doc: Document,
                  placed: list[tuple[ForeignSpan, int, int]], stance_names: set[str],
                  warnings: list[str]) -> None:
    groups: dict[tuple, list[ForeignSpan]] = {}
    for n, (span, start, end) in enumerate(placed):
        key = (span.coder, start, end) if span.merge else (span.coder, start, end, n)
        groups.setdefault(key, []).append(span)
    used: set[str] = set()
    for key, spans in groups.items():
        coder, start, end = key[0], key[1], key[2]
        stances: list[str] = []
        themes: list[str] = []
        notes: list[str] = []
        for span in spans:
            for name, scheme in span.labels:
                if scheme is None:
                    scheme = "stance" if name in stance_names else "themes"
                bucket = stances if scheme == "stance" else themes
                if name not in bucket:
                    bucket.append(name)
            if span.note and span.note.strip() and span.note not in notes:
                notes.append(span.note)
        if len(stances) > 1:
            warnings.append(f"{spans[0].where}: {len(stances)} stance labels on one span "
                            f"({', '.join(stances)}); kept as separate passages")
        note = "\n\n".join(notes) or None
        created = next((s.created for s in spans if s.created), None)
        updated = next((s.updated for s in spans if s.updated), None) or created
        times = {k: v for k, v in (("created", created), ("updated", updated)) if v}
        for k, stance in enumerate(stances or [None]):
            theme_names = themes if k == 0 else []
            ann_id = stable_id("annotation", doc.sha256, coder, start, end, stance,
                               sorted(theme_names), note if k == 0 else None)
            n = 1
            while ann_id in used:  # the very same passage twice in one file
                n += 1
                ann_id = stable_id("annotation", doc.sha256, coder, start, end, stance,
                                   sorted(theme_names), note if k == 0 else None, n)
            used.add(ann_id)
            builder.annotations.append(Annotation(
                id=ann_id, document_id=doc.id, coder_id=builder.coder_id(coder), start=start,
                end=end, quote=doc.text[start:end],
                stance_id=None if stance is None else builder.label_id("stance", stance),
                theme_ids=[builder.label_id("themes", t) for t in theme_names],
                note=note if k == 0 else None, **times))
