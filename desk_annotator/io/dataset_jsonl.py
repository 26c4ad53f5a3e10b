"""Dataset JSONL (DESIGN §3, contract): one document per line with its annotations.

Reading validates the whole file before anything is returned, so a bad file is refused with one
FormatError listing every problem. Writing streams plain dicts (no per-annotation validation),
so a million annotations export in seconds, through a temp file that replaces the target only
when complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from desk_annotator.errors import FormatError
from desk_annotator.io.document_coding_io import (
    DatasetDocumentCoding,
    dataset_dicts,
    records_from_dataset,
)
from desk_annotator.io.exchange_common import (
    IsoTime,
    SnapshotIndex,
    atomic_binary_writer,
    metadata_value,
    raise_if_problems,
    title_from_text,
    validation_problems,
)
from desk_annotator.io.untrusted import (
    clean_json_strings,
    cleaning_warnings,
    load_json,
    read_lines,
)
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    DocumentCodingRecord,
    Label,
    Memo,
    ProjectSnapshot,
    Scheme,
    Status,
    new_id,
)
from desk_annotator.text import (
    NormalizationMap,
    is_normalized,
    normalize_text,
    sha256_text,
)

RECORD_KEYS = ("id", "title", "text", "metadata", "status", "annotations", "sha256")
# Keys whose values the schema below checks level by level without descending further (a
# structure where a string or number belongs is simply refused), so the nesting check of
# untrusted.load_json may skip them: every other key (metadata, unknown keys) is walked.
SHALLOW_KEYS = ("id", "title", "text", "status", "annotations", "sha256")
# A label name with at least one visible character (checked in Rust by pydantic-core: fast).
LabelName = Annotated[str, StringConstraints(pattern=r"\S")]
ANNOTATION_KEYS = (
    "id", "start", "end", "quote", "coder", "stance", "themes", "note", "created", "updated",
)


class DatasetAnnotation(BaseModel):
    """One annotation inside a record. Unknown keys are refused (a typo would lose data)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    start: int
    end: int
    quote: str | None = None  # optional on import: taken from the text when absent
    coder: str = Field(min_length=1)
    stance: LabelName | None = None  # null for no stance; a blank name is refused
    themes: list[LabelName] = Field(default_factory=list)
    note: str | None = None
    created: IsoTime = None
    updated: IsoTime = None
    # "accepted from model:…" on an accepted model suggestion (export only; import ignores it)
    provenance: str | None = None



class DatasetMemo(BaseModel):
    """A document memo inside a record (the additive ``memos`` key)."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    coder: str | None = None
    title: str = ""
    text: str = Field(min_length=1)
    created: IsoTime = None
    updated: IsoTime = None


class DatasetRecord(BaseModel):
    """One line: a document. Unknown top-level keys are allowed and ignored on import."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    title: str | None = None
    text: str = Field(min_length=1)
    metadata: dict[str, Any] = Field(default_factory=dict)
    status: dict[str, Status] = Field(default_factory=dict)
    annotations: list[DatasetAnnotation] = Field(default_factory=list)
    sha256: str | None = None
    memos: list[DatasetMemo] = Field(default_factory=list)
    # Article-level codings, coder name -> stance, themes, note (additive key).
    document_coding: dict[str, DatasetDocumentCoding] = Field(default_factory=dict)


# --------------------------------------------------------------------------- reading


class SnapshotBuilder:
    """Collects coders and labels by name, giving each a fresh GUID the first time it is seen."""

    def __init__(self) -> None:
        self.coders: dict[str, Coder] = {}
        self.labels: dict[tuple[Scheme, str], Label] = {}
        self.documents: list[Document] = []
        self.annotations: list[Annotation] = []
        self.statuses: list[DocStatus] = []
        self.memos: list[Memo] = []
        self.document_codings: list[DocumentCodingRecord] = []

    def coder_id(self, name: str) -> str:
        coder = self.coders.get(name)
        if coder is None:
            coder = self.coders[name] = Coder(name=name)
        return coder.id

    def label_id(self, scheme: Scheme, name: str) -> str:
        label = self.labels.get((scheme, name))
        if label is None:
            order = sum(1 for s, _ in self.labels if s == scheme)
            label = self.labels[(scheme, name)] = Label(scheme=scheme, name=name, order=order)
        return label.id

    def snapshot(self, codebook_name: str = "Imported") -> ProjectSnapshot:
        return ProjectSnapshot.model_construct(
            codebook=Codebook(name=codebook_name, labels=list(self.labels.values())),
            coders=list(self.coders.values()), documents=self.documents,
            annotations=self.annotations, statuses=self.statuses, memos=self.memos,
            document_codings=self.document_codings,
        )


