"""Memos as undoable ops: set (write the coder's memo on a target), add, edit, delete; and
the step of a snapshot import that brings memos in (merges, REFI-QDA, dataset JSONL).

Every memo records who wrote it (``coder_id``) and when (``created``, ``updated``: UTC ISO
8601). Editing keeps the author and ``created``, and moves ``updated``. Deleting a document
or a label does not touch its memos: they are hidden while it is gone (store.memo_queries),
so an undo of the deletion brings them back with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import OperationError
from .memos import (
    MemoView,
    check_scope,
    clean_memo_text,
    clean_memo_title,
    find_memo,
    memo_of,
)
from .models import ImportReport, Memo, new_id, now_iso
from .ops import UNSET, Op
from .store import ChangeRecorder
from .store import memo_queries as mq
from .store.queries import Queries


def check_target(q: Queries, scope: str, target_id: str) -> str:
    """The target's id ("" for the project) after checking that it exists."""
    check_scope(scope)
    target = str(target_id or "").strip()
    if scope == "project":
        return ""
    if scope == "document" and not q.document_infos([target]):
        raise OperationError(f"no document with id {target_id!r}")
    if scope == "label" and q.label(target) is None:
        raise OperationError(f"no label with id {target_id!r}")
    return target


def _check_coder(q: Queries, coder_id: str | None) -> None:
    if coder_id is not None and q.coder(coder_id) is None:
        raise OperationError(f"no coder with id {coder_id!r}")


def _about(scope: str) -> str:
    return {"project": "the project", "document": "a document", "label": "a label"}.get(
        scope, "a target")


@dataclass
class SetMemo(Op):
    """Write ``coder_id``'s memo on the target: edit it if there is one, else add it.
    Returns the memo (unchanged text and title record no action)."""

    scope: str
    target_id: str
    coder_id: str | None
    text: str
    title: Any = UNSET
    kind: ClassVar[str] = "set-memo"

    def describe(self, q: Queries) -> str:
        return f"Memo on {_about(self.scope)}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> MemoView:
        target = check_target(q, self.scope, self.target_id)
        _check_coder(q, self.coder_id)
        text = clean_memo_text(self.text)
        existing = memo_of(q, self.scope, target, self.coder_id)
        if existing is None:
            title = "" if self.title is UNSET else clean_memo_title(self.title)
            return AddMemo(self.scope, target, self.coder_id, text, title).apply(rec, q)
        return EditMemo(existing.id, text, self.title).apply(rec, q)


@dataclass
class AddMemo(Op):
    """A new memo on the target, beside any others there. Returns it."""

    scope: str
    target_id: str
    coder_id: str | None
    text: str
    title: str = ""
    kind: ClassVar[str] = "add-memo"

    def describe(self, q: Queries) -> str:
        return f"Add memo on {_about(self.scope)}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> MemoView:
        target = check_target(q, self.scope, self.target_id)
        _check_coder(q, self.coder_id)
        stamp = now_iso()
        row = {"id": new_id(), "scope": self.scope, "target_id": target,
               "coder_id": self.coder_id, "title": clean_memo_title(self.title),
               "text": clean_memo_text(self.text), "created": stamp, "updated": stamp}
        rec.insert("memos", row)
        return find_memo(q, row["id"])


@dataclass
class EditMemo(Op):
    """Change a memo's text and/or title (UNSET keeps it). Returns the memo."""

    memo_id: str
    text: Any = UNSET
    title: Any = UNSET
    kind: ClassVar[str] = "edit-memo"

    def describe(self, q: Queries) -> str:
        return "Edit memo"

    def apply(self, rec: ChangeRecorder, q: Queries) -> MemoView:
        memo = find_memo(q, self.memo_id)
        values: dict[str, Any] = {}
        if self.text is not UNSET and clean_memo_text(self.text) != memo.text:
            values["text"] = clean_memo_text(self.text)
        if self.title is not UNSET and clean_memo_title(self.title) != memo.title:
            values["title"] = clean_memo_title(self.title)
        if not values:
            return memo
        values["updated"] = now_iso()
        rec.update("memos", {"id": memo.id}, values)
        return find_memo(q, memo.id)


@dataclass
class DeleteMemo(Op):
    """Remove one memo. Returns what it was (for the message)."""

    memo_id: str
    kind: ClassVar[str] = "delete-memo"

    def describe(self, q: Queries) -> str:
        return "Delete memo"

    def apply(self, rec: ChangeRecorder, q: Queries) -> MemoView:
        memo = find_memo(q, self.memo_id)
        rec.delete("memos", {"id": memo.id})
        return memo


