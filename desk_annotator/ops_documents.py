"""Document management as undoable ops: rename, edit metadata, delete.

A document's text never changes after import (DESIGN §2); its title and metadata may. The five
fixed metadata fields are columns of ``documents`` (author, outlet, date, url, source_file); any
other key, such as ``language``, lives in its ``extra_metadata`` JSON. Both come out together as
``Document.metadata``, which is what the dataset JSONL writes as ``metadata``.

Like every op these write only through the ChangeRecorder, so undo restores each removed row
with its id (and the document its place in the list).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import OperationError
from .models import METADATA_KEYS, DocumentInfo
from .ops import UNSET, Op, remove_documents
from .store import ChangeRecorder
from .store.queries import Queries

# The fields a user edits (source_file is where the text came from: kept as imported).
EDITABLE_FIELDS = ("author", "outlet", "date", "url", "language")
LIST_HINT = "list ids with: desk-annotator --project FILE document list"


def require_document(q: Queries, document_id: str) -> DocumentInfo:
    infos = q.document_infos([document_id])
    if not infos:
        raise OperationError(f"no document with id {document_id} ({LIST_HINT})")
    return infos[0]


def clean_title(title: str) -> str:
    """One line, no surrounding space; refuses an empty title."""
    cleaned = " ".join(str(title).split())
    if not cleaned:
        raise OperationError("a document needs a title")
    return cleaned


def _clean_value(value: Any) -> str | None:
    """None or blank clears a field; other values are kept as one trimmed line."""
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    return cleaned or None


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[:limit - 1] + "…"


@dataclass
class RenameDocument(Op):
    document_id: str
    title: str
    kind: ClassVar[str] = "rename-document"

    def describe(self, q: Queries) -> str:
        try:
            return f"Rename document to “{_short(clean_title(self.title))}”"
        except OperationError:
            return "Rename document"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        """Returns whether the title changed (the same title records no action)."""
        info = require_document(q, self.document_id)
        title = clean_title(self.title)
        if title == info.title:
            return False
        rec.update("documents", {"id": info.id}, {"title": title})
        return True


@dataclass
class SetDocumentMetadata(Op):
    """Set some of author, outlet, date, url, language; a field left UNSET keeps its value,
    None or "" clears it. Returns the names of the fields that changed."""

    document_id: str
    author: Any = UNSET
    outlet: Any = UNSET
    date: Any = UNSET
    url: Any = UNSET
    language: Any = UNSET
    kind: ClassVar[str] = "set-document-metadata"

    def given(self) -> dict[str, str | None]:
        return {k: _clean_value(getattr(self, k)) for k in EDITABLE_FIELDS
                if getattr(self, k) is not UNSET}

    def describe(self, q: Queries) -> str:
        fields = list(self.given())
        return f"Edit document {', '.join(fields) or 'details'}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> list[str]:
        info = require_document(q, self.document_id)
        given = self.given()
        columns = {k: v for k, v in given.items() if k in METADATA_KEYS
                   and info.metadata.get(k) != v}
        extra = {k: v for k, v in info.metadata.items() if k not in METADATA_KEYS}
        new_extra = dict(extra)
        for key, value in given.items():
            if key in METADATA_KEYS:
                continue
            if value is None:
                new_extra.pop(key, None)
            else:
                new_extra[key] = value
        values: dict[str, Any] = dict(columns)
        if new_extra != extra:
            values["extra_metadata"] = json.dumps(new_extra, ensure_ascii=False)
        if values:
            rec.update("documents", {"id": info.id}, values)
        return [k for k in given if k in columns or extra.get(k) != new_extra.get(k)]


@dataclass
class EditDocumentDetails(Op):
    """Title and metadata together, as one undoable step (the "Edit details…" dialog).
    ``metadata`` holds some of EDITABLE_FIELDS. Returns the names of what changed."""

    document_id: str
    title: Any = UNSET
    metadata: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[str] = "edit-document"

    def describe(self, q: Queries) -> str:
        infos = q.document_infos([self.document_id])
        return f"Edit details of “{_short(infos[0].title)}”" if infos else "Edit document details"

    def apply(self, rec: ChangeRecorder, q: Queries) -> list[str]:
        unknown = sorted(set(self.metadata) - set(EDITABLE_FIELDS))
        if unknown:
            raise OperationError(f"not a document field: {', '.join(unknown)} "
                                 f"(fields: title, {', '.join(EDITABLE_FIELDS)})")
        changed = []
        if self.title is not UNSET and RenameDocument(self.document_id, self.title).apply(rec, q):
            changed.append("title")
        changed += SetDocumentMetadata(self.document_id, **self.metadata).apply(rec, q)
        return changed


@dataclass
class DeleteDocument(Op):
    """Remove one document with every coder's annotations (their themes and notes) and
    statuses on it. Returns how many annotations went with it."""

    document_id: str
    kind: ClassVar[str] = "delete-document"

    def describe(self, q: Queries) -> str:
        infos = q.document_infos([self.document_id])
        return f"Delete document “{_short(infos[0].title)}”" if infos else "Delete document"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        info = require_document(q, self.document_id)
        return remove_documents(rec, q, [info.id])[0]


def annotation_count(q: Queries, document_id: str) -> int:
    """Every coder's annotations on the document (what a deletion would take with it)."""
    return q.document_annotation_count(document_id)
