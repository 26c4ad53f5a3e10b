"""Writing retrieved segments (and concordance lines) to DOCX, XLSX and CSV.

Every file is written through :func:`desk_annotator.atomic.atomic_path`: a failed export
leaves any older file as it was.

- DOCX (python-docx), laid out to paste into a paper: a title, then one heading per group (a
  label, or a document), and for each segment the quote in quotation marks (whitespace runs
  made one space) followed by "— Title (Outlet, Date), coder, labels".
- XLSX (openpyxl): one sheet, a header row, one row per segment; every text cell is stored as
  text, so a quote that starts with "=" never becomes a formula; characters XML cannot hold
  are dropped, and a text longer than Excel's 32,767 characters per cell is cut there.
- CSV: UTF-8, the same columns.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..atomic import WriteFailed, atomic_path, describe_os_error
from .retrieve import Segment

SEGMENT_COLUMNS = ("document_id", "title", "outlet", "author", "date", "language", "coder",
                   "start", "end", "quote", "stance", "themes", "labels", "context", "note",
                   "annotation_id")
GROUPS = ("label", "document")
OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"
NO_LABEL = "(no label)"
CELL_LIMIT = 32_767  # Excel's characters per cell: a longer text is cut, ending in "…"


def segment_row(s: Segment) -> dict[str, Any]:
    meta = s.metadata
    return {"document_id": s.document_id, "title": s.title, "outlet": meta.get("outlet") or "",
            "author": meta.get("author") or "", "date": meta.get("date") or "",
            "language": meta.get("language") or "", "coder": s.coder, "start": s.start,
            "end": s.end, "quote": s.quote, "stance": s.stance or "",
            "themes": "; ".join(s.themes), "labels": "; ".join(s.labels),
            "context": s.context, "note": s.note or "", "annotation_id": s.annotation_id}


def _prepare(path: str | Path) -> Path:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(describe_os_error(exc, target)) from exc
    return target


def write_table_csv(path: str | Path, columns: Sequence[str],
                    rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with atomic_path(_prepare(path)) as tmp:
        with open(tmp, "x", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
    return count


def write_table_xlsx(path: str | Path, columns: Sequence[str], rows: Iterable[dict[str, Any]],
                     sheet: str = "segments") -> int:
    """One sheet, header row, values as given; strings are always text cells (no formulas)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=False)
    ws = book.active
    ws.title = sheet[:31]
    ws.append(list(columns))
    count = 0
    for count, row in enumerate(rows, 1):
        for col, name in enumerate(columns, 1):
            value = row.get(name)
            cell = ws.cell(row=count + 1, column=col)
            if isinstance(value, str):
                text = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.value = text if len(text) <= CELL_LIMIT else text[:CELL_LIMIT - 1] + "\u2026"
                cell.data_type = "s"  # "=SUM(A1)" stays the text the coder quoted
            else:
                cell.value = value
    ws.freeze_panes = "A2"
    with atomic_path(_prepare(path)) as tmp:
        book.save(tmp)
    return count


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Characters XML 1.0 cannot hold: python-docx refuses the whole file for one of them (ESC
# in a title, a stray control character in text taken from a PDF or a dataset).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _docx_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", _one_line(text))


def group_segments(segments: list[Segment], by: str) -> list[tuple[str, list[Segment]]]:
    """(heading, segments) in order: labels in first-seen order of the (sorted) segments,
    each segment under every chosen label it carries (all its labels if none were chosen);
    documents in the order their first segment appears."""
    if by not in GROUPS:
        raise ValueError(f"group by one of {', '.join(GROUPS)}")
    groups: dict[str, list[Segment]] = {}
    for s in segments:
        # a document's key carries its id, so two documents of one title stay apart
        keys = ([f"{s.title}\x00{s.document_id}"] if by == "document"
                else (s.chosen or s.labels or [NO_LABEL]))
        for key in keys:
            groups.setdefault(key, []).append(s)
    return [(key.split("\x00")[0], items) for key, items in groups.items()]


def write_docx(path: str | Path, segments: list[Segment], *, group_by: str = "label",
               title: str = "Coded segments", description: str | None = None) -> int:
    """The DOCX a researcher pastes from (module doc); returns the number of quotes written."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading(_docx_text(title), level=0)
    if description:
        document.add_paragraph(_docx_text(description))
    written = 0
    for heading, items in group_segments(segments, group_by):
        document.add_heading(_docx_text(f"{heading} ({len(items)})"), level=1)
        for s in items:
            quote = document.add_paragraph(f"{OPEN_QUOTE}{_docx_text(s.quote)}{CLOSE_QUOTE}")
            quote.paragraph_format.space_after = Pt(2)
            source = document.add_paragraph()
            run = source.add_run(_docx_text(f"\u2014 {s.attribution()}"))
            run.italic = True
            run.font.size = Pt(9)
            written += 1
    with atomic_path(_prepare(path)) as tmp:
        document.save(str(tmp))
    return written


def write_segments(path: str | Path, segments: list[Segment], *, group_by: str = "label",
                   description: str | None = None) -> str:
    """Write by extension: .docx .xlsx .csv; returns a one-line summary."""
    suffix = Path(path).suffix.lower()
    if suffix == ".docx":
        write_docx(path, segments, group_by=group_by, description=description)
        n = len(segments)  # a segment under two label headings is still one segment
    elif suffix == ".xlsx":
        n = write_table_xlsx(path, SEGMENT_COLUMNS, map(segment_row, segments))
    elif suffix == ".csv":
        n = write_table_csv(path, SEGMENT_COLUMNS, map(segment_row, segments))
    else:
        from ..errors import DeskAnnotatorError
        raise DeskAnnotatorError(f"{path}: write .docx, .xlsx or .csv")
    return f"{n} segment{'s' if n != 1 else ''} written to {path}"
