"""Reads of the memos (schema migration 8); writes go through ops_memos.

Plain functions of a :class:`Queries`, so that :mod:`desk_annotator.memos` never touches SQL.
A memo whose document or label has been deleted is *hidden*: every read here leaves it out,
and undoing the deletion shows it again (as deleted documents' variable values and set
memberships are kept).
"""

from __future__ import annotations

from typing import Any

from .queries import Queries

_COLUMNS = ("m.id, m.scope, m.target_id, m.coder_id, m.title, m.text, m.created, m.updated, "
            "c.name AS coder_name, "
            "CASE m.scope WHEN 'document' THEN d.title WHEN 'label' THEN l.name ELSE '' END "
            "AS target_name, l.scheme AS label_scheme")
_FROM = ("FROM memos m LEFT JOIN coders c ON c.id = m.coder_id "
         "LEFT JOIN documents d ON m.scope = 'document' AND d.id = m.target_id "
         "LEFT JOIN labels l ON m.scope = 'label' AND l.id = m.target_id")
# Only memos whose target exists (the project always does).
_VISIBLE = ("(m.scope = 'project' OR (m.scope = 'document' AND d.id IS NOT NULL) "
            "OR (m.scope = 'label' AND l.id IS NOT NULL))")


def memo_rows(q: Queries, *, scope: str | None = None, coder_id: str | None = None,
              target_id: str | None = None, memo_id: str | None = None) -> list[dict[str, Any]]:
    """Visible memos with their coder's name and their target's name (document title or
    label name), most recently updated first."""
    where = [_VISIBLE]
    params: list[Any] = []
    for column, value in (("m.scope", scope), ("m.coder_id", coder_id),
                          ("m.target_id", target_id), ("m.id", memo_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (f"SELECT {_COLUMNS} {_FROM} WHERE {' AND '.join(where)} "
           "ORDER BY m.updated DESC, m.id")
    return [dict(r) for r in q.db.query(sql, tuple(params))]


def memo_ids_with_prefix(q: Queries, prefix: str) -> list[str]:
    """Ids of visible memos starting with ``prefix`` (case-insensitive)."""
    rows = q.db.execute(
        f"SELECT m.id {_FROM} WHERE {_VISIBLE} AND m.id LIKE ? ESCAPE '\\' COLLATE NOCASE",
        (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",))
    return [r[0] for r in rows]


def stored_memo(q: Queries, memo_id: str) -> dict[str, Any] | None:
    """The raw row of one memo, hidden or not (what merging compares against)."""
    cur = q.db.execute("SELECT * FROM memos WHERE id = ?", (memo_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def stored_memos_of(q: Queries, scope: str, target_id: str) -> list[dict[str, Any]]:
    """Raw rows of every memo on one target, hidden or not."""
    cur = q.db.execute("SELECT * FROM memos WHERE scope = ? AND target_id = ?",
                       (scope, target_id))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]
