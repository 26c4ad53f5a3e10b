"""doccano JSONL import: the sequence-labelling export of doccano 1.x and later, and the
``annotations`` export of doccano 1.0-1.3.

Current exports, one document per line: ``{"text": ..., "label": [[start, end, "name"], ...]}``;
the list may also be called ``labels`` or ``entities``, entries may be ``{"start_offset",
"end_offset", "label"}``, and doccano 1.4-1.5 called the text ``data``. Optional ``id`` and
``meta`` (``meta.title`` becomes the title, other meta keys metadata; newer doccano spreads
them over the record's top level, where they are read too). Relations and ``Comments`` are
counted and reported as not carried. All spans belong to one coder (doccano writes one file per
annotator, ``<user>.jsonl``).

doccano 1.0-1.3 (its "JSON" download): ``{"id", "text", "annotations": [{"label": 4,
"start_offset": 0, "end_offset": 6, "user": 1}], "meta", "annotation_approver"}``. Labels are
numeric ids, named by the label list doccano exports separately (``label_config.json`` or
``project_<n>_labels.json``: ``[{"id": 4, "text": "LOC", ...}]``) when it lies beside the file;
without one they are called ``label-4`` (with a warning). Users become coders
``doccano-user-<n>``. Annotations without offsets (text classification, seq2seq) are counted.

Offsets: doccano's editor counts UTF-16 units in the browser (doccano/doccano issue #2290),
files prepared in Python count code points; doccano stores no span text, so the unit is decided
per document from where the boundaries fall (:mod:`desk_annotator.io.position_units`) and
reported when it is not code points. Every doccano label becomes a theme unless its name is in
``stance_names``; spans with identical offsets merge into one passage (one stance at most).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import metadata_value, raise_if_problems
from desk_annotator.io.foreign import (
    Dropped,
    ForeignDocument,
    ForeignSpan,
    build_snapshot,
)
from desk_annotator.io.untrusted import (
    clean_json_strings,
    cleaning_warnings,
    load_json,
    read_lines,
)
from desk_annotator.models import ProjectSnapshot
from desk_annotator.text import Utf16Map

SPAN_KEYS = ("label", "labels", "entities")
# Keys of a record that are not the document's metadata.
RECORD_KEYS = frozenset({"id", "text", "data", "meta", *SPAN_KEYS, "relations", "Comments",
                         "comments", "annotations", "annotation_approver"})
LABEL_LISTS = ("{stem}.labels.json", "{stem}_labels.json", "label_config.json", "labels.json")
MAX_LABEL_LIST_BYTES = 16 * 1024 * 1024
SNIFF_LINES = 20

Span = tuple[int, int, str]


def _first_records(path: Path, limit: int) -> list[Any]:
    """Up to ``limit`` parsed records from the start of the file; [] on any problem (the real
    reader then reports it with its line number)."""
    out: list[Any] = []
    try:
        for lineno, line in read_lines(Path(path)):
            if line.strip():
                out.append(load_json(line, f"{path}: line {lineno}"))
                if len(out) >= limit:
                    break
    except (FormatError, ValueError):  # json.JSONDecodeError is a ValueError
        return out
    return out


def looks_like_doccano(path: Path) -> bool:
    """Whether a .jsonl file's first record is doccano's (spans under label/labels/entities and
    no annotations) rather than our dataset's. Reads only the first non-blank line, with the
    line cap and the nesting cap; any problem answers False, and the dataset reader then
    reports it with its line number."""
    first = _first_records(path, 1)
    return bool(first) and isinstance(first[0], dict) and "annotations" not in first[0] and bool(
        set(SPAN_KEYS) & set(first[0]))


def looks_like_doccano1(path: Path) -> bool:
    """Whether a .jsonl file is doccano 1.0-1.3's ``annotations`` export rather than our
    dataset (whose annotations have ``start``/``end``/``coder``). Reads the first records only."""
    for record in _first_records(path, SNIFF_LINES):
        if not isinstance(record, dict) or not isinstance(record.get("annotations"), list):
            return False
        anns = [a for a in record["annotations"] if isinstance(a, dict)]
        if anns:
            first = anns[0]
            if "coder" in first or "start" in first:
                return False
            return bool({"start_offset", "end_offset", "user"} & set(first)) or (
                type(first.get("label")) is int)
        if {"metadata", "status", "sha256"} & set(record):
            return False
        if {"annotation_approver", "meta"} & set(record):
            return True
    return False


# --------------------------------------------------------------------------- current doccano


def read_doccano(
    path: Path, coder_name: str = "doccano", *, stance_names: set[str] | None = None,
    positions: str = "auto",
) -> tuple[ProjectSnapshot, list[str]]:
    """Read a doccano JSONL export; all annotations belong to ``coder_name``. Refuses the whole
    file with one FormatError listing every problem."""
    path = Path(path)
    problems: list[str] = []
    warnings: list[str] = []
    dropped = Dropped()
    documents: list[ForeignDocument] = []
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        parsed = _parse_line(f"{path}", lineno, line, problems, warnings)
        if parsed is None:
            continue
        data, text, spans = parsed
        _count_dropped(data, dropped)
        doc = _document(lineno, data, text)
        doc.spans = [ForeignSpan(fragments=[(s, e)], labels=[(label, None)], coder=coder_name,
                                 where=f"line {lineno}, span {pos}")
                     for pos, (s, e, label) in spans]
        doc.coders = [coder_name]
        documents.append(doc)
    if not documents and not problems:
        problems.append("no records (the file is empty)")
    return _finish(path, documents, problems, warnings, dropped, stance_names, positions)


def _finish(path: Path, documents: list[ForeignDocument], problems: list[str],
            warnings: list[str], dropped: Dropped, stance_names: set[str] | None,
            positions: str) -> tuple[ProjectSnapshot, list[str]]:
    raise_if_problems(path, problems)
    result = build_snapshot(documents, tool="doccano", stance_names=set(stance_names or ()),
                            positions=positions, quiet=True)
    raise_if_problems(path, result.problems)
    return result.snapshot, warnings + result.warnings + dropped.lines()


def _count_dropped(data: dict[str, Any], dropped: Dropped) -> None:
    relations = data.get("relations")
    if isinstance(relations, list):
        dropped.add("relation", n=len(relations))
    for key in ("Comments", "comments"):
        comments = data.get(key)
        if isinstance(comments, list):
            dropped.add("comment", n=sum(1 for c in comments if c))


def _document(lineno: int, data: dict[str, Any], text: str) -> ForeignDocument:
    meta = data.get("meta")
    if isinstance(meta, str):  # doccano 1.0 stored meta as a JSON string
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = {"meta": meta}
    meta = meta if isinstance(meta, dict) else {}
    metadata = {str(k): metadata_value(v) for k, v in meta.items() if k != "title"}
    # Newer doccano writes the meta keys at the record's top level.
    metadata.update({str(k): metadata_value(v) for k, v in data.items()
                     if k not in RECORD_KEYS and not isinstance(v, (dict, list))})
    if data.get("id") is not None:
        metadata["doccano_id"] = metadata_value(data["id"])
    title = meta.get("title") if isinstance(meta.get("title"), str) and meta["title"].strip() \
        else None
    return ForeignDocument(where=f"line {lineno}", raw=text, title=title, metadata=metadata)


def _record(source: str, lineno: int, line: str, problems: list[str],
            warnings: list[str]) -> tuple[dict[str, Any], str] | None:
    """The record of one line and its text, or None (the problem is listed)."""
    where = f"line {lineno}"
    try:
        # Spans are checked entry by entry (ints and a string in fixed places): no walk.
        data = load_json(line, f"{source}: {where}", shallow=(*SPAN_KEYS, "annotations"))
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
    if text is None and isinstance(data.get("data"), str):
        text = data["data"]  # doccano 1.4-1.5
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: 'text' is missing or not a non-empty string")
        return None
    if data.get("meta") is not None and not isinstance(data["meta"], (dict, str)):
        problems.append(f"{where}: 'meta' must be an object")
    return data, text


def _in_text(here: str, start: int, end: int, text: str, problems: list[str]) -> bool:
    # Outside in code points may still be inside in UTF-16 units (decided later, per text).
    if start < 0 or end > Utf16Map(text).length_utf16:
        problems.append(f"{here}: {start}..{end} is outside the text (0..{len(text)})")
    elif start >= end:
        problems.append(f"{here}: start {start} is not before end {end}")
    else:
        return True
    return False


def _parse_line(
    source: str, lineno: int, line: str, problems: list[str], warnings: list[str]
) -> tuple[dict[str, Any], str, list[tuple[int, Span]]] | None:
    record = _record(source, lineno, line, problems, warnings)
    if record is None:
        return None
    data, text = record
    where = f"line {lineno}"
    present = [k for k in SPAN_KEYS if data.get(k) not in (None, [])]
    if len(present) > 1:
        problems.append(f"{where}: both {present[0]!r} and {present[1]!r} hold spans; keep one")
        return None
    raw_spans = data.get(present[0]) if present else []
    if not isinstance(raw_spans, list):
        problems.append(f"{where}: {present[0]!r} must be a list of spans")
        return None
    spans: list[tuple[int, Span]] = []
    for pos, entry in enumerate(raw_spans):
        span = _parse_span(entry)
        here = f"{where}, span {pos}"
        if isinstance(span, str):
            problems.append(f"{here}: {span}")
        elif _in_text(here, span[0], span[1], text, problems):
            spans.append((pos, span))
    return data, text, spans


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


# --------------------------------------------------------------------------- doccano 1.0-1.3


def find_label_list(path: Path) -> Path | None:
    """The label list doccano exported for ``path``, if one lies beside it."""
    folder = path.parent
    for pattern in LABEL_LISTS:
        candidate = folder / pattern.format(stem=path.stem)
        if candidate.is_file():
            return candidate
    numbered = sorted(folder.glob("project_*_labels.json"))
    return numbered[0] if numbered else None


def read_label_list(path: Path) -> dict[int, str]:
    """doccano's label list: ``[{"id": 4, "text": "LOC", ...}]`` -> {4: "LOC"}."""
    try:
        if path.stat().st_size > MAX_LABEL_LIST_BYTES:
            raise FormatError(f"{path}: too large for a label list; nothing was imported")
        text = path.read_bytes().decode("utf-8-sig")
        value = load_json(text, str(path))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: not a readable doccano label list ({exc}); nothing was "
                          "imported") from None
    value, _changes = clean_json_strings(value, text)
    if not isinstance(value, list) or not all(
            isinstance(v, dict) and type(v.get("id")) is int and isinstance(v.get("text"), str)
            and v["text"].strip() for v in value):
        raise FormatError(f"{path}: not a doccano label list (expected [{{\"id\": 1, \"text\": "
                          "\"LOC\"}, ...]); nothing was imported")
    return {v["id"]: v["text"].strip() for v in value}


