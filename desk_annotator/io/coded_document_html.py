"""One coded document as self-contained HTML, for reading, printing and PDF (File → Print
coded document…, ``desk-annotator print-document``).

Layout: a header (title, metadata, coders, counts, when it was made), the text paragraph by
paragraph in a two-column table (the text with its highlights | the codings that start in
that paragraph, like the coding stripes of other tools), the passage notes as numbered
footnotes, a legend of the labels used (with passages per coder), then the coders' memos on
the document.

Overlaps are shown as they are, not flattened: every coding opens with a ``[`` and closes
with a ``]`` in its label's colour, so nested and crossing passages both stay readable; the
text between is tinted in the colour of the innermost (shortest) coding there and
underlined where two or more codings overlap. A coding's colour is its stance label's, else
its first theme's. Only HTML that Qt's rich text engine also renders is used (the PDF is made
from this same HTML through QTextDocument), and every piece of user text is escaped: a title,
note or label name can never add markup; colours must be ``#rrggbb`` to be used at all.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desk_annotator.errors import DeskAnnotatorError
from desk_annotator.io.exchange_common import atomic_text_writer
from desk_annotator.models import Annotation, Label, is_model_coder

FALLBACK_COLOR = "#888888"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
TINT = 0.32  # share of the label colour in a highlight (the rest is white paper)
QUOTE_CHARS = 90  # of a passage quoted in its footnote


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def safe_color(color: object) -> str:
    value = str(color or "")
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower() if _HEX.match(value) else FALLBACK_COLOR


def tint(color: str, share: float = TINT) -> str:
    """``color`` mixed with white (pre-mixed: Qt's rich text has no alpha backgrounds)."""
    c = safe_color(color)
    rgb = [int(c[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - v) * share):02x}" for v in rgb)


@dataclass
class CodedDocument:
    """What the page shows: plain data, read from a project by :func:`coded_document`."""

    title: str
    text: str
    metadata: dict[str, Any]
    coders: list[str]  # names, in the order asked for
    annotations: list[Annotation]
    labels: dict[str, Label]
    coder_names: dict[str, str]
    memos: list[Any] = field(default_factory=list)  # memos.MemoView of those coders


def coded_document(project: Any, document_id: str,
                   coder_names: list[str] | None = None) -> CodedDocument:
    """Read one document and the codings of ``coder_names`` (None: every coder with
    codings there, model coders left out) in one read transaction."""
    q = project.q
    with project.reading():
        doc = q.document(document_id)
        if doc is None:
            raise DeskAnnotatorError(f"no document with id {document_id}")
        coders = q.coders()
        by_name = {c.name: c for c in coders}
        anns = q.annotations(document_id)
        if coder_names is None:
            present = {a.coder_id for a in anns}
            chosen = [c for c in coders if c.id in present and not is_model_coder(c.name)]
        else:
            unknown = [n for n in coder_names if n not in by_name]
            if unknown:
                known = ", ".join(c.name for c in coders) or "none"
                raise DeskAnnotatorError(f"no coder named {', '.join(unknown)} "
                                         f"(coders: {known})")
            chosen = [by_name[n] for n in dict.fromkeys(coder_names)]
        ids = {c.id for c in chosen}
        labels = {lb.id: lb for lb in q.labels()}
        from desk_annotator.memos import memos_on
        memos = [m for m in memos_on(project, "document", document_id) if m.coder_id in ids]
    return CodedDocument(
        title=doc.title, text=doc.text, metadata=dict(doc.metadata),
        coders=[c.name for c in chosen], annotations=[a for a in anns if a.coder_id in ids],
        labels=labels, coder_names={c.id: c.name for c in coders},
        memos=sorted(memos, key=lambda m: (m.created, m.id)))


# -- rendering ---------------------------------------------------------------------------------

def _label_ids(ann: Annotation) -> list[str]:
    return ([ann.stance_id] if ann.stance_id else []) + list(ann.theme_ids)


def _display_span(text: str, ann: Annotation) -> tuple[int, int]:
    """The span without line breaks at its edges, so it opens and closes inside a paragraph."""
    start, end = ann.start, ann.end
    while start < end and text[start] == "\n":
        start += 1
    while end > start and text[end - 1] == "\n":
        end -= 1
    return (start, end) if start < end else (ann.start, ann.end)


class _Page:
    def __init__(self, doc: CodedDocument) -> None:
        self.doc = doc
        order = sorted(doc.annotations, key=lambda a: (a.start, a.end, doc.coder_names.get(
            a.coder_id, ""), a.id))
        self.anns = order
        self.spans = {a.id: _display_span(doc.text, a) for a in order}
        self.footnote: dict[str, int] = {}
        for ann in order:
            if ann.note and ann.note.strip():
                self.footnote[ann.id] = len(self.footnote) + 1

    def color(self, ann: Annotation) -> str:
        for label_id in _label_ids(ann):
            label = self.doc.labels.get(label_id)
            if label is not None:
                return safe_color(label.color)
        return FALLBACK_COLOR

    def label_names(self, ann: Annotation) -> list[tuple[str, str]]:
        out = []
        for label_id in _label_ids(ann):
            label = self.doc.labels.get(label_id)
            out.append((label.name, safe_color(label.color)) if label else ("?", FALLBACK_COLOR))
        return out

    # -- the text ------------------------------------------------------------------------
    def paragraph(self, ps: int, pe: int) -> tuple[str, str]:
        """(text cell, codings cell) of the paragraph text[ps:pe]."""
        text = self.doc.text
        starts = [a for a in self.anns if ps <= self.spans[a.id][0] < pe]
        ends = [a for a in self.anns if ps < self.spans[a.id][1] <= pe]
        cuts = sorted({ps, pe} | {self.spans[a.id][0] for a in starts}
                      | {self.spans[a.id][1] for a in ends})
        active = [a for a in self.anns if self.spans[a.id][0] < ps < self.spans[a.id][1]]
        out: list[str] = []
        for i, pos in enumerate(cuts):
            # Close first (the later-opened, i.e. inner, first), then open (outer first).
            closing = sorted((a for a in ends if self.spans[a.id][1] == pos),
                             key=lambda a: (-self.spans[a.id][0], self.spans[a.id][1]))
            for ann in closing:
                out.append(self._close(ann))
                active.remove(ann)
            opening = sorted((a for a in starts if self.spans[a.id][0] == pos),
                             key=lambda a: (-self.spans[a.id][1], a.id))
            for ann in opening:
                out.append(self._open(ann))
                active.append(ann)
            if i + 1 < len(cuts):
                out.append(self._segment(text[pos:cuts[i + 1]], active))
        margin = "<br/>".join(self._margin_entry(a) for a in starts)
        return "".join(out), margin

    def _open(self, ann: Annotation) -> str:
        return f'<b><span style="color:{self.color(ann)}">[</span></b>'

    def _close(self, ann: Annotation) -> str:
        mark = f'<b><span style="color:{self.color(ann)}">]</span></b>'
        number = self.footnote.get(ann.id)
        if number is not None:
            mark += f'<sup><a href="#fn{number}" name="ref{number}">{number}</a></sup>'
        return mark

    def _segment(self, piece: str, active: list[Annotation]) -> str:
        if not piece:
            return ""
        body = esc(piece)
        if not active:
            return body
        inner = min(active, key=lambda a: (self.spans[a.id][1] - self.spans[a.id][0],
                                           -self.spans[a.id][0]))
        style = f"background-color:{tint(self.color(inner))}"
        if len(active) > 1:
            style += "; text-decoration: underline"
        return f'<span style="{style}" title="{len(active)} coding(s)">{body}</span>'

    def _margin_entry(self, ann: Annotation) -> str:
        swatches = ", ".join(f'<span style="color:{c}">■</span>&nbsp;{esc(name)}'
                             for name, c in self.label_names(ann)) or "no label"
        coder = esc(self.doc.coder_names.get(ann.coder_id, "?"))
        number = self.footnote.get(ann.id)
        note = f' <sup><a href="#fn{number}">{number}</a></sup>' if number else ""
        return f"{swatches} <i>({coder})</i>{note}"

    # -- the rest ------------------------------------------------------------------------
    def footnotes(self) -> str:
        rows = []
        for ann in self.anns:
            number = self.footnote.get(ann.id)
            if number is None:
                continue
            quote = " ".join(ann.quote.split())
            if len(quote) > QUOTE_CHARS:
                quote = quote[:QUOTE_CHARS - 1] + "…"
            labels = ", ".join(name for name, _ in self.label_names(ann)) or "no label"
            note = "<br/>".join(esc(line) for line in ann.note.strip().splitlines())  # type: ignore[union-attr]
            rows.append(
                f'<p class="fn"><a name="fn{number}"></a><sup>{number}</sup> '
                f"<i>{esc(self.doc.coder_names.get(ann.coder_id, '?'))}, {esc(labels)}</i> — "
                f"“{esc(quote)}”: {note}</p>")
        return "".join(rows)

    def legend(self) -> str:
        counts: Counter[tuple[str, str]] = Counter()
        for ann in self.anns:
            for label_id in _label_ids(ann):
                counts[(label_id, ann.coder_id)] += 1
        used = [lb for lb in sorted(self.doc.labels.values(),
                                    key=lambda lb: (lb.scheme != "stance", lb.order, lb.name))
                if any(counts[(lb.id, c)] for c in self.doc.coder_names)]
        if not used:
            return "<p>No passages coded.</p>"
        coder_ids = [cid for name in self.doc.coders for cid, n in
                     self.doc.coder_names.items() if n == name]
        head = "".join(f"<th>{esc(self.doc.coder_names[c])}</th>" for c in coder_ids)
        rows = [f"<tr><th></th><th>Label</th><th>Scheme</th>{head}</tr>"]
        for lb in used:
            color = safe_color(lb.color)
            cells = "".join(f'<td align="right">{counts[(lb.id, c)]}</td>' for c in coder_ids)
            rows.append(f'<tr><td style="background-color:{color}">&nbsp;&nbsp;&nbsp;</td>'
                        f'<td><span style="background-color:{tint(color)}">{esc(lb.name)}'
                        f"</span></td><td>{esc(lb.scheme)}</td>{cells}</tr>")
        return ('<table class="legend" cellspacing="0" cellpadding="3" border="1">'
                + "".join(rows) + "</table>")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; font-size: 11pt; color: #111; }
h1 { font-size: 17pt; margin-bottom: 4px; }
h2 { font-size: 13pt; margin-top: 18px; }
table.meta td { padding: 1px 8px 1px 0; }
td.codes { font-family: Helvetica, Arial, sans-serif; font-size: 8pt; color: #333; }
p.fn { font-size: 9pt; margin: 2px 0; }
.small { font-size: 8pt; color: #555; }
"""


def render_coded_document_html(doc: CodedDocument, *, generated: str | None = None) -> str:
    """The page as one self-contained HTML string (inline style, no external resources)."""
    page = _Page(doc)
    stamp = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta_rows = "".join(f"<tr><td><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>"
                        for k, v in doc.metadata.items() if v not in (None, ""))
    coders = ", ".join(esc(c) for c in doc.coders) or "no coder"
    notes = len(page.footnote)
    rows = []
    for ps, pe in _paragraphs(doc.text):
        if ps == pe:
            continue
        text_cell, margin = page.paragraph(ps, pe)
        rows.append(f'<tr><td class="text" width="72%" valign="top">{text_cell}</td>'
                    f'<td class="codes" width="28%" valign="top">{margin}</td></tr>')
    memo_html = "".join(
        f"<h3>{esc(m.title or 'Memo')} <span class='small'>— {esc(m.coder_name or '?')}, "
        f"{esc(m.updated[:16].replace('T', ' '))}</span></h3>"
        + "".join(f"<p>{esc(line)}</p>" for line in m.text.splitlines() if line.strip())
        for m in doc.memos)
    parts = [
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>",
        f"<title>{esc(doc.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(doc.title)}</h1>",
        f'<table class="meta">{meta_rows}</table>' if meta_rows else "",
        (f"<p><b>Coder{'s' * (len(doc.coders) != 1)}:</b> {coders} · "
         f"{len(page.anns)} coded passage{'s' * (len(page.anns) != 1)} · "
         f"{notes} note{'s' * (notes != 1)}</p>"),
        (f'<p class="small">Printed {esc(stamp)} by desk-annotator. Each coding runs from '
         "[ to ] in its label's colour; underlined text is coded more than once; numbers "
         "point to the passage notes.</p>"),
        '<table class="body" width="100%" cellspacing="0" cellpadding="4">',
        "".join(rows), "</table>",
        f"<h2>Notes</h2>{page.footnotes()}" if notes else "",
        f"<h2>Legend</h2>{page.legend()}",
        f"<h2>Memos</h2>{memo_html}" if memo_html else "",
        "</body></html>\n",
    ]
    return "".join(parts)


def coded_document_html(project: Any, document_id: str,
                        coder_names: list[str] | None = None) -> str:
    return render_coded_document_html(coded_document(project, document_id, coder_names))


def write_coded_document_html(project: Any, document_id: str, path: str | Path,
                              coder_names: list[str] | None = None) -> CodedDocument:
    """Write the page to ``path`` (built under a temporary name, renamed into place)."""
    doc = coded_document(project, document_id, coder_names)
    with atomic_text_writer(Path(path)) as handle:
        handle.write(render_coded_document_html(doc))
    return doc
