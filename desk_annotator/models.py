"""Plain pydantic models shared by every layer (no I/O, no Qt)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Scheme = Literal["stance", "themes"]
SCHEMES: tuple[Scheme, ...] = ("stance", "themes")
Status = Literal["todo", "doing", "done"]
STATUSES: tuple[Status, ...] = ("todo", "doing", "done")
METADATA_KEYS = ("author", "outlet", "date", "url", "source_file")
GOLD_CODER = "gold"
# Model suggestions (issue 13) are the annotations of a reserved coder per engine, named
# "model:<engine>" ("model:tfidf", "model:llm:<name>"); such coders are left out of every
# "all coders" default (agreement, exports, tables, dashboard) unless asked for by name.
MODEL_CODER_PREFIX = "model:"


def is_model_coder(name: str | None) -> bool:
    """Whether ``name`` is a reserved model coder (suggestions), not a person or gold."""
    return bool(name) and str(name).startswith(MODEL_CODER_PREFIX)


def model_coder_name(engine: str) -> str:
    """The reserved coder of an engine: "tfidf" -> "model:tfidf"."""
    return engine if is_model_coder(engine) else MODEL_CODER_PREFIX + engine


def new_id() -> str:
    """A GUID in the upper-case form REFI-QDA uses."""
    return str(uuid.uuid4()).upper()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Label(_Model):
    id: str = Field(default_factory=new_id)
    scheme: Scheme
    name: str = Field(min_length=1)
    color: str = "#888888"
    description: str = ""
    key: str | None = None
    order: int = 0


class Codebook(_Model):
    name: str = "Codebook"
    labels: list[Label] = Field(default_factory=list)
    # DESIGN §3 (v2): the stance labels form an ordered scale in list order (codebook JSON
    # ``"stance": {"ordered": true}``), which enables the ordinal/interval agreement measures.
    ordered_stance: bool = False

    def scheme(self, scheme: Scheme) -> list[Label]:
        return sorted((lb for lb in self.labels if lb.scheme == scheme), key=lambda lb: lb.order)

    @property
    def stance(self) -> list[Label]:
        return self.scheme("stance")

    @property
    def themes(self) -> list[Label]:
        return self.scheme("themes")

    def by_id(self) -> dict[str, Label]:
        return {lb.id: lb for lb in self.labels}

    def find(self, scheme: Scheme, name: str) -> Label | None:
        return next((lb for lb in self.labels if lb.scheme == scheme and lb.name == name), None)

    @model_validator(mode="after")
    def _unique_names(self) -> Codebook:
        seen: set[tuple[str, str]] = set()
        for lb in self.labels:
            if (lb.scheme, lb.name) in seen:
                raise ValueError(f"label name {lb.name!r} appears twice in scheme {lb.scheme!r}")
            seen.add((lb.scheme, lb.name))
        return self


class Coder(_Model):
    id: str = Field(default_factory=new_id)
    name: str = Field(min_length=1)


class DocumentInfo(_Model):
    """A document without its text: what lists and tables need."""

    id: str = Field(default_factory=new_id)
    title: str
    sha256: str
    length: int = Field(ge=0)
    metadata: dict[str, str | None] = Field(default_factory=dict)


class Document(_Model):
    id: str = Field(default_factory=new_id)
    title: str
    text: str
    sha256: str
    metadata: dict[str, str | None] = Field(default_factory=dict)

    @property
    def length(self) -> int:
        return len(self.text)

    def info(self) -> DocumentInfo:
        return DocumentInfo(
            id=self.id, title=self.title, sha256=self.sha256, length=len(self.text),
            metadata=dict(self.metadata),
        )


class Annotation(_Model):
    id: str = Field(default_factory=new_id)
    document_id: str
    coder_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str
    stance_id: str | None = None
    theme_ids: list[str] = Field(default_factory=list)
    note: str | None = None
    created: str = Field(default_factory=now_iso)
    updated: str = Field(default_factory=now_iso)

    @model_validator(mode="after")
    def _ordered(self) -> Annotation:
        if self.end <= self.start:
            raise ValueError(f"annotation end {self.end} must be greater than start {self.start}")
        return self


_ANNOTATION_FIELDS = set(Annotation.model_fields)
_ANNOTATION_LIST = TypeAdapter(list[Annotation])  # a whole list in one call, in Rust


def validate_annotations(items: list[dict]) -> list[Annotation]:
    """Annotations from plain dicts in one validation call (the bulk readers: JSONL, REFI-QDA),
    every one that was given all its fields holding one shared set of field names.

    pydantic gives every validated model its own set of the fields it was given
    (``model_fields_set``): 728 bytes of an annotation's 1,344, so a million annotations read
    from a file carried 0.7 GB of identical sets (issue 14). A model given every field gets
    the one shared set, which is safe because that set is already full: assigning a field
    adds a name it holds, and nothing in the program removes one. Models given fewer
    fields keep their own."""
    annotations = _ANNOTATION_LIST.validate_python(items)
    full = _ANNOTATION_FIELDS
    put = object.__setattr__  # the model's own __setattr__ refuses private names
    for ann in annotations:
        if len(ann.__pydantic_fields_set__) == len(full):  # extra="forbid": names of fields only
            put(ann, "__pydantic_fields_set__", full)
    return annotations


class DocStatus(_Model):
    document_id: str
    coder_id: str
    status: Status = "todo"
    updated: str = Field(default_factory=now_iso)


MemoScope = Literal["project", "document", "label"]
MEMO_SCOPES: tuple[MemoScope, ...] = ("project", "document", "label")


class Memo(_Model):
    """A memo about the project (target_id ""), a document or a label (its id), by a coder
    (None: written by another tool without a user)."""

    id: str = Field(default_factory=new_id)
    scope: MemoScope
    target_id: str = ""
    coder_id: str | None = None
    title: str = ""
    text: str
    created: str = Field(default_factory=now_iso)
    updated: str = Field(default_factory=now_iso)


class DocumentCodingRecord(_Model):
    """One coder's article-level coding of one document (document_coding.py): labels by
    id, as annotations carry them."""

    document_id: str
    coder_id: str
    stance_id: str | None = None
    theme_ids: list[str] = Field(default_factory=list)
    note: str | None = None
    updated: str = Field(default_factory=now_iso)


class DocumentSetRecord(_Model):
    """A named group of documents (document_sets.py; REFI-QDA ``Set`` of ``MemberSource``s)."""

    name: str
    description: str = ""
    document_ids: list[str] = Field(default_factory=list)


class ProjectSnapshot(_Model):
    """Everything in a project, as plain models: what exporters read and importers produce."""

    codebook: Codebook = Field(default_factory=Codebook)
    coders: list[Coder] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    annotations: list[Annotation] = Field(default_factory=list)
    statuses: list[DocStatus] = Field(default_factory=list)
    memos: list[Memo] = Field(default_factory=list)
    document_codings: list[DocumentCodingRecord] = Field(default_factory=list)  # article level
    document_sets: list[DocumentSetRecord] = Field(default_factory=list)


class ImportReport(_Model):
    """What an import or merge did; shown by the CLI and the GUI."""

    documents_added: int = 0
    documents_reused: int = 0
    annotations_added: int = 0
    annotations_skipped: int = 0
    coders_added: int = 0
    labels_added: int = 0
    statuses_set: int = 0
    document_codings_set: int = 0  # article-level codings written (new or newer)
    refused: list[str] = Field(default_factory=list)  # one line per refused file
    warnings: list[str] = Field(default_factory=list)
    # How text files were read (encodings), for the summary: one line per file read other than
    # as certain UTF-8, and one line counting those. Low-confidence guesses are in warnings.
    notes: list[str] = Field(default_factory=list)

    def merge(self, other: ImportReport) -> ImportReport:
        data = self.model_dump()
        for key, value in other.model_dump().items():
            data[key] = data[key] + value
        return ImportReport(**data)
