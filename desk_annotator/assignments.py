"""The lead's assignments: which coder codes which document, with an overlap for reliability.

:func:`plan_assignments` is pure: documents are ordered by id (never by insertion), shuffled
with ``random.Random(seed)``, the first ``round(overlap × n)`` (halves rounded up) go to every
coder, and the rest are dealt out one by one in a seeded coder order, so each coder gets the
same number of them give or take one. The same documents, coders and seed always give the same
plan; :func:`assign` stores it as one undoable operation.

Progress and the lead's dashboard are read here too (headless, for the CLI and the windows).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import OperationError
from .models import GOLD_CODER, is_model_coder
from .ops_team import SetAssignments
from .project import Project
from .store.team import TeamQueries


@dataclass
class Plan:
    """coder name -> assigned document ids (sorted); ``overlap``: the documents every coder has."""

    by_coder: dict[str, list[str]]
    overlap: list[str] = field(default_factory=list)
    seed: int = 0

    def coders_of(self, document_id: str) -> list[str]:
        return sorted(c for c, ids in self.by_coder.items() if document_id in ids)


def overlap_count(n_documents: int, overlap: float) -> int:
    """How many of ``n_documents`` every coder gets: overlap × n rounded half up, computed on
    the decimal value given (0.2 × 15 = 3, 0.1 × 25 = 2.5 → 3), never off by float error."""
    share = Fraction(str(overlap))
    return math.floor(share * n_documents + Fraction(1, 2))


def plan_assignments(document_ids: list[str], coders: list[str], overlap: float,
                     seed: int) -> Plan:
    """Split ``document_ids`` among ``coders`` (see the module docstring)."""
    names = sorted({c.strip() for c in coders if c.strip()})
    if not names:
        raise OperationError("assign needs at least one coder")
    if GOLD_CODER in names:
        raise OperationError(f"“{GOLD_CODER}” is the adjudication layer, not a coder to assign")
    if not 0 <= overlap <= 1:
        raise OperationError(f"the overlap is a share of the documents between 0 and 1, not "
                             f"{overlap}")
    docs = sorted(set(document_ids))
    rng = random.Random(seed)
    rng.shuffle(docs)
    k = overlap_count(len(docs), overlap)
    shared, rest = docs[:k], docs[k:]
    order = list(names)
    rng.shuffle(order)  # who gets the one extra document when the rest does not divide evenly
    by_coder: dict[str, list[str]] = {name: list(shared) for name in names}
    for i, doc_id in enumerate(rest):
        by_coder[order[i % len(order)]].append(doc_id)
    return Plan({name: sorted(ids) for name, ids in by_coder.items()}, sorted(shared), seed)


def assign(project: Project, coders: list[str], overlap: float, seed: int,
           document_ids: list[str] | None = None) -> Plan:
    """Plan and store the assignment of ``document_ids`` (default: every document); for a
    subset, only those documents' earlier assignments are replaced."""
    known = [info.id for info in project.q.document_infos()]
    if document_ids is not None:
        missing = sorted(set(document_ids) - set(known))
        if missing:
            raise OperationError(f"no document with id {', '.join(missing)}")
    docs = known if document_ids is None else list(document_ids)
    if not docs:
        raise OperationError("the project has no documents to assign")
    plan = plan_assignments(docs, coders, overlap, seed)
    project.run(SetAssignments(plan.by_coder, plan.overlap, None if document_ids is None
                               else sorted(set(document_ids))))
    return plan


def clear_assignments(project: Project) -> int:
    return project.run(SetAssignments({}, [], None))


def current_plan(project: Project) -> Plan:
    """The stored assignments as a Plan (documents in id order)."""
    by_coder: dict[str, list[str]] = {}
    overlap: set[str] = set()
    for row in TeamQueries(project.q.db).assignment_rows():
        by_coder.setdefault(row["coder"], []).append(row["document_id"])
        if row["overlap"]:
            overlap.add(row["document_id"])
    return Plan(by_coder, sorted(overlap))


def assigned_document_ids(project: Project, coder_id: str) -> list[str] | None:
    """The coder's assigned documents (corpus order), or None when the project has no
    assignments at all (then every document is the coder's)."""
    team = TeamQueries(project.q.db)
    if not team.has_assignments():
        return None
    return team.assigned_document_ids(coder_id)