def read_dataset(path: Path) -> tuple[ProjectSnapshot, list[str]]:
    """Read a dataset JSONL file into a snapshot (new GUIDs for coders and labels, matched by
    name later) plus warnings. Refuses the whole file with one FormatError on any problem.
    (import_files.read_snapshot_file runs every reader with the cyclic collector paused.)"""
    path = Path(path)
    # Plain valid files take the fast path (issue 14); anything else comes back here whole.
    from desk_annotator.io.dataset_jsonl_fast import read_dataset_fast
    fast = read_dataset_fast(path, SnapshotBuilder(), _add_record, DatasetRecord)
    if fast is not None:
        return fast
    return read_dataset_thorough(path)


def read_dataset_thorough(path: Path) -> tuple[ProjectSnapshot, list[str]]:
    """The schema-model reader: every record through DatasetRecord, every problem listed.
    What :func:`read_dataset` falls back to; the fast path must give the same snapshot."""
    problems: list[str] = []
    records: list[tuple[int, DatasetRecord]] = []
    warnings: list[str] = []
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        try:
            data = load_json(line, f"{path}: line {lineno}", shallow=SHALLOW_KEYS)
        except json.JSONDecodeError as exc:
            problems.append(f"line {lineno}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        # NUL and lone surrogates become U+FFFD before validation, so quotes are compared
        # with the cleaned text (one code point for one: offsets are unchanged).
        data, changes = clean_json_strings(data, line)
        warnings += cleaning_warnings(f"line {lineno}", changes)
        if not isinstance(data, dict):
            problems.append(f"line {lineno}: a record must be a JSON object")
            continue
        try:
            record = DatasetRecord.model_validate(data)
        except ValidationError as exc:
            problems += validation_problems(exc, f"line {lineno}")
            raw_anns = data.get("annotations")
            if isinstance(raw_anns, list):
                spans = [
                    (a.get("start"), a.get("end"), a.get("quote"), a.get("id"))
                    for a in raw_anns if isinstance(a, dict)
                ]
                problems += _offset_problems(lineno, data.get("text"), spans)
            continue
        records.append((lineno, record))
        problems += _offset_problems(
            lineno, record.text, [(a.start, a.end, a.quote, a.id) for a in record.annotations]
        )
    if not records and not problems:
        problems.append("no records (the file is empty)")
    problems += _cross_record_problems(records)
    raise_if_problems(path, problems)

    builder = SnapshotBuilder()
    seen_sha: dict[str, int] = {}
    for lineno, record in records:
        _add_record(builder, lineno, record, warnings, seen_sha)
    return builder.snapshot(), warnings


def _cross_record_problems(records: list[tuple[int, DatasetRecord]]) -> list[str]:
    problems = []
    doc_ids: dict[str, int] = {}
    ann_ids: dict[str, int] = {}
    for lineno, record in records:
        if record.id is not None:
            if record.id in doc_ids:
                problems.append(
                    f"line {lineno}: document id {record.id} is also on line {doc_ids[record.id]}"
                )
            doc_ids.setdefault(record.id, lineno)
        for ann in record.annotations:
            if ann.id is not None:
                if ann.id in ann_ids:
                    problems.append(
                        f"line {lineno}: annotation id {ann.id} is also on line {ann_ids[ann.id]}"
                    )
                ann_ids.setdefault(ann.id, lineno)
    return problems


def _offset_problems(
    lineno: int, text: object, spans: list[tuple[object, object, object, object]]
) -> list[str]:
    """Offsets and quotes, checked on the raw text before any normalisation. Takes plain
    (start, end, quote, id) tuples so a record that failed schema validation is checked too."""
    if not isinstance(text, str):
        return []
    problems = []
    length = len(text)
    normalized = is_normalized(text)
    nmap: NormalizationMap | None = None
    for pos, (start, end, quote, ann_id) in enumerate(spans):
        if type(start) is not int or type(end) is not int:
            continue  # reported by schema validation
        where = f"line {lineno}, annotation {pos}" + (f" ({ann_id})" if isinstance(ann_id, str) else "")
        if start < 0 or end > length:
            problems.append(f"{where}: span {start}..{end} is outside the text (0..{length})")
        elif start >= end:
            problems.append(f"{where}: start {start} is not before end {end}")
        elif isinstance(quote, str) and text[start:end] != quote:
            problems.append(
                f"{where}: quote {_short(quote)} does not match the text at "
                f"{start}..{end}: {_short(text[start:end])}"
            )
        elif not normalized:
            nmap = nmap or NormalizationMap(text)
            mapped = nmap.map_span(start, end)
            if mapped.start >= mapped.end:
                problems.append(f"{where}: span {start}..{end} covers only characters "
                                "that text normalisation removes (a byte order mark)")
    return problems


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _add_record(
    builder: SnapshotBuilder, lineno: int, record: DatasetRecord, warnings: list[str],
    seen_sha: dict[str, int],
) -> None:
    raw = record.text
    nmap = None if is_normalized(raw) else NormalizationMap(raw)
    text = raw if nmap is None else nmap.text
    if nmap is not None:
        warnings.append(f"line {lineno}: text normalised (NFC, \\n line endings, no BOM); offsets mapped")
    digest = sha256_text(text)
    if record.sha256 is not None and record.sha256 != digest:
        warnings.append(f"line {lineno}: sha256 does not match the text; recomputed")
    if digest in seen_sha:
        warnings.append(f"line {lineno}: same text as line {seen_sha[digest]}")
    seen_sha.setdefault(digest, lineno)
    title = record.title if record.title and record.title.strip() else title_from_text(text)
    doc = Document(
        id=record.id or new_id(), title=title, text=text, sha256=digest,
        metadata={str(k): metadata_value(v) for k, v in record.metadata.items()},
    )
    builder.documents.append(doc)
    for coder_name, status in record.status.items():
        builder.statuses.append(DocStatus(
            document_id=doc.id, coder_id=builder.coder_id(coder_name), status=status,
        ))
    for memo in record.memos:  # document memos (additive key)
        stamps = {k: v for k in ("created", "updated") if (v := getattr(memo, k)) is not None}
        builder.memos.append(Memo(
            **({"id": memo.id} if memo.id else {}), scope="document", target_id=doc.id,
            coder_id=builder.coder_id(memo.coder) if memo.coder else None, title=memo.title,
            text=memo.text, **stamps))
    builder.document_codings += records_from_dataset(doc.id, record.document_coding,
                                                     builder.coder_id, builder.label_id)
    for pos, ann in enumerate(record.annotations):
        start, end = ann.start, ann.end
        if nmap is not None:
            mapped = nmap.map_span(start, end)
            if mapped.snapped:
                warnings.append(
                    f"line {lineno}, annotation {pos}: span {start}..{end} widened to "
                    f"{mapped.start}..{mapped.end} because normalisation changed characters at its edge"
                )
            start, end = mapped.start, mapped.end
        extra: dict[str, str] = {}
        if ann.created is not None:
            extra["created"] = ann.created
        if ann.updated is not None:
            extra["updated"] = ann.updated
        builder.annotations.append(Annotation(
            id=ann.id or new_id(), document_id=doc.id, coder_id=builder.coder_id(ann.coder),
            start=start, end=end, quote=text[start:end],
            stance_id=None if ann.stance is None else builder.label_id("stance", ann.stance),
            theme_ids=_unique([builder.label_id("themes", t) for t in ann.themes]),
            note=ann.note, **extra,
        ))


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


# --------------------------------------------------------------------------- writing


def snapshot_to_dicts(snapshot: ProjectSnapshot) -> Iterator[dict[str, Any]]:
    """One plain dict per document in the contract's key order: the fast export path (no pydantic
    object per annotation; a million annotations take a few seconds)."""
    index = SnapshotIndex(snapshot)
    status_by_doc = _statuses_by_document(snapshot, index)
    article_codings = dataset_dicts(snapshot)
    coder_names, labels = index.coder_names, index.labels
    for doc in snapshot.documents:
        try:
            annotations = [
                {"id": a.id, "start": a.start, "end": a.end, "quote": a.quote,
                 "coder": coder_names[a.coder_id],
                 "stance": None if a.stance_id is None else labels[a.stance_id].name,
                 "themes": [labels[t].name for t in a.theme_ids], "note": a.note,
                 "created": a.created, "updated": a.updated}
                for a in index.by_document[doc.id]
            ]
        except KeyError:
            # Rare: find the dangling reference again, slowly, for a precise message.
            for a in index.by_document[doc.id]:
                index.coder_name(a), index.stance_name(a), index.theme_names(a)
            raise
        yield {
            "id": doc.id, "title": doc.title, "text": doc.text, "metadata": dict(doc.metadata),
            "status": status_by_doc.get(doc.id, {}), "annotations": annotations,
            "sha256": doc.sha256,
            **({"document_coding": article_codings[doc.id]} if doc.id in article_codings
               else {}),
        }


def snapshot_to_records(snapshot: ProjectSnapshot) -> Iterator[DatasetRecord]:
    """The same as :func:`snapshot_to_dicts` as typed records (model_construct: the snapshot is
    already valid). Slower: use the dicts to export large projects."""
    make_ann = DatasetAnnotation.model_construct
    for data in snapshot_to_dicts(snapshot):
        anns = [make_ann(**a) for a in data.pop("annotations")]
        yield DatasetRecord.model_construct(**data, annotations=anns)


def _statuses_by_document(snapshot: ProjectSnapshot, index: SnapshotIndex) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for st in snapshot.statuses:
        coder = index.coder_names.get(st.coder_id)
        if coder is None:
            raise FormatError(f"a status refers to unknown coder {st.coder_id}")
        out.setdefault(st.document_id, {})[coder] = st.status
    return out


def record_to_dict(record: DatasetRecord | dict[str, Any]) -> dict[str, Any]:
    """Plain dict in the contract's key order, without pydantic serialisation per annotation."""
    if isinstance(record, dict):
        return record
    out: dict[str, Any] = {
        "id": record.id, "title": record.title, "text": record.text,
        "metadata": record.metadata, "status": record.status,
        "annotations": [
            {"id": a.id, "start": a.start, "end": a.end, "quote": a.quote, "coder": a.coder,
             "stance": a.stance, "themes": a.themes, "note": a.note,
             "created": a.created, "updated": a.updated}
            for a in record.annotations
        ],
        "sha256": record.sha256 if record.sha256 is not None else sha256_text(normalize_text(record.text)),
    }
    if record.model_extra:
        out.update(record.model_extra)
    return out


def write_dataset(path: Path, records: Iterable[DatasetRecord | dict[str, Any]]) -> int:
    """Stream records to ``path`` as JSONL (UTF-8, not ASCII-escaped); returns lines written."""
    # orjson serialises about ten times faster than the json module, and its UTF-8 bytes go
    # to the file as they are: decoding them to str for a text file and encoding them back
    # took a third of a million-annotation export.
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    count = 0
    try:
        with atomic_binary_writer(Path(path)) as handle:
            write = handle.write
            for record in records:
                write(dumps(record_to_dict(record), option=newline))
                count += 1
    finally:
        # A generator over the store (iter_dataset_dicts) holds a read transaction: end it
        # now, also when the write failed, not whenever the generator is collected.
        close = getattr(records, "close", None)
        if close is not None:
            close()
    return count
