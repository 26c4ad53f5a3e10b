"""Document sets (REFI-QDA "Sets"): named groups of documents, e.g. "pilot" or "wave 2".

A set has a name (unique, compared case-insensitively), a description and its members. A
document may be in any number of sets; deleting a document leaves its memberships behind,
ignored here, so that undoing the deletion puts it back in its sets.

:func:`set_members` is what the analysis commands use (``agreement --set``, ``retrieve
--set``): the member ids, in corpus-list order. :func:`select_documents` picks documents by
metadata and status for ``set create``. Changes go through the ops of :mod:`ops_sets`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import OperationError
from .store import set_queries as sq

LIST_HINT = "list them with: desk-annotator --project FILE set list"


@dataclass(frozen=True)
class DocumentSet:
    id: str
    name: str
    description: str = ""
    created: str = ""
    size: int = 0


def _q(project_or_q: Any) -> Any:
    return getattr(project_or_q, "q", project_or_q)


def document_sets(project: Any) -> list[DocumentSet]:
    """Every set, by name, with the number of its (existing) documents."""
    q = _q(project)
    counts = sq.member_counts(q)
    return [DocumentSet(r["id"], r["name"], r["description"], r["created"],
                        counts.get(r["id"], 0)) for r in sq.set_rows(q)]


def set_names(project: Any) -> list[str]:
    return [s.name for s in document_sets(project)]


def clean_set_name(name: Any) -> str:
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise OperationError("a set needs a name")
    if len(cleaned) > 200:
        raise OperationError("a set's name is at most 200 characters")
    return cleaned


def find_set(project: Any, name: str) -> DocumentSet:
    """The set called ``name`` (exact, else the only case-insensitive match)."""
    wanted = " ".join(str(name).split())
    pool = document_sets(project)
    for s in pool:
        if s.name == wanted:
            return s
    folded = [s for s in pool if s.name.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    known = ", ".join(s.name for s in pool) or "none yet"
    raise OperationError(f"no document set named {name!r} (known sets: {known})")


def set_members(project: Any, name: str) -> list[str]:
    """Ids of the documents in the set ``name``, in corpus-list order."""
    return sq.member_ids(_q(project), find_set(project, name).id)


def _folded(values: Iterable[str] | None) -> set[str] | None:
    if values is None:
        return None
    return {v.strip().casefold() for v in values if v.strip()} or None


def select_documents(project: Any, *, documents: Iterable[str] | None = None,
                     outlets: Iterable[str] | None = None,
                     languages: Iterable[str] | None = None, status: str | None = None,
                     coder_id: str | None = None) -> list[str]:
    """Ids of the documents meeting every given condition (outlet and language compared
    case-insensitively; ``status`` is ``coder_id``'s status, none recorded counting as
    todo), in corpus-list order."""
    q = _q(project)
    wanted_ids = set(documents) if documents is not None else None
    want_outlet, want_language = _folded(outlets), _folded(languages)
    if status is not None and coder_id is None:
        raise OperationError("a status condition needs the coder whose status it is")
    statuses: dict[str, str] = {}
    if status is not None:
        statuses = {s.document_id: s.status for s in q.statuses() if s.coder_id == coder_id}
    chosen = []
    for info in q.document_infos():
        meta = info.metadata
        if wanted_ids is not None and info.id not in wanted_ids:
            continue
        if want_outlet and (meta.get("outlet") or "").strip().casefold() not in want_outlet:
            continue
        if want_language and (str(meta.get("language") or "").strip().casefold()
                              not in want_language):
            continue
        if status is not None and statuses.get(info.id, "todo") != status:
            continue
        chosen.append(info.id)
    return chosen


def restrict_to_set(project: Any, name: str, document_ids: list[str] | None) -> list[str]:
    """The documents of set ``name`` (only those among ``document_ids`` when given). An empty
    result is refused: an analysis of no documents would silently mean all of them."""
    members = set_members(project, name)
    if document_ids is not None:
        given = set(document_ids)
        members = [d for d in members if d in given]
    if not members:
        which = " among the given --documents" if document_ids is not None else ""
        raise OperationError(f"document set {find_set(project, name).name!r} has no "
                             f"documents{which}")
    return members

