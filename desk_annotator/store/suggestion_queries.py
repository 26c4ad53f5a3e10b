"""Reads of model suggestions (schema migration 9); writes go through suggest/ops.py.

A suggestion is an annotation of a reserved model coder ("model:<engine>") plus a row in
``suggestions`` saying what became of it. Plain functions of a :class:`Queries`, so the
suggest package never touches SQL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from ..models import MODEL_CODER_PREFIX
from .queries import Queries, _chunks

_SUGGESTION_COLS = (
    "s.annotation_id, s.engine, s.status, s.probability, s.created, s.resolved, "
    "s.resolved_by, s.accepted_as, a.document_id, a.coder_id, a.start, a.[end], a.quote, "
    "a.stance_id, a.note")
DRY_RUN_META_PREFIX = "suggest.dry_run."
TEACHER_META_PREFIX = "suggest.teacher."


def _themes(q: Queries, ann_ids: list[str]) -> dict[str, list[str]]:
    themes: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(ann_ids):
        for ann_id, label_id in q.db.execute(
                "SELECT t.annotation_id, t.label_id FROM annotation_themes t "
                "JOIN labels l ON l.id = t.label_id "
                f"WHERE t.annotation_id IN ({','.join('?' * len(chunk))}) ORDER BY l.position",
                chunk):
            themes[ann_id].append(label_id)
    return themes


def _with_themes(q: Queries, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    themes = _themes(q, [r["annotation_id"] for r in rows])
    for r in rows:
        r["theme_ids"] = themes.get(r["annotation_id"], [])
    return rows


def suggestions(q: Queries, *, engine: str | None = None, status: str | None = "suggested",
                document_id: str | None = None, min_probability: float | None = None,
                ) -> list[dict[str, Any]]:
    """Suggestion rows (annotation fields joined in, ``theme_ids`` added), in document order,
    then by start. ``status`` None: every status."""
    where, params = [], []
    if engine is not None:
        where.append("s.engine = ?")
        params.append(engine)
    if status is not None:
        where.append("s.status = ?")
        params.append(status)
    if document_id is not None:
        where.append("a.document_id = ?")
        params.append(document_id)
    if min_probability is not None:
        where.append("s.probability >= ?")
        params.append(min_probability)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = [dict(r) for r in q.db.query(
        f"SELECT {_SUGGESTION_COLS} FROM suggestions s JOIN annotations a "
        f"ON a.id = s.annotation_id JOIN documents d ON d.id = a.document_id {clause} "
        "ORDER BY d.rowid, a.start, a.[end], s.annotation_id", params)]
    return _with_themes(q, rows)


def suggestion(q: Queries, annotation_id: str) -> dict[str, Any] | None:
    rows = [dict(r) for r in q.db.query(
        f"SELECT {_SUGGESTION_COLS} FROM suggestions s JOIN annotations a "
        "ON a.id = s.annotation_id WHERE s.annotation_id = ?", (annotation_id,))]
    return _with_themes(q, rows)[0] if rows else None


def open_suggestion_ids(q: Queries, engine: str, document_ids: list[str]) -> list[str]:
    """Ids of the engine's still-open ("suggested") suggestions in these documents."""
    found: list[str] = []
    for chunk in _chunks(list(document_ids)):
        found += [r[0] for r in q.db.execute(
            "SELECT s.annotation_id FROM suggestions s JOIN annotations a "
            "ON a.id = s.annotation_id WHERE s.engine = ? AND s.status = 'suggested' AND "
            f"a.document_id IN ({','.join('?' * len(chunk))})", [engine, *chunk])]
    return found


def rejected_keys(q: Queries, engine: str, document_ids: list[str]
                  ) -> set[tuple[str, int, int, str | None, tuple[str, ...]]]:
    """(document, start, end, stance, themes) of the engine's rejected suggestions: a new run
    does not propose what a person already turned down."""
    keys = set()
    for chunk in _chunks(list(document_ids)):
        rows = [dict(r) for r in q.db.query(
            "SELECT s.annotation_id, a.document_id, a.start, a.[end], a.stance_id "
            "FROM suggestions s JOIN annotations a ON a.id = s.annotation_id "
            "WHERE s.engine = ? AND s.status = 'rejected' AND "
            f"a.document_id IN ({','.join('?' * len(chunk))})", [engine, *chunk])]
        themes = _themes(q, [r["annotation_id"] for r in rows])
        keys |= {(r["document_id"], r["start"], r["end"], r["stance_id"],
                  tuple(sorted(themes.get(r["annotation_id"], [])))) for r in rows}
    return keys


def counts(q: Queries, engine: str | None = None) -> dict[str, int]:
    """Number of suggestions per status (every status present, 0 when none)."""
    out = {"suggested": 0, "accepted": 0, "rejected": 0}
    sql = "SELECT status, count(*) FROM suggestions"
    params: tuple[Any, ...] = ()
    if engine is not None:
        sql += " WHERE engine = ?"
        params = (engine,)
    for status, n in q.db.execute(sql + " GROUP BY status", params):
        out[status] = n
    return out


def engines(q: Queries) -> list[str]:
    """Engines that have suggestions, by name."""
    return [r[0] for r in q.db.execute("SELECT DISTINCT engine FROM suggestions ORDER BY engine")]


def model_coder_ids(q: Queries) -> dict[str, str]:
    """Model coders (name prefix ``model:``): id -> name."""
    return {r[0]: r[1] for r in q.db.execute(
        "SELECT id, name FROM coders WHERE substr(name, 1, ?) = ?",
        (len(MODEL_CODER_PREFIX), MODEL_CODER_PREFIX))}


def provenance(q: Queries, annotation_ids: list[str] | None = None) -> dict[str, str]:
    """Human annotation id -> "accepted from model:<engine>" for annotations that were
    accepted suggestions (all of them when ``annotation_ids`` is None)."""
    sql = ("SELECT s.accepted_as, c.name FROM suggestions s JOIN annotations a "
           "ON a.id = s.annotation_id JOIN coders c ON c.id = a.coder_id "
           "WHERE s.status = 'accepted' AND s.accepted_as IS NOT NULL")
    if annotation_ids is None:
        return {r[0]: f"accepted from {r[1]}" for r in q.db.execute(sql)}
    out: dict[str, str] = {}
    for chunk in _chunks(list(annotation_ids)):
        out.update({r[0]: f"accepted from {r[1]}" for r in q.db.execute(
            sql + f" AND s.accepted_as IN ({','.join('?' * len(chunk))})", chunk)})
    return out


def neighbour(q: Queries, annotation_id: str | None, *, forward: bool = True,
              engine: str | None = None) -> dict[str, Any] | None:
    """The open suggestion after (or before) ``annotation_id`` in document order, then start;
    the first (or last) one when ``annotation_id`` is None or no longer open. Wraps around."""
    rows = suggestions(q, engine=engine)
    if not rows:
        return None
    ids = [r["annotation_id"] for r in rows]
    if annotation_id not in ids:
        return rows[0] if forward else rows[-1]
    i = ids.index(annotation_id)
    return rows[(i + 1) % len(rows)] if forward else rows[(i - 1) % len(rows)]


def dry_run(q: Queries, engine: str) -> dict[str, Any] | None:
    """The latest recorded dry run of bulk acceptance for ``engine`` (threshold, precision,
    support, basis, time), or None."""
    raw = q.meta(DRY_RUN_META_PREFIX + engine)
    return json.loads(raw) if raw else None


def teacher(q: Queries, engine: str) -> str | None:
    """The coder name ``engine`` was last trained on (``suggest train``), or None."""
    return q.meta(TEACHER_META_PREFIX + engine)
