"""Article-level coding as undoable ops: set the stance, set or toggle themes, set the note,
clear, and (adjudication) accept a coder's article coding into gold.

Each op changes one coder's coding of one document and is one step of that coder's undo
history (run it with ``project.run(op, coder_id)``). Labels are given by id; a document, coder
or label that does not exist, or a label of the wrong scheme, is refused with one error and
nothing changes. A coding left with no stance, no theme and no note is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .adjudication import _gold_id
from .document_coding import DocumentCoding, document_coding
from .errors import OperationError
from .models import GOLD_CODER, now_iso
from .ops import UNSET, Op
from .ops_documents import require_document
from .store import ChangeRecorder
from .store import document_coding_queries as dq
from .store.queries import Queries

NOTE_LIMIT = 20_000


def _require_coder(q: Queries, coder_id: str) -> str:
    coder = q.coder(coder_id)
    if coder is None:
        raise OperationError(f"no coder with id {coder_id}")
    return coder.name


def _check_labels(q: Queries, stance_id: str | None, theme_ids: list[str]) -> None:
    labels = {lb.id: lb for lb in q.labels()}
    problems = []
    if stance_id is not None and getattr(labels.get(stance_id), "scheme", None) != "stance":
        problems.append(f"{stance_id} is not a stance label")
    problems += [f"{t} is not a theme label" for t in theme_ids
                 if getattr(labels.get(t), "scheme", None) != "themes"]
    if problems:
        raise OperationError("; ".join(problems))


def _clean_note(note: Any) -> str | None:
    if note is None:
        return None
    text = str(note).strip()
    if len(text) > NOTE_LIMIT:
        raise OperationError(f"an article note is at most {NOTE_LIMIT:,} characters")
    return text or None


def write_coding(rec: ChangeRecorder, q: Queries, document_id: str, coder_id: str, *,
                 stance_id: Any = UNSET, theme_ids: Any = UNSET,
                 note: Any = UNSET) -> DocumentCoding | None:
    """Make the coder's article coding of the document what is given (UNSET keeps a part as
    it is). Writes only what differs; returns the coding, None when it is now empty."""
    require_document(q, document_id)
    _require_coder(q, coder_id)
    old = dq.raw_coding(q, document_id, coder_id)
    old_themes = dq.raw_theme_ids(q, document_id, coder_id)
    stance = (old or {}).get("stance_id") if stance_id is UNSET else stance_id
    themes = old_themes if theme_ids is UNSET else list(dict.fromkeys(theme_ids))
    text = (old or {}).get("note") if note is UNSET else _clean_note(note)
    _check_labels(q, stance, [] if theme_ids is UNSET else themes)
    key = {"document_id": document_id, "coder_id": coder_id}
    if stance is None and not themes and not text:
        rec.delete_where("document_coding_themes", "document_id = ? AND coder_id = ?",
                         (document_id, coder_id))
        rec.delete("document_codings", key)
        return None
    changed = set(themes) != set(old_themes)
    if old is None:
        rec.insert("document_codings", {**key, "stance_id": stance, "note": text,
                                         "updated": now_iso()})
    elif changed or (old["stance_id"], old["note"]) != (stance, text):
        rec.update("document_codings", key, {"stance_id": stance, "note": text,
                                              "updated": now_iso()})
    for gone in [t for t in old_themes if t not in themes]:
        rec.delete("document_coding_themes", {**key, "label_id": gone})
    rec.insert_many("document_coding_themes",
                    [{**key, "label_id": t} for t in themes if t not in old_themes])
    return document_coding(q, document_id, coder_id)


def _label_name(q: Queries, label_id: str | None) -> str:
    label = q.label(label_id) if label_id else None
    return label.name if label else "no stance"


@dataclass
class SetDocumentCoding(Op):
    """Several parts at once (the CLI's ``article set``): stance (a label id, None clears),
    theme_ids (the whole list), note; UNSET keeps a part."""

    document_id: str
    coder_id: str
    stance_id: Any = UNSET
    theme_ids: Any = UNSET
    note: Any = UNSET
    kind: ClassVar[str] = "set-document-coding"

    def describe(self, q: Queries) -> str:
        return "Code the article"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentCoding | None:
        themes = UNSET if self.theme_ids is UNSET else list(self.theme_ids or [])
        return write_coding(rec, q, self.document_id, self.coder_id, stance_id=self.stance_id,
                            theme_ids=themes, note=self.note)


@dataclass
class SetDocumentStance(Op):
    document_id: str
    coder_id: str
    stance_id: str | None
    kind: ClassVar[str] = "set-document-stance"

    def describe(self, q: Queries) -> str:
        return f"Article stance: {_label_name(q, self.stance_id)}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentCoding | None:
        return write_coding(rec, q, self.document_id, self.coder_id, stance_id=self.stance_id)


@dataclass
class ToggleDocumentTheme(Op):
    """Add the theme to the article coding, or take it away if it is there."""

    document_id: str
    coder_id: str
    label_id: str
    kind: ClassVar[str] = "toggle-document-theme"

    def describe(self, q: Queries) -> str:
        return f"Article theme: {_label_name(q, self.label_id)}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentCoding | None:
        _check_labels(q, None, [self.label_id])
        themes = dq.raw_theme_ids(q, self.document_id, self.coder_id)
        themes = ([t for t in themes if t != self.label_id] if self.label_id in themes
                  else themes + [self.label_id])
        return write_coding(rec, q, self.document_id, self.coder_id, theme_ids=themes)


@dataclass
class SetDocumentThemes(Op):
    document_id: str
    coder_id: str
    theme_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "set-document-themes"

    def describe(self, q: Queries) -> str:
        return f"Article themes: {len(self.theme_ids)}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentCoding | None:
        return write_coding(rec, q, self.document_id, self.coder_id,
                            theme_ids=list(self.theme_ids))


@dataclass
class SetDocumentNote(Op):
    document_id: str
    coder_id: str
    note: str | None
    kind: ClassVar[str] = "set-document-note"

    def describe(self, q: Queries) -> str:
        return "Article note"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentCoding | None:
        return write_coding(rec, q, self.document_id, self.coder_id, note=self.note)


@dataclass
class ClearDocumentCoding(Op):
    """Remove the coder's stance, themes and note of the document. Returns whether there
    was anything to remove."""

    document_id: str
    coder_id: str
    kind: ClassVar[str] = "clear-document-coding"

    def describe(self, q: Queries) -> str:
        return "Clear the article coding"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        had = dq.raw_coding(q, self.document_id, self.coder_id) is not None
        write_coding(rec, q, self.document_id, self.coder_id, stance_id=None, theme_ids=[],
                     note=None)
        return had


@dataclass
class AcceptDocumentCoding(Op):
    """Adjudication: gold's article coding of the document becomes ``from_coder_id``'s
    (stance, themes and note), replacing what gold had."""

    document_id: str
    from_coder_id: str
    kind: ClassVar[str] = "adjudicate-document-coding"

    def describe(self, q: Queries) -> str:
        coder = q.coder(self.from_coder_id)
        return f"Accept {coder.name if coder else '?'}'s article coding into gold"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentCoding | None:
        require_document(q, self.document_id)
        name = _require_coder(q, self.from_coder_id)
        if name == GOLD_CODER:
            raise OperationError("gold's own article coding cannot be accepted into gold")
        source = document_coding(q, self.document_id, self.from_coder_id)
        if source is None:
            raise OperationError(f"{name} has not coded this article")
        return write_coding(rec, q, self.document_id, _gold_id(rec, q),
                            stance_id=source.stance_id, theme_ids=list(source.theme_ids),
                            note=source.note)
