"""Label Studio JSON export: import, and an export Label Studio can import.

A Label Studio export is a list of tasks: ``data.text`` (the document) and ``annotations``, each
one annotator's work (``completed_by``: a user id, or a dict with ``email``) with a ``result``
list. What the reader carries:

* ``labels`` results (``value.start``/``end``/``text``/``labels``) -> passages of that
  annotator; a label is a stance when its name is in ``stance_names`` or its control is named
  ``stance``, a theme otherwise;
* ``choices`` and ``textarea`` results tied to such a region (same ``id``) -> more labels on
  the passage / its note; document-level ones are counted as not carried (document-level
  coding is not part of the model yet);
* every submitted annotation sets the annotator's status of the document to ``done`` (an
  annotation with no regions means "coded, nothing found");
* cancelled annotations, drafts and predictions are skipped and counted; relations and other
  result types are counted as not carried.

Positions: Label Studio counts code points (its editor tests assert this for emoji since 2023;
versions of 2021 and before counted UTF-16 units, HumanSignal/label-studio issue #1347). Every
region stores its text, so the unit is checked per task (:mod:`desk_annotator.io.position_units`)
and reported when it is not the standard one.

The writer puts stance and themes in two ``Labels`` controls (``stance``, ``themes``) and the
note in a per-region ``TextArea`` (``note``), and writes the matching labelling configuration
beside the JSON (``X.label_config.xml``) to create the Label Studio project with.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import (
    SnapshotIndex,
    atomic_text_writer,
    metadata_value,
    raise_if_problems,
)
from desk_annotator.io.foreign import (
    Dropped,
    ForeignDocument,
    ForeignSpan,
    build_snapshot,
    iso_time,
    plural,
)
from desk_annotator.io.position_units import READINGS
from desk_annotator.io.untrusted import clean_json_strings, cleaning_warnings, load_json
from desk_annotator.models import ProjectSnapshot, Scheme
from desk_annotator.text import Utf16Map

# A whole export is one JSON document: parsing needs a few times its size in memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
DEFAULT_CODER = "label-studio"
STANCE_CONTROL, THEMES_CONTROL, NOTE_CONTROL, TEXT_OBJECT = "stance", "themes", "note", "text"
POSITIONS_KEY = "desk_annotator_positions"
CODER_KEY = "desk_annotator_coder"
STATUS_KEY = "desk_annotator_status"
_STATUSES = ("todo", "doing", "done")
_CODEBOOK_NOTE = "a codebook JSON, not data: not imported (use codebook import)"
_LABEL_LIST_NOTE = ("a doccano label list: read with the doccano export beside it, nothing "
                    "imported from it alone")


# --------------------------------------------------------------------------- reading


def _load(path: Path) -> tuple[Any, list[str]]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FormatError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB; nothing was "
                              "imported")
        data = path.read_bytes()
    except IsADirectoryError:
        raise FormatError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text (byte {exc.start + 1}); nothing was "
                          "imported") from None
    try:
        value = load_json(text, str(path))
    except json.JSONDecodeError as exc:
        raise FormatError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno}); nothing was imported") from None
    value, changes = clean_json_strings(value, text)
    return value, cleaning_warnings("", changes)


def _not_tasks(path: Path, value: Any) -> tuple[ProjectSnapshot, list[str]] | None:
    """An empty result for JSON files that are plainly something else found beside the data
    (a codebook, a doccano label list), so that importing a folder does not fail on them."""
    if isinstance(value, dict) and ("stance" in value or "themes" in value) and "data" not in value:
        return ProjectSnapshot(), [_CODEBOOK_NOTE]
    if isinstance(value, list) and value and all(
            isinstance(v, dict) and "text" in v and "id" in v
            and ({"background_color", "backgroundColor"} & set(v)) for v in value):
        return ProjectSnapshot(), [_LABEL_LIST_NOTE]
    return None


def read_label_studio(path: Path, *, stance_names: set[str] | None = None,
                      positions: str = "auto") -> tuple[ProjectSnapshot, list[str]]:
    """Read a Label Studio JSON export (a list of tasks, or one task). Refuses the whole file
    with one FormatError listing every problem."""
    path = Path(path)
    value, warnings = _load(path)
    other = _not_tasks(path, value)
    if other is not None:
        return other
    if isinstance(value, dict) and "data" in value:
        value = [value]
    if not isinstance(value, list):
        raise FormatError(f"{path}: not a Label Studio export (expected a list of tasks with "
                          "'data' and 'annotations'); nothing was imported")
    if value and all(isinstance(t, dict) and "data" not in t and "text" in t for t in value):
        raise FormatError(f"{path}: this looks like Label Studio's JSON-MIN export, which "
                          "leaves out annotators and regions' ids; export as JSON; nothing was "
                          "imported")
    problems: list[str] = []
    dropped = Dropped()
    documents: list[ForeignDocument] = []
    prior = "codepoints"
    ours = False
    for n, task in enumerate(value, start=1):
        doc = _task(n, task, problems, dropped)
        if doc is None:
            continue
        documents.append(doc)
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        if meta.get(POSITIONS_KEY) in READINGS:
            prior, ours = meta[POSITIONS_KEY], True
    if not value:
        problems.append("no tasks (the list is empty)")
    raise_if_problems(path, problems)
    result = build_snapshot(documents, tool="Label Studio", stance_names=set(stance_names or ()),
                            positions=positions, prior=prior, quiet=ours)
    raise_if_problems(path, result.problems)
    return result.snapshot, warnings + result.warnings + dropped.lines()


def _task(n: int, task: Any, problems: list[str], dropped: Dropped) -> ForeignDocument | None:
    if not isinstance(task, dict):
        problems.append(f"item {n}: a task must be a JSON object")
        return None
    tid = task.get("id", n)
    where = f"task {tid}" if isinstance(tid, (int, str)) else f"item {n}"
    data = task.get("data")
    if not isinstance(data, dict):
        problems.append(f"{where}: 'data' is missing or not an object")
        return None
    annotations = task.get("annotations", task.get("completions", []))
    if annotations is None:
        annotations = []
    if not isinstance(annotations, list):
        problems.append(f"{where}: 'annotations' must be a list")
        return None
    text_key = "text"
    if not isinstance(data.get(text_key), str):
        names = {r.get("to_name") for a in annotations if isinstance(a, dict)
                 for r in (a.get("result") or []) if isinstance(r, dict)}
        text_key = next((k for k in sorted(k for k in names if isinstance(k, str))
                         if isinstance(data.get(k), str)), "text")
    text = data.get(text_key)
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: no text (data.text is missing or empty; only text tasks "
                        "can be imported)")
        return None
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    ours = POSITIONS_KEY in meta
    # Our own export's bookkeeping keys are not the document's metadata.
    skip = {text_key, "title", *((POSITIONS_KEY, "desk_annotator_document", "sha256")
                                 if ours else ())}
    metadata: dict[str, str | None] = {} if ours else {
        "label_studio_id": metadata_value(task.get("id"))}
    for key, val in [*data.items(), *meta.items()]:
        if key not in skip and not isinstance(val, (dict, list)):
            metadata[str(key)] = metadata_value(val)
    title = data.get("title") if isinstance(data.get("title"), str) else None
    doc = ForeignDocument(where=where, raw=text, title=title, metadata=metadata)
    for k, ann in enumerate(annotations, start=1):
        _annotation(doc, f"{where}, annotation {_ident(ann, k)}", ann, problems, dropped)
    for key, one in (("drafts", "draft"), ("predictions", "prediction")):
        items = task.get(key)
        if isinstance(items, list) and items:
            dropped.add(one, n=len(items), verb="skipped")
    return doc


def _ident(item: Any, k: int) -> str:
    return str(item["id"]) if isinstance(item, dict) and isinstance(item.get("id"), (int, str)) \
        else str(k)


def _coder(ann: dict[str, Any]) -> str:
    ours = ann.get(CODER_KEY)
    if isinstance(ours, str) and ours.strip():
        return ours.strip()
    who = ann.get("completed_by")
    if isinstance(who, dict):
        email = who.get("email")
        if isinstance(email, str) and email.strip():
            return email.strip()
        who = who.get("id")
    if isinstance(who, int) and not isinstance(who, bool):
        return f"label-studio-user-{who}"
    return DEFAULT_CODER


def _annotation(doc: ForeignDocument, where: str, ann: Any, problems: list[str],
                dropped: Dropped) -> None:
    if not isinstance(ann, dict):
        problems.append(f"{where}: an annotation must be a JSON object")
        return
    if ann.get("was_cancelled") is True:
        dropped.add("cancelled annotation", verb="skipped")
        return
    result = ann.get("result") or []
    if not isinstance(result, list):
        problems.append(f"{where}: 'result' must be a list")
        return
    coder = _coder(ann)
    created = iso_time(ann.get("created_at"))
    updated = iso_time(ann.get("updated_at")) or created
    # Ours records the status (or none); a submitted annotation of Label Studio is "done".
    status = ann.get(STATUS_KEY) if ann.get(STATUS_KEY) in _STATUSES else (
        None if CODER_KEY in ann else "done")
    if status is not None:
        doc.statuses[coder] = (status, updated)
    doc.coders.append(coder)
    regions: dict[str, ForeignSpan] = {}
    rest: list[tuple[str, dict[str, Any]]] = []
    for k, item in enumerate(result, start=1):
        here = f"{where}, region {_ident(item, k)}"
        if isinstance(item, dict) and (item.get("type") == "relation" or "from_id" in item):
            dropped.add("relation")  # a relation between two regions has no value
            continue
        if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
            problems.append(f"{here}: a result must be an object with a 'value' object")
            continue
        if item.get("type") != "labels":
            rest.append((here, item))
            continue
        span = _region(here, item, coder, doc.raw, problems)
        if span is None:
            continue
        span.created, span.updated = created, updated
        doc.spans.append(span)
        rid = item.get("id")
        if isinstance(rid, str) and rid not in regions:
            regions[rid] = span
    for here, item in rest:
        _attach(here, item, regions, problems, dropped)


def _region(where: str, item: dict[str, Any], coder: str, doc_text: str,
            problems: list[str]) -> ForeignSpan | None:
    value = item["value"]
    start, end, labels = value.get("start"), value.get("end"), value.get("labels", [])
    if type(start) is not int or type(end) is not int:
        problems.append(f"{where}: value.start and value.end must be whole numbers (a region "
                        "of a HyperText or Paragraphs object is not a plain text span)")
        return None
    if start >= end:
        problems.append(f"{where}: start {start} is not before end {end}")
        return None
    if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
        problems.append(f"{where}: value.labels must be a list of label names")
        return None
    scheme = _scheme(item)
    text = value.get("text") if isinstance(value.get("text"), str) else None
    if text is not None and "\\n" in text and "\\n" not in doc_text:
        text = text.replace("\\n", "\n")  # the editor stores a line break as the escape \n
    return ForeignSpan(fragments=[(start, end)], labels=[(x, scheme) for x in labels],
                       coder=coder, where=where, text=text)


def _scheme(item: dict[str, Any]) -> Scheme | None:
    """A control named like ours decides the scheme; otherwise the stance names do."""
    return {STANCE_CONTROL: "stance", THEMES_CONTROL: "themes"}.get(item.get("from_name"))  # type: ignore[return-value]


def _attach(where: str, item: dict[str, Any], regions: dict[str, ForeignSpan],
            problems: list[str], dropped: Dropped) -> None:
    kind = item.get("type")
    value = item["value"]
    span = regions.get(item.get("id")) if isinstance(item.get("id"), str) else None
    if kind == "choices":
        choices = value.get("choices", [])
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            problems.append(f"{where}: value.choices must be a list of names")
        elif span is not None:
            scheme = _scheme(item)
            span.labels += [(c, scheme) for c in choices if c.strip()]
        else:
            dropped.add("document-level choice", n=max(len(choices), 1))
    elif kind == "textarea":
        texts = value.get("text", [])
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            problems.append(f"{where}: value.text must be a list of texts")
        elif span is not None:
            note = "\n".join(t for t in texts if t.strip())
            if note:
                span.note = note if not span.note else f"{span.note}\n\n{note}"
        else:
            dropped.add("document-level text answer")
    else:
        dropped.add(f"'{kind}' result")


# --------------------------------------------------------------------------- writing


def _label_config(snapshot: ProjectSnapshot) -> str:
    def labels(scheme: str) -> list[str]:
        return [f"    <Label value={quoteattr(lb.name)} background={quoteattr(lb.color)}/>"
                for lb in snapshot.codebook.scheme(scheme)]  # type: ignore[arg-type]
    return "\n".join([
        "<View>",
        f'  <Text name="{TEXT_OBJECT}" value="$text"/>',
        f'  <Labels name="{STANCE_CONTROL}" toName="{TEXT_OBJECT}" choice="single">',
        *labels("stance"), "  </Labels>",
        f'  <Labels name="{THEMES_CONTROL}" toName="{TEXT_OBJECT}" choice="multiple">',
        *labels("themes"), "  </Labels>",
        (f'  <TextArea name="{NOTE_CONTROL}" toName="{TEXT_OBJECT}" perRegion="true" '
         'editable="true" maxSubmissions="1"/>'),
        "</View>", ""])


def config_path(path: Path) -> Path:
    """Where the labelling configuration for the export ``path`` is written."""
    return path.with_name(f"{path.stem}.label_config.xml")


def iter_tasks(snapshot: ProjectSnapshot, positions: str = "codepoints"
               ) -> Iterator[dict[str, Any]]:
    """One Label Studio task per document, one annotation per coder who has passages or a
    status there."""
    if positions not in ("codepoints", "utf16"):
        raise ValueError("positions must be codepoints or utf16")
    index = SnapshotIndex(snapshot)
    statuses = {(s.document_id, s.coder_id): s for s in snapshot.statuses}
    worked: dict[str, set[str]] = {}  # document -> coders with a status beyond todo
    for (doc_id, coder_id), st in statuses.items():
        if st.status != "todo":
            worked.setdefault(doc_id, set()).add(coder_id)
    ann_number = 0
    for number, doc in enumerate(snapshot.documents, start=1):
        umap = Utf16Map(doc.text) if positions == "utf16" else None
        by_coder: dict[str, list] = {}
        for ann in index.by_document[doc.id]:
            by_coder.setdefault(ann.coder_id, []).append(ann)
        for coder_id in worked.get(doc.id, ()):
            by_coder.setdefault(coder_id, [])
        annotations = []
        for coder in snapshot.coders:
            if coder.id not in by_coder:
                continue
            ann_number += 1
            status = statuses.get((doc.id, coder.id))
            passages = by_coder[coder.id]
            times = [a.created for a in passages] + ([status.updated] if status else [])
            entry: dict[str, Any] = {"id": ann_number}
            if "@" in coder.name and " " not in coder.name:  # Label Studio matches by e-mail
                entry["completed_by"] = {"email": coder.name}
            entry[CODER_KEY] = coder.name
            if status is not None:
                entry[STATUS_KEY] = status.status
            entry.update({
                "result": [r for a in passages for r in _results(a, index, umap)],
                "was_cancelled": False, "ground_truth": False, "lead_time": 0,
                "created_at": min(times) if times else None,
                "updated_at": max([a.updated for a in passages] + times) if times else None})
            annotations.append(entry)
        meta = {POSITIONS_KEY: positions, "desk_annotator_document": doc.id,
                "sha256": doc.sha256}
        meta.update({k: v for k, v in doc.metadata.items() if k not in meta})
        yield {"id": number, "data": {"text": doc.text, "title": doc.title}, "meta": meta,
               "annotations": annotations, "predictions": []}


def _results(ann, index: SnapshotIndex, umap: Utf16Map | None) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    start, end = ann.start, ann.end
    if umap is not None:
        start, end = umap.to_utf16(start), umap.to_utf16(end)
    value = {"start": start, "end": end, "text": ann.quote}
    out = []
    stance = index.stance_name(ann)
    themes = index.theme_names(ann)
    base = {"id": ann.id, "to_name": TEXT_OBJECT, "type": "labels", "origin": "manual"}
    if stance is not None:
        out.append({**base, "from_name": STANCE_CONTROL, "value": {**value, "labels": [stance]}})
    if themes or stance is None:
        out.append({**base, "from_name": THEMES_CONTROL, "value": {**value, "labels": themes}})
    if ann.note and ann.note.strip():
        out.append({"id": ann.id, "from_name": NOTE_CONTROL, "to_name": TEXT_OBJECT,
                    "type": "textarea", "origin": "manual", "value": {"text": [ann.note]}})
    return out


def write_label_studio(path: Path, snapshot: ProjectSnapshot, *,
                       positions: str = "codepoints") -> int:
    """Write the snapshot as a Label Studio JSON export (and its labelling configuration
    beside it); returns the number of tasks."""
    path = Path(path)
    tasks = list(iter_tasks(snapshot, positions))
    with atomic_text_writer(path) as handle:
        json.dump(tasks, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    with atomic_text_writer(config_path(path)) as handle:
        handle.write(_label_config(snapshot))
    return len(tasks)


def summary(n: int, path: Path) -> str:
    return (f"Label Studio: {plural(n, 'task')} written to {path} (labelling configuration: "
            f"{config_path(path).name})")
