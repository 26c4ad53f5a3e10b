"""Every change to a project is one of these command objects, run by Project.run in one
transaction and recorded for undo/redo (store.changes). Ops read through ``q`` and write
only through the ChangeRecorder, so no op can change a row that undo would not restore."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .document_coding import delete_document_rows, drop_label_rows, merge_label_rows
from .errors import OperationError
from .models import (
    METADATA_KEYS,
    MODEL_CODER_PREFIX,
    STATUSES,
    Annotation,
    Coder,
    Label,
    Scheme,
    new_id,
    now_iso,
)
from .store import ChangeRecorder, memo_queries
from .store import document_coding_queries as article_q
from .store.queries import Queries


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class Op:
    kind: ClassVar[str] = "op"

    def describe(self, q: Queries) -> str:
        raise NotImplementedError

    def apply(self, rec: ChangeRecorder, q: Queries) -> Any:
        raise NotImplementedError


# -- helpers shared by the ops ---------------------------------------------------------------

def check_span(q: Queries, document_id: str, start: int, end: int) -> str:
    """Validate offsets against the document; returns the quote."""
    found = q.document_slice(document_id, start, end)
    if found is None:
        raise OperationError(f"document {document_id} does not exist")
    title, length, quote = found
    if not (0 <= start < end <= length):
        raise OperationError(
            f"offsets {start}..{end} are outside the text of “{title}” (0..{length}, "
            "start must be before end)")
    return quote


def check_labels(q: Queries, stance_id: str | None, theme_ids: list[str]) -> None:
    labels = {lb.id: lb for lb in q.labels()}
    problems = []
    if stance_id is not None and (stance_id not in labels or labels[stance_id].scheme != "stance"):
        problems.append(f"{stance_id} is not a stance label")
    for tid in theme_ids:
        if tid not in labels or labels[tid].scheme != "themes":
            problems.append(f"{tid} is not a theme label")
    if len(set(theme_ids)) != len(theme_ids):
        problems.append("a theme is given twice")
    if problems:
        raise OperationError("; ".join(problems))


def label_names(q: Queries, stance_id: str | None, theme_ids: list[str]) -> str:
    by_id = {lb.id: lb.name for lb in q.labels()}
    names = ([by_id.get(stance_id, "?")] if stance_id else []) + [by_id.get(t, "?") for t in theme_ids]
    return ", ".join(names) or "no label"


def insert_annotation(rec: ChangeRecorder, ann: Annotation) -> None:
    row = ann.model_dump(exclude={"theme_ids"})
    rec.insert("annotations", row)
    rec.insert_many("annotation_themes",
                    [{"annotation_id": ann.id, "label_id": t} for t in ann.theme_ids])


def document_row(title: str, text: str, sha: str, metadata: dict[str, Any], doc_id: str) -> dict:
    extra = {k: v for k, v in metadata.items() if k not in METADATA_KEYS and v is not None}
    row = {"id": doc_id, "title": title, "text": text, "sha256": sha, "length": len(text),
           "imported": now_iso(), "extra_metadata": json.dumps(extra, ensure_ascii=False)}
    row.update({k: (str(metadata[k]) if metadata.get(k) is not None else None) for k in METADATA_KEYS})
    return row


# -- names -----------------------------------------------------------------------------------

def check_name(what: str, name: str) -> None:
    """A coder's or label's name as people type it: not empty, and no control characters
    (a tab or line break in a name splits a CSV column or a REFI-QDA attribute, a NUL cuts
    the name short in other programs) or lone surrogates. Format characters stay: emoji use
    zero-width joiners."""
    if not name.strip():
        raise OperationError(f"a {what} needs a name")
    bad = next((ch for ch in name if unicodedata.category(ch) in ("Cc", "Cs")), None)
    if bad is not None:
        raise OperationError(f"a {what} name cannot contain the control character "
                             f"U+{ord(bad):04X}: {name!r}")


def check_coder_name(name: str) -> None:
    check_name("coder", name)
    if name.strip().startswith(MODEL_CODER_PREFIX):
        raise OperationError(f"coder names starting with {MODEL_CODER_PREFIX!r} are kept for "
                             f"the suggestion engines: {name.strip()!r}")


# -- coders ----------------------------------------------------------------------------------

@dataclass
class AddCoder(Op):
    name: str
    id: str | None = None
    kind: ClassVar[str] = "add-coder"

    def describe(self, q: Queries) -> str:
        return f"Add coder {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> Coder:
        check_coder_name(self.name)
        name = self.name.strip()
        if q.coder_by_name(name):
            raise OperationError(f"a coder named {name!r} already exists")
        coder = Coder(id=self.id or new_id(), name=name)
        rec.insert("coders", {"id": coder.id, "name": coder.name, "created": now_iso()})
        return coder


@dataclass
class RenameCoder(Op):
    coder_id: str
    name: str
    kind: ClassVar[str] = "rename-coder"

    def describe(self, q: Queries) -> str:
        return f"Rename coder to {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        if q.coder(self.coder_id) is None:
            raise OperationError(f"coder {self.coder_id} does not exist")
        check_coder_name(self.name)
        other = q.coder_by_name(self.name.strip())
        if other and other.id != self.coder_id:
            raise OperationError(f"a coder named {self.name!r} already exists")
        rec.update("coders", {"id": self.coder_id}, {"name": self.name.strip()})


# -- annotations -----------------------------------------------------------------------------

@dataclass
class AddAnnotation(Op):
    document_id: str
    coder_id: str
    start: int
    end: int
    stance_id: str | None = None
    theme_ids: list[str] = field(default_factory=list)
    note: str | None = None
    id: str | None = None
    kind: ClassVar[str] = "add-annotation"

    def describe(self, q: Queries) -> str:
        return f"Tag passage ({label_names(q, self.stance_id, self.theme_ids)})"

    def apply(self, rec: ChangeRecorder, q: Queries) -> Annotation:
        quote = check_span(q, self.document_id, self.start, self.end)
        check_labels(q, self.stance_id, list(self.theme_ids))
        if q.coder(self.coder_id) is None:
            raise OperationError(f"coder {self.coder_id} does not exist")
        ann = Annotation(id=self.id or new_id(), document_id=self.document_id,
                         coder_id=self.coder_id, start=self.start, end=self.end, quote=quote,
                         stance_id=self.stance_id, theme_ids=list(self.theme_ids), note=self.note)
        insert_annotation(rec, ann)
        rec.quotes_cut.add(ann.id)
        return ann


@dataclass
class UpdateAnnotation(Op):
    annotation_id: str
    start: Any = UNSET
    end: Any = UNSET
    stance_id: Any = UNSET
    theme_ids: Any = UNSET
    note: Any = UNSET
    kind: ClassVar[str] = "update-annotation"

    def describe(self, q: Queries) -> str:
        parts = []
        if self.start is not UNSET or self.end is not UNSET:
            parts.append("boundaries")
        if self.stance_id is not UNSET:
            parts.append("stance")
        if self.theme_ids is not UNSET:
            parts.append("themes")
        if self.note is not UNSET:
            parts.append("note")
        return f"Edit annotation {' and '.join(parts) or ''}".strip()

    def apply(self, rec: ChangeRecorder, q: Queries) -> Annotation:
        ann = q.annotation(self.annotation_id)
        if ann is None:
            raise OperationError(f"annotation {self.annotation_id} does not exist")
        start = ann.start if self.start is UNSET else self.start
        end = ann.end if self.end is UNSET else self.end
        stance = ann.stance_id if self.stance_id is UNSET else self.stance_id
        themes = ann.theme_ids if self.theme_ids is UNSET else list(self.theme_ids)
        quote = check_span(q, ann.document_id, start, end)
        check_labels(q, stance, themes)
        values: dict[str, Any] = {"start": start, "end": end, "quote": quote, "stance_id": stance,
                                  "updated": now_iso()}
        if self.note is not UNSET:
            values["note"] = self.note or None
        rec.update("annotations", {"id": ann.id}, values)
        rec.quotes_cut.add(ann.id)
        for tid in ann.theme_ids:
            if tid not in themes:
                rec.delete("annotation_themes", {"annotation_id": ann.id, "label_id": tid})
        rec.insert_many("annotation_themes", [{"annotation_id": ann.id, "label_id": t}
                                              for t in themes if t not in ann.theme_ids])
        return q.annotation(ann.id)  # type: ignore[return-value]


@dataclass
class DeleteAnnotations(Op):
    annotation_ids: list[str]
    kind: ClassVar[str] = "delete-annotations"

    def describe(self, q: Queries) -> str:
        n = len(self.annotation_ids)
        return "Delete annotation" if n == 1 else f"Delete {n} annotations"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        n = 0
        for ann_id in self.annotation_ids:
            rec.delete_where("annotation_themes", "annotation_id = ?", (ann_id,))
            if rec.delete("annotations", {"id": ann_id}) is not None:
                n += 1
        if n == 0:
            raise OperationError("no such annotation")
        return n


@dataclass
class SetStatus(Op):
    document_id: str
    coder_id: str
    status: str
    kind: ClassVar[str] = "set-status"

    def describe(self, q: Queries) -> str:
        return f"Mark document {self.status}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        if self.status not in STATUSES:
            raise OperationError(f"status must be one of {', '.join(STATUSES)}")
        if q.document_length(self.document_id) is None:
            raise OperationError(f"document {self.document_id} does not exist")
        key = {"document_id": self.document_id, "coder_id": self.coder_id}
        if q.status(self.document_id, self.coder_id) is None:
            rec.insert("doc_status", {**key, "status": self.status, "updated": now_iso()})
        else:
            rec.update("doc_status", key, {"status": self.status, "updated": now_iso()})


@dataclass
class DeleteDocuments(Op):
    document_ids: list[str]
    kind: ClassVar[str] = "delete-documents"

    def describe(self, q: Queries) -> str:
        n = len(self.document_ids)
        return "Delete document" if n == 1 else f"Delete {n} documents"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        deleted = remove_documents(rec, q, self.document_ids)[1]
        if deleted == 0:
            raise OperationError("no such document")
        return deleted


def remove_documents(rec: ChangeRecorder, q: Queries, document_ids: list[str]) -> tuple[int, int]:
    """Delete the documents with every coder's annotations (themes and notes), statuses and
    article codings; returns (annotations removed, documents removed). Thousands of
    annotations are deleted with the summary triggers suspended and their documents recounted
    (a 1 MB document's 50,000 took 7 s through the triggers)."""
    rows = q.annotation_count_in(document_ids)
    annotations = documents = 0
    with rec.rewriting_documents(set(document_ids), rows):
        for doc_id in document_ids:
            rec.delete_where("annotation_themes",
                             "annotation_id IN (SELECT id FROM annotations WHERE document_id = ?)",
                             (doc_id,))
            annotations += len(rec.delete_where("annotations", "document_id = ?", (doc_id,)))
    for doc_id in document_ids:
        rec.delete_where("doc_status", "document_id = ?", (doc_id,))
        delete_document_rows(rec, doc_id)  # article codings go (and come back) with it
        if rec.delete("documents", {"id": doc_id}) is not None:
            documents += 1
    return annotations, documents


# -- codebook --------------------------------------------------------------------------------

def check_label_fields(q: Queries, label_id: str | None, scheme: str, name: str,
                       key: str | None) -> None:
    check_name("label", name)
    for other in q.labels():
        if other.id == label_id:
            continue
        if other.scheme == scheme and other.name == name.strip():
            raise OperationError(f"the {scheme} scheme already has a label named {name!r}")
        if key and other.key == key:
            raise OperationError(f"shortcut {key!r} is already used by {other.name!r}")


@dataclass
class AddLabel(Op):
    scheme: Scheme
    name: str
    color: str = "#888888"
    description: str = ""
    key: str | None = None
    id: str | None = None
    kind: ClassVar[str] = "add-label"

    def describe(self, q: Queries) -> str:
        return f"Add label {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> Label:
        check_label_fields(q, None, self.scheme, self.name, self.key)
        position = 1 + max((lb.order for lb in q.labels() if lb.scheme == self.scheme), default=-1)
        label = Label(id=self.id or new_id(), scheme=self.scheme, name=self.name.strip(),
                      color=self.color, description=self.description, key=self.key or None,
                      order=position)
        rec.insert("labels", label_row(label))
        return label


def label_row(label: Label) -> dict[str, Any]:
    return {"id": label.id, "scheme": label.scheme, "name": label.name, "color": label.color,
            "description": label.description, "key": label.key, "position": label.order}


@dataclass
class UpdateLabel(Op):
    label_id: str
    name: Any = UNSET
    color: Any = UNSET
    description: Any = UNSET
    key: Any = UNSET
    kind: ClassVar[str] = "update-label"

    def describe(self, q: Queries) -> str:
        label = q.label(self.label_id)
        return f"Edit label {label.name if label else ''}".strip()

    def apply(self, rec: ChangeRecorder, q: Queries) -> Label:
        label = q.label(self.label_id)
        if label is None:
            raise OperationError(f"label {self.label_id} does not exist")
        values = {k: getattr(self, k) for k in ("name", "color", "description", "key")
                  if getattr(self, k) is not UNSET}
        if "name" in values:
            values["name"] = values["name"].strip()
        if "key" in values:
            values["key"] = values["key"] or None
        check_label_fields(q, label.id, label.scheme, values.get("name", label.name),
                           values.get("key", label.key))
        rec.update("labels", {"id": label.id}, values)
        return q.label(label.id)  # type: ignore[return-value]


@dataclass
class DeleteLabel(Op):
    """Refused while annotations use the label, unless ``force`` (which removes it from them)."""

    label_id: str
    force: bool = False
    kind: ClassVar[str] = "delete-label"

    def describe(self, q: Queries) -> str:
        label = q.label(self.label_id)
        return f"Delete label {label.name if label else ''}".strip()

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        label = q.label(self.label_id)
        if label is None:
            raise OperationError(f"label {self.label_id} does not exist")
        used = q.label_usage(label.id)
        articles = article_q.label_usage(q, label.id)
        if (used or articles) and not self.force:
            on_articles = f" and {articles} article coding(s)" if articles else ""
            raise OperationError(f"label {label.name!r} is used by {used} annotation(s)"
                                 f"{on_articles}; merge it into another label or confirm the "
                                 "deletion")
        drop_label_rows(rec, q, label.id)
        with rec.relabelling({label.id}, used):  # set-wise: see bulk_summaries
            rec.update_where("annotations", "stance_id = ?", (label.id,),
                             {"stance_id": None, "updated": now_iso()})
            rec.delete_where("annotation_themes", "label_id = ?", (label.id,))
        rec.delete("labels", {"id": label.id})
        return used


@dataclass
class MergeLabels(Op):
    """Every use of ``source`` becomes ``target`` (same scheme); ``source`` is deleted."""

    source_id: str
    target_id: str
    kind: ClassVar[str] = "merge-labels"

    def describe(self, q: Queries) -> str:
        s, t = q.label(self.source_id), q.label(self.target_id)
        return f"Merge label {s.name if s else '?'} into {t.name if t else '?'}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        source, target = q.label(self.source_id), q.label(self.target_id)
        if source is None or target is None or source.id == target.id:
            raise OperationError("merging needs two different existing labels")
        if source.scheme != target.scheme:
            raise OperationError("only labels of the same scheme can be merged")
        stance_ids, theme_ids = q.annotation_ids_with_label(source.id)
        with rec.relabelling({source.id, target.id}, len(stance_ids) + len(theme_ids)):
            rec.update_where("annotations", "stance_id = ?", (source.id,),
                             {"stance_id": target.id, "updated": now_iso()})
            has_target = set(q.annotation_ids_with_label(target.id)[1])
            rec.delete_where("annotation_themes", "label_id = ?", (source.id,))
            rec.insert_many("annotation_themes", [
                {"annotation_id": ann_id, "label_id": target.id}
                for ann_id in theme_ids if ann_id not in has_target])
        merge_label_rows(rec, q, source.id, target.id)
        for memo in memo_queries.stored_memos_of(q, "label", source.id):  # memos go along
            rec.update("memos", {"id": memo["id"]}, {"target_id": target.id})
        rec.delete("labels", {"id": source.id})
        return len(stance_ids) + len(theme_ids)


@dataclass
class ReorderLabels(Op):
    scheme: Scheme
    ordered_ids: list[str]
    kind: ClassVar[str] = "reorder-labels"

    def describe(self, q: Queries) -> str:
        return f"Reorder {self.scheme} labels"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        current = [lb.id for lb in q.labels() if lb.scheme == self.scheme]
        if sorted(current) != sorted(self.ordered_ids):
            raise OperationError("the new order must list every label of the scheme once")
        for position, label_id in enumerate(self.ordered_ids):
            rec.update("labels", {"id": label_id}, {"position": position})


@dataclass
class SetStanceOrdered(Op):
    """Whether the stance labels form an ordered scale (their list order, first = lowest);
    kept as the project meta key ``stance_ordered`` ("1"; absent when off). Returns whether
    anything changed (setting the current state records no action)."""

    ordered: bool
    kind: ClassVar[str] = "set-stance-ordered"

    def describe(self, q: Queries) -> str:
        return ("Treat stance labels as an ordered scale" if self.ordered
                else "Treat stance labels as unordered")

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        from .ops_import import STANCE_ORDERED_META  # ops_import imports this module

        current = q.meta(STANCE_ORDERED_META)
        if (current == "1") == bool(self.ordered):
            return False
        if self.ordered and current is None:
            rec.insert("meta", {"key": STANCE_ORDERED_META, "value": "1"})
        elif self.ordered:
            rec.update("meta", {"key": STANCE_ORDERED_META}, {"value": "1"})
        else:
            rec.delete("meta", {"key": STANCE_ORDERED_META})
        return True


@dataclass
class RecolorLabels(Op):
    """New colours for several labels at once (a palette change): one undoable step.
    ``colors`` maps label id -> "#rrggbb"; labels already in that colour are left alone."""

    colors: dict[str, str]
    kind: ClassVar[str] = "recolor-labels"

    def describe(self, q: Queries) -> str:
        return f"Recolour {len(self.colors)} label{'s' if len(self.colors) != 1 else ''}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        changed = 0
        for label_id, color in self.colors.items():
            label = q.label(label_id)
            if label is None:
                raise OperationError(f"label {label_id} does not exist")
            if label.color != color:
                rec.update("labels", {"id": label_id}, {"color": color})
                changed += 1
        return changed