def progress(project: Project, coder_id: str | None) -> tuple[int, int] | None:
    """(done, assigned) for the status bar, or None when the project has no assignments."""
    team = TeamQueries(project.q.db)
    if coder_id is None or not team.has_assignments():
        return None
    return team.progress(coder_id)


def stats_with_assignments(project: Project, stats: dict[str, Any]) -> dict[str, Any]:
    """Add ``documents_assigned`` and ``assigned_done`` to each ``per_coder`` row of
    Project.stats() (None for both when the project has no assignments)."""
    team = TeamQueries(project.q.db)
    any_assigned = team.has_assignments()
    by_name = {c.name: c.id for c in project.q.coders()}
    for row in stats.get("per_coder", []):
        done, total = (team.progress(by_name[row["coder"]]) if any_assigned
                       and row["coder"] in by_name else (None, None))
        row["documents_assigned"] = total
        row["assigned_done"] = done
    return stats


# -- the lead's dashboard ------------------------------------------------------------------

@dataclass
class Cell:
    status: str | None  # todo | doing | done, None when never set
    annotations: int
    last_change: str | None
    assigned: bool
    overlap: bool

    @property
    def shown_status(self) -> str:
        """The status to display: todo for an assigned or started document never marked."""
        if self.status:
            return self.status
        return "todo" if self.assigned or self.annotations else ""


@dataclass
class Dashboard:
    coders: list[tuple[str, str]]  # (id, name), gold last
    documents: list[tuple[str, str]]  # (id, title), corpus order
    cells: dict[tuple[str, str], Cell]  # (document id, coder id)

    def cell(self, document_id: str, coder_id: str) -> Cell | None:
        return self.cells.get((document_id, coder_id))

    def totals(self, coder_id: str) -> dict[str, int]:
        """assigned, done (of the assigned when there are assignments, else of all),
        doing, annotations."""
        cells = [c for (_, cid), c in self.cells.items() if cid == coder_id]
        counted = [c for c in cells if c.assigned] if any(c.assigned for c in self.cells.values()) \
            else cells
        return {"assigned": sum(c.assigned for c in cells),
                "done": sum(c.shown_status == "done" for c in counted),
                "doing": sum(c.shown_status == "doing" for c in counted),
                "annotations": sum(c.annotations for c in cells)}

    def document_ids_with_status(self, status: str | None) -> list[str]:
        """Documents in which some coder's cell has ``status`` (None: every document;
        ``not done``: some assigned coder has not marked it done)."""
        if status is None:
            return [d for d, _ in self.documents]
        if status == "not done":
            return [d for d, _ in self.documents
                    if any(c.assigned and c.shown_status != "done"
                           for (doc, _), c in self.cells.items() if doc == d)]
        wanted = {doc for (doc, _), c in self.cells.items() if c.shown_status == status}
        return [d for d, _ in self.documents if d in wanted]


def dashboard(project: Project) -> Dashboard:
    """The documents × coders matrix, read in one consistent state."""
    q = project.q
    with project.reading():
        coders = sorted((c for c in q.coders() if not is_model_coder(c.name)),  # people
                        key=lambda c: (c.name == GOLD_CODER, c.name))
        documents = [(info.id, info.title) for info in q.document_infos()]
        rows = TeamQueries(q.db).matrix_cells()
    cells = {(r["document_id"], r["coder_id"]): Cell(r["status"], r["annotations"],
                                                     r["last_change"], bool(r["assigned"]),
                                                     bool(r["overlap"])) for r in rows}
    return Dashboard([(c.id, c.name) for c in coders], documents, cells)


def package_scope(project: Project, coder: Any) -> tuple[list[str] | None, Any]:
    """What a coder package for ``coder`` holds: its assigned document ids (None = every
    document, when the project has no assignments) and the operation that carries the lead,
    the blind-mode lock and the coder's assignments into the package."""
    from .blind import is_locked, lead
    from .ops_team import CopyTeamSettings

    document_ids = assigned_document_ids(project, coder.id)
    if document_ids is not None and not document_ids:
        raise OperationError(f"{coder.name} has no assigned documents: assign some first "
                             "(desk-annotator assign), or clear the assignments")
    overlap = set(current_plan(project).overlap)
    team = CopyTeamSettings(lead(project.q), is_locked(project.q), coder.name,
                            list(document_ids or []),
                            [d for d in document_ids or [] if d in overlap])
    return document_ids, team
