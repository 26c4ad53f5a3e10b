"""doccano sequence-labelling JSONL import.

Accepted per line: ``{"text": ..., "label": [[start, end, "name"], ...]}``; the list may also be
called ``labels`` or ``entities``, and entries may be ``{"start_offset", "end_offset", "label"}``.
Optional ``id`` and ``meta`` (``meta.title`` becomes the title, other meta keys metadata).
doccano offsets count Unicode code points, like ours. Every doccano label becomes a theme unless
its name is in ``stance_names``; spans with identical offsets merge into one annotation (one
stance at most, themes united), because that is how our passages carry several labels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desk_annotator.errors import FormatError
from desk_annotator.io.dataset_jsonl import SnapshotBuilder
from desk_annotator.io.exchange_common import (
    metadata_value,
    raise_if_problems,
    title_from_text,
)
from desk_annotator.io.untrusted import (
    clean_json_strings,
    cleaning_warnings,
    load_json,
    read_lines,
)
from desk_annotator.models import Annotation, Document, ProjectSnapshot, new_id
from desk_annotator.text import NormalizationMap, is_normalized, sha256_text

SPAN_KEYS = ("label", "labels", "entities")

Span = tuple[int, int, str]


def looks_like_doccano(path: Path) -> bool:
    """Whether a .jsonl file's first record is doccano's (spans under label/labels/entities and
    no annotations) rather than our dataset's. Reads only the first non-blank line, with the
    line cap and the nesting cap; any problem answers False, and the dataset reader then
    reports it with its line number."""
    try:
        for lineno, line in read_lines(Path(path)):
            if line.strip():
                first = load_json(line, f"{path}: line {lineno}")
                return isinstance(first, dict) and "annotations" not in first and bool(
                    set(SPAN_KEYS) & set(first))
    except (FormatError, ValueError):  # json.JSONDecodeError is a ValueError
        pass
    return False


def read_doccano(
    path: Path, coder_name: str = "doccano", *, stance_names: set[str] | None = None
) -> tuple[ProjectSnapshot, list[str]]:
    """Read a doccano JSONL export; all annotations belong to ``coder_name``. Refuses the whole
    file with one FormatError listing every problem."""
    path = Path(path)
    stance_names = stance_names or set()
    problems: list[str] = []
    warnings: list[str] = []
    parsed: list[tuple[int, dict[str, Any], list[Span]]] = []
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        record = _parse_line(f"{path}", lineno, line, problems, warnings)
        if record is not None:
            parsed.append(record)
    if not parsed and not problems:
        problems.append("no records (the file is empty)")
    raise_if_problems(path, problems)

    builder = SnapshotBuilder()
    coder_id = builder.coder_id(coder_name)
    for lineno, data, spans in parsed:
        _add_document(builder, coder_id, lineno, data, spans, stance_names, warnings)
    return builder.snapshot(codebook_name="doccano"), warnings


def _parse_line(
    source: str, lineno: int, line: str, problems: list[str], warnings: list[str]
) -> tuple[int, dict[str, Any], list[Span]] | None:
    where = f"line {lineno}"
    try:
        # Spans are checked entry by entry (ints and a string in fixed places): no walk.
        data = load_json(line, f"{source}: {where}", shallow=SPAN_KEYS)
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
        return None
    # NUL and lone surrogates become U+FFFD (one code point for one: offsets are unchanged).
    data, changes = clean_json_strings(data, line)
    warnings += cleaning_warnings(where, changes)
    if not isinstance(data, dict):
        problems.append(f"{where}: a record must be a JSON object")
        return None
    text = data.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: 'text' is missing or not a non-empty string")
        return None
    if data.get("meta") is not None and not isinstance(data["meta"], dict):
        problems.append(f"{where}: 'meta' must be an object")
    present = [k for k in SPAN_KEYS if data.get(k) not in (None, [])]
    if len(present) > 1:
        problems.append(f"{where}: both {present[0]!r} and {present[1]!r} hold spans; keep one")
        return None
    raw_spans = data.get(present[0]) if present else []
    if not isinstance(raw_spans, list):
        problems.append(f"{where}: {present[0]!r} must be a list of spans")
        return None
    spans: list[Span] = []
    for pos, entry in enumerate(raw_spans):
        span = _parse_span(entry)
        here = f"{where}, span {pos}"
        if isinstance(span, str):
            problems.append(f"{here}: {span}")
            continue
        start, end, _label = span
        if start < 0 or end > len(text):
            problems.append(f"{here}: {start}..{end} is outside the text (0..{len(text)})")
        elif start >= end:
            problems.append(f"{here}: start {start} is not before end {end}")
        else:
            spans.append(span)
    return lineno, data, spans


def _parse_span(entry: object) -> Span | str:
    """A span, or a sentence saying what is wrong with the entry."""
    if isinstance(entry, str):
        return f"{entry!r} is a document-level label, not a text span (text classification export?)"
    if isinstance(entry, (list, tuple)):
        if len(entry) != 3:
            return "expected [start, end, label]"
        start, end, label = entry
    elif isinstance(entry, dict):
        missing = [k for k in ("start_offset", "end_offset", "label") if k not in entry]
        if missing:
            return f"missing {', '.join(missing)}"
        start, end, label = entry["start_offset"], entry["end_offset"], entry["label"]
    else:
        return "expected [start, end, label] or {start_offset, end_offset, label}"
    if type(start) is not int or type(end) is not int:
        return "offsets must be whole numbers"
    if not isinstance(label, str) or not label.strip():
        return "label must be a non-empty string"
    return start, end, label


def _add_document(
    builder: SnapshotBuilder, coder_id: str, lineno: int, data: dict[str, Any],
    spans: list[Span], stance_names: set[str], warnings: list[str],
) -> None:
    raw: str = data["text"]
    nmap = None if is_normalized(raw) else NormalizationMap(raw)
    text = raw if nmap is None else nmap.text
    meta = data.get("meta") or {}
    metadata = {str(k): metadata_value(v) for k, v in meta.items() if k != "title"}
    if data.get("id") is not None:
        metadata["doccano_id"] = metadata_value(data["id"])
    title = meta.get("title") if isinstance(meta.get("title"), str) and meta["title"].strip() else None
    doc = Document(id=new_id(), title=(title or title_from_text(text)).strip(), text=text,
                   sha256=sha256_text(text), metadata=metadata)
    builder.documents.append(doc)

    # Identical spans merge: {(start, end): (stance ids, theme ids)} in first-seen order.
    merged: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    for start, end, label in spans:
        if nmap is not None:
            mapped = nmap.map_span(start, end)
            if mapped.snapped:
                warnings.append(f"line {lineno}: span {start}..{end} widened to "
                                f"{mapped.start}..{mapped.end} by text normalisation")
            start, end = mapped.start, mapped.end
            if start >= end:
                warnings.append(f"line {lineno}: span of {label!r} covers only a byte order mark; skipped")
                continue
        stances, themes = merged.setdefault((start, end), ([], []))
        if label in stance_names:
            lid = builder.label_id("stance", label)
            if lid not in stances:
                stances.append(lid)
        else:
            lid = builder.label_id("themes", label)
            if lid not in themes:
                themes.append(lid)
    for (start, end), (stances, themes) in merged.items():
        if len(stances) > 1:
            warnings.append(f"line {lineno}: {len(stances)} stance labels on span {start}..{end}; "
                            "kept as separate annotations")
        for k, stance_id in enumerate(stances or [None]):
            builder.annotations.append(Annotation(
                document_id=doc.id, coder_id=coder_id, start=start, end=end,
                quote=text[start:end], stance_id=stance_id, theme_ids=themes if k == 0 else [],
            ))
