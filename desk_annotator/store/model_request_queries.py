"""The audit trail of requests sent to a model endpoint (table ``model_requests``, schema 9).

Rows are written inside the op that stores what the requests produced (or, for a document
that failed, an op of their own), in the same transaction. They are deliberately not part of
the undo log: undoing a run removes its suggestions, but the requests were sent all the same,
so their record stays.
"""

from __future__ import annotations

import json
from typing import Any

from .changes import ChangeRecorder
from .queries import Queries

AUDIT_COLUMNS = ("time", "engine", "model", "endpoint", "prompt_sha256", "parameters",
                 "document_id", "seconds", "outcome", "proposed", "discarded")


def record_requests(rec: ChangeRecorder, rows: list[dict[str, Any]]) -> list[int]:
    """Append audit rows (``parameters`` a dict, stored as JSON); returns their ids."""
    ids = []
    for row in rows:
        values = [json.dumps(row.get("parameters") or {}, ensure_ascii=False, sort_keys=True)
                  if c == "parameters" else row.get(c) for c in AUDIT_COLUMNS]
        cur = rec.db.execute(
            f"INSERT INTO model_requests ({', '.join(AUDIT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})", values)
        ids.append(int(cur.lastrowid))
    if rows:
        rec.touched.tables.add("model_requests")  # so an open audit view refreshes
    return ids


def model_requests(q: Queries, *, engine: str | None = None, document_id: str | None = None,
                   last: int | None = None) -> list[dict[str, Any]]:
    """Audit rows, oldest first (``last``: only the newest N), ``parameters`` decoded and the
    document's title joined in (None once the document is deleted)."""
    where, params = [], []
    if engine is not None:
        where.append("r.engine = ?")
        params.append(engine)
    if document_id is not None:
        where.append("r.document_id = ?")
        params.append(document_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = (f"SELECT r.id, {', '.join('r.' + c for c in AUDIT_COLUMNS)}, d.title "
           f"FROM model_requests r LEFT JOIN documents d ON d.id = r.document_id {clause} "
           "ORDER BY r.id DESC")
    if last is not None:
        sql += " LIMIT ?"
        params.append(int(last))
    rows = [dict(r) for r in q.db.query(sql, params)]
    for r in rows:
        try:
            r["parameters"] = json.loads(r["parameters"] or "{}")
        except ValueError:
            r["parameters"] = {"unreadable": r["parameters"]}
    rows.reverse()
    return rows


def model_request_count(q: Queries) -> int:
    return q.db.execute("SELECT count(*) FROM model_requests").fetchone()[0]
