"""Reads of the document sets (schema migration 6); writes go through ops_sets.

Plain functions of a :class:`Queries`, so that :mod:`document_sets` never touches SQL.
"""

from __future__ import annotations

from typing import Any

from .queries import Queries


def set_rows(q: Queries) -> list[dict[str, Any]]:
    """Every set's row (id, name, description, created), by name."""
    return [dict(r) for r in q.db.query(
        "SELECT id, name, description, created FROM document_sets "
        "ORDER BY name COLLATE NOCASE, name")]


def member_ids(q: Queries, set_id: str) -> list[str]:
    """Ids of the set's documents that exist, in corpus-list order."""
    return [r[0] for r in q.db.execute(
        "SELECT m.document_id FROM document_set_members m JOIN documents d "
        "ON d.id = m.document_id WHERE m.set_id = ? ORDER BY d.rowid", (set_id,))]


def member_counts(q: Queries) -> dict[str, int]:
    """Set id -> number of its documents that exist."""
    return {r[0]: r[1] for r in q.db.execute(
        "SELECT m.set_id, count(*) FROM document_set_members m JOIN documents d "
        "ON d.id = m.document_id GROUP BY m.set_id")}


def is_member(q: Queries, set_id: str, document_id: str) -> bool:
    return q.db.execute("SELECT 1 FROM document_set_members WHERE set_id = ? AND "
                        "document_id = ?", (set_id, document_id)).fetchone() is not None
