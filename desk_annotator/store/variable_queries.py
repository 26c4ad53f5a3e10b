"""Reads of the document variables (schema migration 5); writes go through ops_variables.

Kept beside :mod:`queries` as plain functions of a :class:`Queries` so that the variables
module outside ``store`` never touches SQL.
"""

from __future__ import annotations

from typing import Any

from .queries import Queries


def variable_rows(q: Queries) -> list[dict[str, Any]]:
    """Every custom variable's definition row, in position order."""
    return [dict(r) for r in q.db.query(
        "SELECT id, name, type, categories, position FROM variables ORDER BY position, rowid")]


def value_rows(q: Queries, variable_id: str | None = None) -> list[tuple[str, str, str]]:
    """(document id, variable id, value) of documents that exist (a deleted document's values
    stay in the table until its undo, and are left out here)."""
    sql = ("SELECT dv.document_id, dv.variable_id, dv.value FROM document_variables dv "
           "JOIN documents d ON d.id = dv.document_id")
    params: tuple[Any, ...] = ()
    if variable_id is not None:
        sql += " WHERE dv.variable_id = ?"
        params = (variable_id,)
    return [tuple(r) for r in q.db.execute(sql + " ORDER BY d.rowid", params)]  # type: ignore[misc]


def value_of(q: Queries, document_id: str, variable_id: str) -> str | None:
    row = q.db.execute("SELECT value FROM document_variables WHERE document_id = ? AND "
                       "variable_id = ?", (document_id, variable_id)).fetchone()
    return row[0] if row else None


def document_keys(q: Queries) -> list[dict[str, Any]]:
    """id, title, sha256, source_file and extra_metadata of every document, in list order
    (what an imported sheet is matched against)."""
    return [dict(r) for r in q.db.query(
        "SELECT id, title, sha256, source_file, extra_metadata FROM documents ORDER BY rowid")]
