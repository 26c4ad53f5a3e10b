"""Reading spaCy-style span data back: our ``.spacy.jsonl`` export, spaCy ``DocBin`` files, and
the same shape as other tools write it (Prodigy, ``Doc.to_json``).

A JSONL line is one (document, coder)::

    {"text": ..., "spans": {"stance": [[start, end, label], ...], "themes": [...]},
     "meta": {"id": ..., "title": ..., "coder": ...}}

Spans may also be ``{"start", "end", "label"}`` objects (our ``span_style="dicts"``, Prodigy,
spaCy's ``Doc.to_json``), ``spans`` may be a plain list (Prodigy) and ``ents`` may hold entities.
Offsets are code points (Python string indexes, as spaCy's ``start_char``/``end_char``). The
``stance`` group gives stances and ``themes`` themes; any other group's labels are stances when
their names are in ``stance_names``, else themes. Spans of one line on the same characters form
one passage (that is how our export writes a passage with a stance and themes), so our own export
reads back to the same passages; a line without spans means the coder marked the document done
(our export writes such lines only then). Prodigy lines answered ``reject`` or ``ignore`` are
skipped and counted.

A DocBin (``.spacy``) is read with spaCy when it is installed (``pip install
'desk-annotator[spacy]'``): ``doc.spans`` groups and ``doc.ents`` as above, title and coder from
``doc.user_data["meta"]`` as our export stores them.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from desk_annotator.errors import FormatError, OperationError
from desk_annotator.io.exchange_common import raise_if_problems
from desk_annotator.io.foreign_spans import Counted, ForeignSnapshot, Span
from desk_annotator.io.untrusted import (
    MAX_FILE_BYTES,
    clean_json_strings,
    cleaning_warnings,
    load_json,
    read_lines,
)
from desk_annotator.models import ProjectSnapshot

SPAN_GROUPS = {"stance": "stance", "themes": "themes"}
MAX_DOCBIN_BYTES = 500 * 1024 * 1024  # compressed, as read from disk
MAX_DOCBIN_UNPACKED = 2 * 1024 * 1024 * 1024

MESSAGES = {
    "rejected": "Prodigy answers 'reject' or 'ignore' were skipped",
    "no_coder": "lines without meta.coder were attributed to a coder named after the file",
    "other_keys": "parts of the records with no desk-annotator equivalent (tokens, cats, "
                  "relations) were not carried",
}
_IGNORED = ("tokens", "cats", "relations", "_input_hash", "_task_hash", "_view_id", "answer",
            "_timestamp", "_annotator_id", "_session_id", "meta", "text", "spans", "ents", "id",
            "title", "sents", "heads", "deps", "tags", "lemmas", "pos", "morphs")


Entry = tuple[int, int, str]


def _parse_entry(entry: object) -> Entry | str:
    if isinstance(entry, (list, tuple)):
        if len(entry) != 3:
            return "expected [start, end, label]"
        start, end, label = entry
    elif isinstance(entry, dict):
        missing = [k for k in ("start", "end", "label") if k not in entry]
        if missing:
            return f"missing {', '.join(missing)}"
        start, end, label = entry["start"], entry["end"], entry["label"]
    else:
        return "expected [start, end, label] or {start, end, label}"
    if type(start) is not int or type(end) is not int:
        return "offsets must be whole numbers"
    if not isinstance(label, str) or not label.strip():
        return "label must be a non-empty string"
    return start, end, label


def _record_spans(data: dict[str, Any], where: str, problems: list[str]
                  ) -> list[tuple[str | None, Entry]]:
    """(group's scheme or None, span) of one record; problems are appended."""
    text = data["text"]
    groups: list[tuple[str | None, object]] = []
    spans = data.get("spans")
    if isinstance(spans, dict):
        groups += [(SPAN_GROUPS.get(str(name)), value) for name, value in spans.items()]
    elif isinstance(spans, list):
        groups.append((None, spans))
    elif spans is not None:
        problems.append(f"{where}: 'spans' must be an object of span lists or a list of spans")
    if data.get("ents") is not None:
        groups.append((None, data["ents"]))
    out: list[tuple[str | None, Entry]] = []
    for scheme, entries in groups:
        if not isinstance(entries, list):
            problems.append(f"{where}: a span group must be a list")
            continue
        for pos, entry in enumerate(entries):
            parsed = _parse_entry(entry)
            if isinstance(parsed, str):
                problems.append(f"{where}, span {pos}: {parsed}")
                continue
            start, end, _label = parsed
            if not 0 <= start < end <= len(text):
                problems.append(f"{where}, span {pos}: {start}..{end} is not inside the text "
                                f"(0..{len(text)})")
                continue
            out.append((scheme, parsed))
    return out


def _add_record(builder: ForeignSnapshot, data: dict[str, Any],
                spans: list[tuple[str | None, Entry]], fallback_coder: str, where: str) -> None:
    warn = builder.warn
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    coder = meta.get("coder")
    if not isinstance(coder, str) or not coder.strip():
        coder = fallback_coder
        warn("no_coder", where)
    title = meta.get("title") if isinstance(meta.get("title"), str) else data.get("title")
    metadata = {k: v for k, v in meta.items() if k not in ("coder", "title", "id")}
    doc = builder.document(data["text"], title if isinstance(title, str) else None, where,
                           metadata)
    if doc is None:
        return
    if not spans:
        builder.set_status(doc, coder.strip(), "done")
        return
    builder.add_spans(doc, coder.strip(), [
        Span(start, end, [(scheme, label)], where=f"{where} {start}-{end}")  # type: ignore[list-item]
        for scheme, (start, end, label) in spans])
    extra = [k for k in data if k not in _IGNORED and data[k] not in (None, [], {})]
    if any(data.get(k) for k in ("tokens", "cats", "relations")) or extra:
        warn("other_keys", where)


def read_spacy_jsonl(path: Path, *, stance_names: set[str] | None = None
                     ) -> tuple[ProjectSnapshot, list[str]]:
    """Read spaCy-style JSONL spans (our ``.spacy.jsonl`` export and its split files, Prodigy,
    ``Doc.to_json`` lines). Refuses the whole file with one FormatError listing every problem."""
    path = Path(path)
    warn = Counted(MESSAGES)
    problems: list[str] = []
    cleaning: list[str] = []
    records: list[tuple[str, dict[str, Any], list[tuple[str | None, Entry]]]] = []
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            data = load_json(line, f"{path}: {where}", shallow=("spans", "ents", "tokens"))
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        data, changes = clean_json_strings(data, line)
        cleaning += cleaning_warnings(where, changes)
        if not isinstance(data, dict):
            problems.append(f"{where}: a record must be a JSON object")
            continue
        if not isinstance(data.get("text"), str) or not data["text"]:
            problems.append(f"{where}: 'text' is missing or not a non-empty string")
            continue
        if data.get("meta") is not None and not isinstance(data["meta"], dict):
            problems.append(f"{where}: 'meta' must be an object")
            continue
        if data.get("answer") in ("reject", "ignore"):
            warn("rejected", where)
            continue
        records.append((where, data, _record_spans(data, where, problems)))
    if not records and not problems and not warn.count("rejected"):
        problems.append("no records (the file is empty)")
    raise_if_problems(path, problems)
    builder = ForeignSnapshot("spacy", stance_names, warn, codebook_name="spaCy")
    stem = path.name.split(".")[0] or "spacy"
    for where, data, spans in records:
        _add_record(builder, data, spans, stem, where)
    return builder.build(), cleaning + warn.lines()


def spacy_available() -> bool:
    try:
        import spacy  # noqa: F401
    except ImportError:
        return False
    return True


def _checked_docbin_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > min(MAX_DOCBIN_BYTES, MAX_FILE_BYTES):
            raise FormatError(f"{path}: refused, larger than {MAX_DOCBIN_BYTES // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise FormatError(f"{path}: file not found") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    # A DocBin is zlib-compressed msgpack: bound what it unpacks to before spaCy unpacks it.
    unpacker = zlib.decompressobj()
    total, pending = 0, data
    try:
        while pending:
            total += len(unpacker.decompress(pending, 64 * 1024 * 1024))
            if total > MAX_DOCBIN_UNPACKED:
                raise FormatError(f"{path}: refused, unpacks to more than "
                                  f"{MAX_DOCBIN_UNPACKED // 2**30} GB")
            pending = unpacker.unconsumed_tail
    except zlib.error as exc:
        raise FormatError(f"{path}: not a spaCy DocBin (not zlib data: {exc})") from exc
    return data


def read_docbin(path: Path, *, stance_names: set[str] | None = None
                ) -> tuple[ProjectSnapshot, list[str]]:
    """Read a spaCy DocBin (``.spacy``); needs spaCy installed."""
    path = Path(path)
    try:
        from spacy.tokens import DocBin
        from spacy.vocab import Vocab
    except ImportError:
        raise OperationError("reading a .spacy file needs spaCy (pip install "
                             "'desk-annotator[spacy]')") from None
    data = _checked_docbin_bytes(path)
    try:
        docbin = DocBin(store_user_data=True).from_bytes(data)
        docs = list(docbin.get_docs(Vocab()))
    except Exception as exc:  # msgpack / spaCy errors on a damaged file
        raise FormatError(f"{path}: not a readable spaCy DocBin ({type(exc).__name__}: "
                          f"{exc})") from exc
    warn = Counted(MESSAGES)
    builder = ForeignSnapshot("spacy", stance_names, warn, codebook_name="spaCy")
    stem = path.name.split(".")[0] or "spacy"
    problems: list[str] = []
    records = []
    for n, doc in enumerate(docs, start=1):
        where = f"document {n}"
        meta = doc.user_data.get("meta") if isinstance(doc.user_data, dict) else None
        spans = {group: [[s.start_char, s.end_char, s.label_] for s in doc.spans[group]]
                 for group in doc.spans}
        record: dict[str, Any] = {"text": doc.text, "spans": spans,
                                  "meta": meta if isinstance(meta, dict) else {}}
        if len(doc.ents):
            record["ents"] = [[e.start_char, e.end_char, e.label_] for e in doc.ents]
        if not doc.text:
            problems.append(f"{where}: no text")
            continue
        records.append((where, record, _record_spans(record, where, problems)))
    if not records and not problems:
        problems.append("no documents (the file is empty)")
    raise_if_problems(path, problems)
    for where, record, spans in records:
        _add_record(builder, record, spans, stem, where)
    return builder.build(), warn.lines()
