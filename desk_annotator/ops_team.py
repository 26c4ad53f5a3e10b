"""The lead's operations: assignments, who the lead is, and the blind-mode lock.

Each is one undoable operation like every other (ops.py); the lead and the lock are project
meta keys (``lead``, ``blind_locked``), the assignments rows of the ``assignments`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .errors import OperationError
from .models import GOLD_CODER, new_id, now_iso
from .ops import Op
from .store import ChangeRecorder
from .store.queries import Queries
from .store.team import TeamQueries

LEAD_META = "lead"
BLIND_LOCK_META = "blind_locked"


def _set_meta(rec: ChangeRecorder, q: Queries, key: str, value: str | None) -> bool:
    current = q.meta(key)
    if current == value:
        return False
    if value is None:
        rec.delete("meta", {"key": key})
    elif current is None:
        rec.insert("meta", {"key": key, "value": value})
    else:
        rec.update("meta", {"key": key}, {"value": value})
    return True


def _coder_id(rec: ChangeRecorder, q: Queries, name: str) -> str:
    """The coder's id, adding the coder (inside this operation) when it is new."""
    name = name.strip()
    if not name:
        raise OperationError("a coder needs a name")
    coder = q.coder_by_name(name)
    if coder is not None:
        return coder.id
    coder_id = new_id()
    rec.insert("coders", {"id": coder_id, "name": name, "created": now_iso()})
    return coder_id


@dataclass
class SetAssignments(Op):
    """Replace the assignments of ``scope`` (document ids; None = every document) by ``plan``
    (coder name -> document ids). ``overlap_ids``: the documents given to every coder. Coders
    named in the plan that do not exist yet are added. Returns the number of rows written."""

    plan: dict[str, list[str]]
    overlap_ids: list[str] = field(default_factory=list)
    scope: list[str] | None = None
    kind: ClassVar[str] = "set-assignments"

    def describe(self, q: Queries) -> str:
        n = len({d for ids in self.plan.values() for d in ids})
        if not self.plan:
            return "Clear assignments"
        return f"Assign {n} document{'s' if n != 1 else ''} to {len(self.plan)} coder" + (
            "s" if len(self.plan) != 1 else "")

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        if GOLD_CODER in self.plan:
            raise OperationError(f"“{GOLD_CODER}” is the adjudication layer, not a coder to "
                                 "assign documents to")
        known = {info.id for info in q.document_infos()}
        unknown = sorted({d for ids in self.plan.values() for d in ids} - known)
        if unknown:
            raise OperationError(f"no document with id {', '.join(unknown[:5])}"
                                 + (" …" if len(unknown) > 5 else ""))
        for row in TeamQueries(q.db).assignment_keys(self.scope):
            rec.delete("assignments", {"document_id": row["document_id"],
                                       "coder_id": row["coder_id"]})
        overlap = set(self.overlap_ids)
        stamp = now_iso()
        rows = []
        for name in sorted(self.plan):
            coder_id = _coder_id(rec, q, name)
            rows += [{"document_id": doc_id, "coder_id": coder_id,
                      "overlap": int(doc_id in overlap), "assigned": stamp}
                     for doc_id in sorted(set(self.plan[name]))]
        rec.insert_many("assignments", rows)
        return len(rows)


@dataclass
class SetLead(Op):
    """Make ``name`` the project's lead (added as a coder if new); None removes the lead."""

    name: str | None
    kind: ClassVar[str] = "set-lead"

    def describe(self, q: Queries) -> str:
        return f"Make {self.name} the lead" if self.name else "Remove the lead"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        if self.name is None:
            return _set_meta(rec, q, LEAD_META, None)
        name = self.name.strip()
        if name == GOLD_CODER:
            raise OperationError(f"“{GOLD_CODER}” is the adjudication layer, not a person")
        _coder_id(rec, q, name)
        return _set_meta(rec, q, LEAD_META, name)


@dataclass
class SetBlindLock(Op):
    """Lock (or unlock) blind mode for the whole project; only the lead may: ``acting`` must
    be the lead's name. Returns whether anything changed."""

    locked: bool
    acting: str | None
    kind: ClassVar[str] = "set-blind-lock"

    def describe(self, q: Queries) -> str:
        return "Lock blind mode" if self.locked else "Unlock blind mode"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        lead = q.meta(LEAD_META)
        verb = "lock" if self.locked else "unlock"
        if lead is None:
            raise OperationError(f"cannot {verb} blind mode: the project has no lead "
                                 "(desk-annotator lead set NAME)")
        if (self.acting or "").strip() != lead:
            raise OperationError(f"cannot {verb} blind mode: only the lead ({lead}) may, "
                                 f"not {self.acting or 'an unnamed coder'}")
        return _set_meta(rec, q, BLIND_LOCK_META, "1" if self.locked else None)


@dataclass
class CopyTeamSettings(Op):
    """Into a coder package: the lead, the lock and that coder's assignments (by coder name;
    document ids as in the package). Not shown to users as a step of their own."""

    lead: str | None
    locked: bool
    coder: str
    document_ids: list[str]
    overlap_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "copy-team-settings"

    def describe(self, q: Queries) -> str:
        return "Team settings of the lead"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        if self.lead:
            _coder_id(rec, q, self.lead)
        _set_meta(rec, q, LEAD_META, self.lead)
        _set_meta(rec, q, BLIND_LOCK_META, "1" if self.locked else None)
        if self.document_ids:
            SetAssignments({self.coder: self.document_ids}, self.overlap_ids).apply(rec, q)