# -- merging memos in (ImportSnapshot) -------------------------------------------------------

def import_memos(rec: ChangeRecorder, q: Queries, memos: list[Memo], *,
                 doc_map: dict[str, str], coder_map: dict[str, str],
                 label_map: dict[str, str], report: ImportReport, source: str) -> None:
    """Bring a snapshot's memos in, idempotently.

    A memo is matched by id: present already, it is updated only when the incoming copy is
    newer (a coder's later edit), else skipped. A memo with a new id but the same target,
    coder and text as one here is skipped too (the same memo through another format), so a
    re-merge or re-import never duplicates one. Memos on a document or label the import does
    not map, or by a coder it does not know, lose that part with a warning line.
    """
    added = updated = 0
    dropped: list[str] = []
    for memo in memos:
        if memo.scope == "project":
            target = ""
        elif memo.scope == "document":
            target = doc_map.get(memo.target_id, "")
        else:
            target = label_map.get(memo.target_id, "")
        if memo.scope != "project" and not target:
            dropped.append(memo.title or memo.text[:40])
            continue
        coder_id = coder_map.get(memo.coder_id) if memo.coder_id else None
        try:
            text, title = clean_memo_text(memo.text), clean_memo_title(memo.title)
        except OperationError:
            dropped.append(memo.title or memo.id)
            continue
        row = {"id": memo.id, "scope": memo.scope, "target_id": target, "coder_id": coder_id,
               "title": title, "text": text, "created": memo.created, "updated": memo.updated}
        present = mq.stored_memo(q, memo.id)
        if present is not None:
            if (present["scope"], present["target_id"]) != (memo.scope, target):
                row["id"] = new_id()  # the id means another memo here: keep both
            else:
                if memo.updated > present["updated"] and (
                        present["text"], present["title"]) != (text, title):
                    rec.update("memos", {"id": memo.id}, {"text": text, "title": title,
                                                         "updated": memo.updated})
                    updated += 1
                continue
        same = [m for m in mq.stored_memos_of(q, memo.scope, target)
                if m["coder_id"] == coder_id and m["text"] == text]
        if same:
            continue
        rec.insert("memos", row)
        added += 1
    if added or updated:
        parts = [f"{added} memo{'s' * (added != 1)} added"] if added else []
        parts += [f"{updated} updated"] if updated else []
        report.notes.append(f"{source}: {', '.join(parts)}")
    if dropped:
        shown = ", ".join(repr(d) for d in dropped[:3]) + (" …" if len(dropped) > 3 else "")
        report.warnings.append(f"{source}: {len(dropped)} memo(s) about a document or label "
                               f"that is not in the file were skipped: {shown}")


@dataclass
class ImportCodebookWithMemos(Op):
    """A codebook file that carries memos (codebook JSON ``memos``): the labels as
    ImportCodebook brings them, then the memos on them and on the project, in one undoable
    step. ``memos``: (scope, label id in the file or "", memo with its coder's name).
    Returns the number of labels added, like ImportCodebook."""

    codebook: Any
    memos: list[tuple[str, str, Any]]
    source: str = "codebook"
    kind: ClassVar[str] = "import-codebook"

    def describe(self, q: Queries) -> str:
        return f"Import codebook {self.codebook.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        from .ops_import import ImportCodebook

        added = ImportCodebook(self.codebook).apply(rec, q)
        here = q.labels()
        by_id = {lb.id: lb.id for lb in here}
        by_name = {(lb.scheme, lb.name): lb.id for lb in here}
        label_map = {lb.id: by_id.get(lb.id) or by_name.get((lb.scheme, lb.name), "")
                     for lb in self.codebook.labels}
        coder_map: dict[str, str] = {}
        memos: list[Memo] = []
        for scope, target, item in self.memos:
            coder_id = None
            if item.coder:
                coder = q.coder_by_name(item.coder)
                if coder is None:
                    coder_id = new_id()
                    rec.insert("coders", {"id": coder_id, "name": item.coder,
                                          "created": now_iso()})
                else:
                    coder_id = coder.id
                coder_map[coder_id] = coder_id
            stamps = {k: v for k in ("created", "updated")
                      if (v := getattr(item, k)) is not None}
            memos.append(Memo(**({"id": item.id} if item.id else {}), scope=scope,
                              target_id=target, coder_id=coder_id, title=item.title,
                              text=item.text, **stamps))
        import_memos(rec, q, memos, doc_map={}, coder_map=coder_map, label_map=label_map,
                     report=ImportReport(), source=self.source)
        return added
