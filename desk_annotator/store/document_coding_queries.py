"""Reads of the article-level codings (schema migration 7); writes go through
ops_document_coding.

Plain functions of a :class:`Queries`, as set_queries and variable_queries, so that
:mod:`document_coding` never touches SQL. Every read joins ``documents``: the rows of a
deleted document are gone with it (its deletion removes them undoably), and this keeps a
stray row from an older file out of every view and export.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .queries import Queries


def _in(column: str, values: list[str] | None, params: list[Any]) -> str:
    if values is None:
        return ""
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' for _ in values)})" if values else " AND 0"


def coding_rows(q: Queries, document_ids: list[str] | None = None,
                coder_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """document_id, coder_id, stance_id, note, updated of the codings of existing documents,
    in corpus-list order then coder id."""
    params: list[Any] = []
    sql = ("SELECT c.document_id, c.coder_id, c.stance_id, c.note, c.updated "
           "FROM document_codings c JOIN documents d ON d.id = c.document_id WHERE 1"
           + _in("c.document_id", document_ids, params) + _in("c.coder_id", coder_ids, params)
           + " ORDER BY d.rowid, c.coder_id")
    return [dict(r) for r in q.db.query(sql, params)]


def theme_rows(q: Queries, document_ids: list[str] | None = None,
               coder_ids: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(document id, coder id, label id) of every article-level theme of existing documents."""
    params: list[Any] = []
    sql = ("SELECT t.document_id, t.coder_id, t.label_id FROM document_coding_themes t "
           "JOIN documents d ON d.id = t.document_id WHERE 1"
           + _in("t.document_id", document_ids, params) + _in("t.coder_id", coder_ids, params)
           + " ORDER BY d.rowid, t.coder_id, t.label_id")
    return [tuple(r) for r in q.db.execute(sql, params)]  # type: ignore[misc]


def coding_row(q: Queries, document_id: str, coder_id: str) -> dict[str, Any] | None:
    rows = coding_rows(q, [document_id], [coder_id])
    return rows[0] if rows else None


def theme_ids(q: Queries, document_id: str, coder_id: str) -> list[str]:
    return [t[2] for t in theme_rows(q, [document_id], [coder_id])]


def keys_with_stance(q: Queries, label_id: str) -> list[tuple[str, str]]:
    """(document id, coder id) of the codings whose stance is the label (any document row,
    so a label's deletion also clears it from rows an undo may bring back)."""
    return [tuple(r) for r in q.db.execute(  # type: ignore[misc]
        "SELECT document_id, coder_id FROM document_codings WHERE stance_id = ?", (label_id,))]


def keys_with_theme(q: Queries, label_ids: Iterable[str]) -> list[tuple[str, str, str]]:
    """(document id, coder id, label id) of the theme rows of the labels."""
    ids = list(label_ids)
    if not ids:
        return []
    return [tuple(r) for r in q.db.execute(  # type: ignore[misc]
        "SELECT document_id, coder_id, label_id FROM document_coding_themes WHERE label_id IN "
        f"({', '.join('?' for _ in ids)})", ids)]


def label_usage(q: Queries, label_id: str) -> int:
    """How many article-level codings use the label (as stance or theme)."""
    return q.db.execute(
        "SELECT (SELECT count(*) FROM document_codings c JOIN documents d ON d.id = "
        "c.document_id WHERE c.stance_id = ?) + (SELECT count(*) FROM document_coding_themes t "
        "JOIN documents d ON d.id = t.document_id WHERE t.label_id = ?)",
        (label_id, label_id)).fetchone()[0]


def raw_coding(q: Queries, document_id: str, coder_id: str) -> dict[str, Any] | None:
    """The coding row as stored, whether or not its document exists (for the label ops,
    which also reach the rows of a deleted document)."""
    rows = list(q.db.query("SELECT * FROM document_codings WHERE document_id = ? AND "
                           "coder_id = ?", (document_id, coder_id)))
    return dict(rows[0]) if rows else None


def raw_theme_ids(q: Queries, document_id: str, coder_id: str) -> list[str]:
    return [r[0] for r in q.db.execute(
        "SELECT label_id FROM document_coding_themes WHERE document_id = ? AND coder_id = ?",
        (document_id, coder_id))]
