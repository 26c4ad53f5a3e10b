"""The fast path of dataset JSONL reading (issue 14): plain, valid files without pydantic per
annotation.

:func:`read_dataset_fast` parses each line with orjson and checks a record's fields with plain
type tests that accept only what the schema in :mod:`dataset_jsonl` certainly accepts unchanged
(an ``int`` where an int belongs, a ``str`` where a string belongs, known annotation keys, an
ISO 8601 stamp, a quote equal to the text at its span). A record with anything else in it
(memos, article codings, a text to normalise, a number written as a string...) goes through the
schema model and the reader's own record code, as before. Any problem at all (a line that is not
JSON, a NUL to clean, a failed check, a duplicate id) makes it return None: the caller then
reads the file again on the thorough path, which lists every problem with its line number and
refuses the file whole. So the fast path never decides a refusal or a warning on its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from desk_annotator.io.exchange_common import metadata_value, title_from_text
from desk_annotator.io.untrusted import (
    _BAD_ESCAPE,
    MAX_NESTING,
    nesting_exceeds,
    read_lines,
)
from desk_annotator.models import (
    STATUSES,
    DocStatus,
    Document,
    new_id,
    validate_annotations,
)
from desk_annotator.text import is_normalized, sha256_text

_PLAIN_RECORD_KEYS = {"id", "title", "text", "metadata", "status", "annotations", "sha256"}
_ANNOTATION_KEYS = {"id", "start", "end", "quote", "coder", "stance", "themes", "note",
                    "created", "updated", "provenance"}
_SHALLOW = ("id", "title", "text", "status", "annotations", "sha256")
_VISIBLE = re.compile(r"\S")


_STR_OR_NONE = (str, type(None))
_checked_names: set[str] = set()  # label names seen valid (a name's validity never changes)


class _NotPlain(Exception):
    """This record needs the schema model (or the file needs the thorough path)."""


def _optional_str(value: Any) -> bool:
    return value is None or type(value) is str


def read_dataset_fast(path: Path, builder: Any, add_record: Any, record_model: Any
                      ) -> tuple[Any, list[str]] | None:
    """The snapshot and warnings of a valid file, or None to read it on the thorough path.

    ``builder`` is a fresh SnapshotBuilder; ``add_record(builder, lineno, record, warnings,
    seen_sha)`` and ``record_model`` are the thorough path's own record code and schema, used
    for records that are not plain."""
    warnings: list[str] = []
    seen_sha: dict[str, int] = {}
    doc_ids: set[str] = set()
    ann_ids: set[str] = set()
    # ISO stamps already checked, each to its first copy: annotations stamped in one batch (an
    # import, a suggestion run) then share one string instead of two per annotation.
    stamps: dict[str, str] = {}
    records = 0
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        if "\\u" in line and _BAD_ESCAPE.search(line) is not None:
            return None  # a NUL or a lone surrogate to clean, with its warning
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None  # the thorough path words the error as before
        if type(data) is not dict:
            return None
        if line.count("[") + line.count("{") > MAX_NESTING and any(
                nesting_exceeds(v, MAX_NESTING - 1) for k, v in data.items()
                if k not in _SHALLOW):
            return None
        records += 1
        try:
            _plain_record(builder, lineno, data, warnings, seen_sha, stamps)
        except _NotPlain:
            try:
                record = record_model.model_validate(data)
            except ValidationError:
                return None
            if not _spans_ok(record.text, [(a.start, a.end, a.quote) for a in
                                           record.annotations]) or not is_normalized(record.text):
                return None  # offsets, quotes and normalisation: the thorough path's words
            add_record(builder, lineno, record, warnings, seen_sha)
        # Ids given twice (also "" twice) are reported with both line numbers there.
        doc_id = data.get("id")
        if doc_id is not None:
            if doc_id in doc_ids:
                return None
            doc_ids.add(doc_id)
        given = [a["id"] for a in data.get("annotations") or () if a.get("id") is not None]
        before = len(ann_ids)
        ann_ids.update(given)
        if len(ann_ids) != before + len(given):
            return None
    if not records:
        return None
    return builder.snapshot(), warnings


def _spans_ok(text: str, spans: list[tuple[int, int, str | None]]) -> bool:
    length = len(text)
    return all(0 <= s < e <= length and (q is None or text[s:e] == q) for s, e, q in spans)


def _plain_record(builder: Any, lineno: int, data: dict, warnings: list[str],
                  seen_sha: dict[str, int], stamps: dict[str, str]) -> None:
    """Add one record checked by type tests, or raise _NotPlain (nothing added then)."""
    if not data.keys() <= _PLAIN_RECORD_KEYS:
        raise _NotPlain  # memos, article codings, other keys: the model reads them
    text = data.get("text")
    if type(text) is not str or not text or not is_normalized(text):
        raise _NotPlain
    doc_id, title, sha = data.get("id"), data.get("title"), data.get("sha256")
    metadata = data.get("metadata", {})
    status = data.get("status", {})
    anns = data.get("annotations", [])
    if not (_optional_str(doc_id) and _optional_str(title) and _optional_str(sha)
            and type(metadata) is dict and type(status) is dict and type(anns) is list):
        raise _NotPlain
    if any(type(k) is not str or v not in STATUSES for k, v in status.items()):
        raise _NotPlain
    length = len(text)
    names = _checked_names
    str_or_none = _STR_OR_NONE
    rows = []
    for ann in anns:
        if type(ann) is not dict or not ann.keys() <= _ANNOTATION_KEYS:
            raise _NotPlain
        get = ann.get
        start, end, quote = get("start"), get("end"), get("quote")
        coder, stance, themes = get("coder"), get("stance"), get("themes", [])
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= length:
            raise _NotPlain
        piece = text[start:end]
        if quote is not None and quote != piece:
            raise _NotPlain
        if type(coder) is not str or not coder or type(themes) is not list:
            raise _NotPlain
        # type() first: an unhashable value (a list, an object) must not reach the set.
        if stance is not None and (type(stance) is not str or stance not in names):
            _check_name(stance)
        for name in themes:
            if type(name) is not str or name not in names:
                _check_name(name)
        note, created, updated = get("note"), get("created"), get("updated")
        if (type(get("id")) not in str_or_none or type(note) not in str_or_none
                or type(get("provenance")) not in str_or_none):
            raise _NotPlain
        # type() first: an unhashable value (a list, an object) must not reach the dict.
        if created is not None:
            created = (type(created) is str and stamps.get(created)) or \
                _checked_stamp(created, stamps)
        if updated is not None:
            updated = (type(updated) is str and stamps.get(updated)) or \
                _checked_stamp(updated, stamps)
        rows.append((ann, start, end, piece, coder, stance, themes, note, created, updated))
    # Checked: now the same objects the thorough path makes (dataset_jsonl._add_record).
    digest = sha256_text(text)
    if sha is not None and sha != digest:
        warnings.append(f"line {lineno}: sha256 does not match the text; recomputed")
    if digest in seen_sha:
        warnings.append(f"line {lineno}: same text as line {seen_sha[digest]}")
    seen_sha.setdefault(digest, lineno)
    title = title if title and title.strip() else title_from_text(text)
    doc = Document(id=doc_id or new_id(), title=title, text=text, sha256=digest,
                   metadata={str(k): metadata_value(v) for k, v in metadata.items()})
    builder.documents.append(doc)
    for coder_name, value in status.items():
        builder.statuses.append(DocStatus(document_id=doc.id,
                                          coder_id=builder.coder_id(coder_name), status=value))
    # Names resolve to ids through small caches: a record repeats a few coders and labels
    # over all its annotations.
    coder_ids: dict[str, str] = {}
    stance_ids: dict[str, str] = {}
    theme_ids: dict[tuple[str, ...], list[str]] = {}
    made = []
    doc_id = doc.id
    for ann, start, end, piece, coder, stance, themes, note, created, updated in rows:
        coder_id = coder_ids.get(coder)
        if coder_id is None:
            coder_id = coder_ids[coder] = builder.coder_id(coder)
        if stance is None:
            stance_id = None
        else:
            stance_id = stance_ids.get(stance)
            if stance_id is None:
                stance_id = stance_ids[stance] = builder.label_id("stance", stance)
        key = tuple(themes)
        ids = theme_ids.get(key)
        if ids is None:
            ids = theme_ids[key] = list(dict.fromkeys(builder.label_id("themes", t)
                                                      for t in themes))
        item = {"id": ann.get("id") or new_id(), "document_id": doc_id, "coder_id": coder_id,
                "start": start, "end": end, "quote": piece, "stance_id": stance_id,
                "theme_ids": ids, "note": note}
        if created is not None:
            item["created"] = created
        if updated is not None:
            item["updated"] = updated
        made.append(item)
    builder.annotations += validate_annotations(made)  # one call per record


def _check_name(name: Any) -> None:
    """A label name the schema accepts (a string with a visible character), else _NotPlain."""
    if type(name) is not str or not _VISIBLE.search(name):
        raise _NotPlain
    if len(_checked_names) < 10_000:  # a file of endless names: no growth past that
        _checked_names.add(name)


def _checked_stamp(stamp: Any, stamps: dict[str, str]) -> str:
    """A stamp not seen before, once checked as ISO 8601 (str) and remembered; else
    _NotPlain."""
    if type(stamp) is not str:
        raise _NotPlain
    try:
        datetime.fromisoformat(stamp)
    except ValueError:
        raise _NotPlain from None
    stamps[stamp] = stamp
    return stamp