def read_doccano1(path: Path, *, stance_names: set[str] | None = None, positions: str = "auto",
                  label_list: Path | None = None) -> tuple[ProjectSnapshot, list[str]]:
    """Read doccano 1.0-1.3's ``annotations`` export (see the module docstring)."""
    path = Path(path)
    label_list = label_list or find_label_list(path)
    names = read_label_list(label_list) if label_list is not None else {}
    problems: list[str] = []
    warnings: list[str] = []
    dropped = Dropped()
    documents: list[ForeignDocument] = []
    unnamed: set[int] = set()
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        record = _record(f"{path}", lineno, line, problems, warnings)
        if record is None:
            continue
        data, text = record
        anns = data.get("annotations")
        if not isinstance(anns, list):
            problems.append(f"line {lineno}: 'annotations' must be a list")
            continue
        _count_dropped(data, dropped)
        doc = _document(lineno, data, text)
        if isinstance(data.get("annotation_approver"), str):
            doc.metadata["doccano_approver"] = data["annotation_approver"]
        for pos, ann in enumerate(anns):
            span = _annotation1(f"line {lineno}, annotation {pos}", ann, text, names, unnamed,
                                problems, dropped)
            if span is not None:
                doc.spans.append(span)
        documents.append(doc)
    if not documents and not problems:
        problems.append("no records (the file is empty)")
    if unnamed:
        shown = ", ".join(f"label-{n}" for n in sorted(unnamed)[:10])
        why = f"{label_list.name} lacks them" if label_list is not None else (
            "no label list lies beside the file: label_config.json or "
            "project_<n>_labels.json, as doccano exports it")
        warnings.append(f"numeric labels without a name called {shown}"
                        + (", ..." if len(unnamed) > 10 else "") + f" ({why})")
    return _finish(path, documents, problems, warnings, dropped, stance_names, positions)


def _annotation1(where: str, ann: object, text: str, names: dict[int, str], unnamed: set[int],
                 problems: list[str], dropped: Dropped) -> ForeignSpan | None:
    if not isinstance(ann, dict):
        problems.append(f"{where}: an annotation must be an object")
        return None
    label = ann.get("label")
    if "start_offset" not in ann and "end_offset" not in ann:
        if isinstance(ann.get("text"), str):
            dropped.add("seq2seq text annotation")
        else:
            dropped.add("document-level label")
        return None
    start, end = ann.get("start_offset"), ann.get("end_offset")
    if type(start) is not int or type(end) is not int:
        problems.append(f"{where}: offsets must be whole numbers")
        return None
    if type(label) is int:
        name = names.get(label)
        if name is None:
            unnamed.add(label)
            name = f"label-{label}"
    elif isinstance(label, str) and label.strip():
        name = label.strip()
    else:
        problems.append(f"{where}: label must be a label id or a name")
        return None
    if not _in_text(where, start, end, text, problems):
        return None
    user = ann.get("user")
    coder = f"doccano-user-{user}" if type(user) is int or isinstance(user, str) and user else \
        "doccano"
    return ForeignSpan(fragments=[(start, end)], labels=[(name, None)], coder=coder, where=where)
