"""Blind coding as a protocol: who the lead is, whether the lead locked blind mode, and what a
coder may see of the others' work in a locked project.

In a locked project a coder sees only their own annotations in the workbench (the "show all
coders" switch is off and cannot be turned on); other coders' work shows only in the compare
view, and only on documents that coder has marked done. The lead sees everything.
"""

from __future__ import annotations

from .ops_team import BLIND_LOCK_META, LEAD_META, SetBlindLock, SetLead
from .project import Project
from .store.queries import Queries


def lead(q: Queries) -> str | None:
    return q.meta(LEAD_META)


def is_locked(q: Queries) -> bool:
    return q.meta(BLIND_LOCK_META) == "1"


def is_lead(q: Queries, coder_name: str | None) -> bool:
    name = lead(q)
    return name is not None and coder_name is not None and coder_name == name


def locked_for(q: Queries, coder_name: str | None) -> bool:
    """Whether blind mode is forced on for this coder (locked, and not the lead)."""
    return is_locked(q) and not is_lead(q, coder_name)


def may_see_others(q: Queries, coder_id: str | None, document_id: str | None) -> bool:
    """Whether ``coder_id`` may see other coders' work on ``document_id`` in the compare view:
    always when not locked, always for the lead, else once they marked the document done."""
    if not is_locked(q):
        return True
    coder = q.coder(coder_id) if coder_id else None
    if coder is not None and is_lead(q, coder.name):
        return True
    if coder is None or document_id is None:
        return False
    return q.status(document_id, coder.id) == "done"


def status_line(q: Queries) -> str:
    name = lead(q)
    who = f"lead: {name}" if name else "no lead set"
    return f"blind mode: {'locked' if is_locked(q) else 'not locked'} ({who})"


def set_lead(project: Project, name: str, acting: str | None = None) -> bool:
    """Make ``name`` the lead. Once a lead is set, only that lead may hand the role on."""
    current = lead(project.q)
    if current is not None and current != name and acting != current:
        raise_not_lead(current, acting, "change the lead")
    return project.run(SetLead(name))


def set_locked(project: Project, locked: bool, acting: str | None) -> bool:
    coder = project.q.coder_by_name(acting) if acting else None
    return project.run(SetBlindLock(locked, acting), coder.id if coder else None)


def raise_not_lead(current: str, acting: str | None, what: str) -> None:
    from .errors import OperationError

    raise OperationError(f"cannot {what}: only the lead ({current}) may, not "
                         f"{acting or 'an unnamed coder'} (--coder {current})")
