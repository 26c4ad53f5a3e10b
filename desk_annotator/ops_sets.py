"""Document sets as undoable ops: create, rename, delete, add and remove members.

A set is a row of ``document_sets``; each membership a row of ``document_set_members``.
Deleting a set deletes its memberships with it, in the same step, so one undo brings both
back. Adding a document that is already a member, or removing one that is not, changes
nothing (the count returned says how many did change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .document_sets import DocumentSet, clean_set_name, document_sets, find_set
from .errors import OperationError
from .models import new_id, now_iso
from .ops import Op
from .store import ChangeRecorder
from .store import set_queries as sq
from .store.queries import Queries


def _check_free(q: Queries, name: str, but: str | None = None) -> None:
    for s in document_sets(q):
        if s.id != but and s.name.casefold() == name.casefold():
            raise OperationError(f"there is already a document set named {s.name!r}")


def _existing(q: Queries, document_ids: list[str]) -> list[str]:
    """The ids, deduplicated in order; every one must name a document."""
    ids = list(dict.fromkeys(str(d).strip() for d in document_ids if str(d).strip()))
    if not ids:
        return []
    known = {d.id for d in q.document_infos(ids)}
    missing = [d for d in ids if d not in known]
    if missing:
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise OperationError(f"no document with id {', '.join(missing[:5])}{more}")
    return ids


@dataclass
class CreateSet(Op):
    name: str
    document_ids: list[str] = field(default_factory=list)
    description: str = ""
    kind: ClassVar[str] = "create-set"

    def describe(self, q: Queries) -> str:
        return f"Create document set {' '.join(str(self.name).split())}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> DocumentSet:
        name = clean_set_name(self.name)
        _check_free(q, name)
        ids = _existing(q, self.document_ids)
        made = DocumentSet(new_id(), name, str(self.description or "").strip(), now_iso(),
                           len(ids))
        rec.insert("document_sets", {"id": made.id, "name": made.name,
                                     "description": made.description,
                                     "created": made.created})
        rec.insert_many("document_set_members",
                        [{"set_id": made.id, "document_id": d} for d in ids])
        return made


@dataclass
class RenameSet(Op):
    name: str
    new_name: str
    kind: ClassVar[str] = "rename-set"

    def describe(self, q: Queries) -> str:
        return f"Rename document set {self.name} to {' '.join(str(self.new_name).split())}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        found = find_set(q, self.name)
        new = clean_set_name(self.new_name)
        if new == found.name:
            return False
        _check_free(q, new, but=found.id)
        rec.update("document_sets", {"id": found.id}, {"name": new})
        return True


@dataclass
class DeleteSet(Op):
    """Remove a set and its memberships (not its documents). Returns how many documents
    it had."""

    name: str
    kind: ClassVar[str] = "delete-set"

    def describe(self, q: Queries) -> str:
        return f"Delete document set {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        found = find_set(q, self.name)
        rec.delete_where("document_set_members", "set_id = ?", (found.id,))
        rec.delete("document_sets", {"id": found.id})
        return found.size


@dataclass
class AddToSet(Op):
    """Add documents to a set; returns how many were not members yet."""

    name: str
    document_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "add-to-set"

    def describe(self, q: Queries) -> str:
        return f"Add {len(self.document_ids)} document(s) to set {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        found = find_set(q, self.name)
        new = [d for d in _existing(q, self.document_ids) if not sq.is_member(q, found.id, d)]
        rec.insert_many("document_set_members",
                        [{"set_id": found.id, "document_id": d} for d in new])
        return len(new)


@dataclass
class RemoveFromSet(Op):
    """Take documents out of a set; returns how many were members."""

    name: str
    document_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "remove-from-set"

    def describe(self, q: Queries) -> str:
        return f"Remove {len(self.document_ids)} document(s) from set {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        found = find_set(q, self.name)
        removed = 0
        for d in dict.fromkeys(str(x).strip() for x in self.document_ids):
            removed += rec.delete("document_set_members",
                                  {"set_id": found.id, "document_id": d}) is not None
        return removed
