"""Document sets in snapshots: what exports carry and what imports and merges bring back.

:func:`snapshot_sets` lists the project's sets restricted to the exported documents (a set
with none of them is left out); :func:`import_sets` runs inside the import op: a set whose
name (case-insensitively) already exists gains the members it lacks, any other is created.
Members are mapped through the import's document map (an imported document may be one the
project already had); members that name no imported document are dropped and counted.
"""

from __future__ import annotations

from typing import Any

from .document_sets import clean_set_name, document_sets
from .errors import OperationError
from .models import DocumentSetRecord, ImportReport, new_id, now_iso
from .store import ChangeRecorder
from .store import set_queries as sq
from .store.queries import Queries


def snapshot_sets(project: Any, document_ids: set[str] | None = None) -> list[DocumentSetRecord]:
    q = getattr(project, "q", project)
    out = []
    for s in document_sets(q):
        members = [d for d in sq.member_ids(q, s.id)
                   if document_ids is None or d in document_ids]
        if members:
            out.append(DocumentSetRecord(name=s.name, description=s.description,
                                         document_ids=members))
    return out


def import_sets(rec: ChangeRecorder, q: Queries, records: list[DocumentSetRecord], *,
                doc_map: dict[str, str], report: ImportReport, source: str) -> int:
    """Create or extend the sets; returns the number of memberships added."""
    existing = {s.name.casefold(): s for s in document_sets(q)}
    made: dict[str, str] = {}  # folded name -> set id, for sets created by this import
    added, dropped = 0, 0
    for record in records:
        try:
            name = clean_set_name(record.name)
        except OperationError as exc:  # no name, or one too long: say which
            shown = " ".join(str(record.name or "").split())
            shown = f" '{shown[:40]}…'" if len(shown) > 40 else ""
            report.warnings.append(f"{source}: document set{shown} skipped ({exc})")
            continue
        members = [doc_map[d] for d in dict.fromkeys(record.document_ids) if d in doc_map]
        dropped += len(set(record.document_ids)) - len(members)
        folded = name.casefold()
        set_id = made.get(folded) or (existing[folded].id if folded in existing else None)
        if set_id is None:
            set_id = made[folded] = new_id()
            rec.insert("document_sets", {"id": set_id, "name": name,
                                         "description": (record.description or "").strip(),
                                         "created": now_iso()})
        new = [d for d in dict.fromkeys(members) if not sq.is_member(q, set_id, d)]
        rec.insert_many("document_set_members", [{"set_id": set_id, "document_id": d}
                                                 for d in new])
        added += len(new)
    if dropped:
        report.warnings.append(f"{source}: {dropped} document set member(s) name no imported "
                               "document and were left out")
    return added
