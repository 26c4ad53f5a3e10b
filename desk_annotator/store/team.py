"""Reads for the lead's workflow: assignments, per-coder progress and the dashboard matrix.

Every read joins ``documents`` and ``coders``, so assignment rows of a deleted document (they
stay behind so that undoing the deletion brings them back) are never counted.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils


class TeamQueries:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def assignment_rows(self, coder_id: str | None = None) -> list[dict[str, Any]]:
        """(document_id, coder_id, coder, overlap) of live documents and coders, by document id."""
        where = "WHERE a.coder_id = ?" if coder_id else ""
        return list(self.db.query(
            "SELECT a.document_id, a.coder_id, c.name AS coder, a.overlap FROM assignments a "
            "JOIN documents d ON d.id = a.document_id JOIN coders c ON c.id = a.coder_id "
            f"{where} ORDER BY a.document_id, c.name", (coder_id,) if coder_id else ()))

    def assignment_keys(self, document_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Every stored row (also of deleted documents) with all columns, for replacing them."""
        rows = list(self.db.query("SELECT * FROM assignments ORDER BY document_id, coder_id"))
        if document_ids is None:
            return rows
        wanted = set(document_ids)
        return [r for r in rows if r["document_id"] in wanted]

    def has_assignments(self) -> bool:
        return self.db.execute(
            "SELECT 1 FROM assignments a JOIN documents d ON d.id = a.document_id LIMIT 1"
        ).fetchone() is not None

    def assigned_document_ids(self, coder_id: str) -> list[str]:
        """The coder's assigned documents in corpus order."""
        return [r[0] for r in self.db.execute(
            "SELECT d.id FROM assignments a JOIN documents d ON d.id = a.document_id "
            "WHERE a.coder_id = ? ORDER BY d.rowid", (coder_id,))]

    def progress(self, coder_id: str) -> tuple[int, int]:
        """(assigned documents marked done, assigned documents) of one coder."""
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(s.status = 'done'), 0) FROM assignments a "
            "JOIN documents d ON d.id = a.document_id "
            "LEFT JOIN doc_status s ON s.document_id = a.document_id AND s.coder_id = a.coder_id "
            "WHERE a.coder_id = ?", (coder_id,)).fetchone()
        return int(row[1]), int(row[0])

    def matrix_cells(self) -> list[dict[str, Any]]:
        """One row per (document, coder) pair with anything to show: assigned, a status or
        annotations. Keys: document_id, coder_id, status (None if never set), annotations,
        last_change (ISO time of the latest annotation or status change, None if none),
        assigned (0/1), overlap (0/1)."""
        return list(self.db.query(
            """WITH pairs AS (
                   SELECT document_id, coder_id FROM assignments
                   UNION SELECT document_id, coder_id FROM doc_status
                   UNION SELECT DISTINCT document_id, coder_id FROM annotations),
               counts AS (
                   SELECT document_id, coder_id, count(*) AS n, max(updated) AS last
                   FROM annotations GROUP BY document_id, coder_id)
               SELECT p.document_id, p.coder_id, s.status,
                      coalesce(n.n, 0) AS annotations,
                      CASE WHEN s.updated IS NULL THEN n.last
                           WHEN n.last IS NULL OR s.updated > n.last THEN s.updated
                           ELSE n.last END AS last_change,
                      (a.coder_id IS NOT NULL) AS assigned, coalesce(a.overlap, 0) AS overlap
               FROM pairs p
               JOIN documents d ON d.id = p.document_id
               JOIN coders c ON c.id = p.coder_id
               LEFT JOIN doc_status s ON s.document_id = p.document_id AND s.coder_id = p.coder_id
               LEFT JOIN counts n ON n.document_id = p.document_id AND n.coder_id = p.coder_id
               LEFT JOIN assignments a ON a.document_id = p.document_id
                                      AND a.coder_id = p.coder_id
               ORDER BY d.rowid, c.name"""))
