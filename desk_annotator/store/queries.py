"""Read-side queries: every SELECT the program makes lives here (and in changes.py)."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from ..models import (
    METADATA_KEYS,
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    DocumentInfo,
    Label,
)

_DOC_INFO_COLS = "id, title, sha256, length, author, outlet, date, url, source_file, extra_metadata"
_ANN_COLS = "id, document_id, coder_id, start, [end], quote, stance_id, note, created, updated"


def _chunks(items: list[Any], size: int = 900) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Queries:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, tuple(params)))

    def _dicts(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """_rows for tens of thousands of rows: one list comprehension over fetchall (the
        generator of sqlite-utils' query costs twice as much per row at start-up)."""
        cur = self.db.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    # -- meta ----------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    # -- coders --------------------------------------------------------------------------
    def coders(self) -> list[Coder]:
        return [Coder(id=r["id"], name=r["name"])
                for r in self._rows("SELECT id, name FROM coders ORDER BY name")]

    def coder(self, coder_id: str) -> Coder | None:
        rows = self._rows("SELECT id, name FROM coders WHERE id = ?", (coder_id,))
        return Coder(**rows[0]) if rows else None

    def coder_by_name(self, name: str) -> Coder | None:
        rows = self._rows("SELECT id, name FROM coders WHERE name = ?", (name,))
        return Coder(**rows[0]) if rows else None

    # -- codebook ------------------------------------------------------------------------
    def labels(self) -> list[Label]:
        return [
            Label(id=r["id"], scheme=r["scheme"], name=r["name"], color=r["color"],
                  description=r["description"], key=r["key"], order=r["position"])
            for r in self._rows("SELECT * FROM labels ORDER BY scheme, position, name")
        ]

    def codebook(self) -> Codebook:
        return Codebook(name=self.meta("codebook_name", "Codebook") or "Codebook",
                        labels=self.labels(),
                        ordered_stance=self.meta("stance_ordered") == "1")

    def label(self, label_id: str) -> Label | None:
        return next((lb for lb in self.labels() if lb.id == label_id), None)

    def label_usage(self, label_id: str) -> int:
        """How many annotations use the label (as stance or theme)."""
        return self.db.execute(
            "SELECT (SELECT count(*) FROM annotations WHERE stance_id = ?)"
            " + (SELECT count(*) FROM annotation_themes WHERE label_id = ?)",
            (label_id, label_id),
        ).fetchone()[0]

    def annotation_ids_with_label(self, label_id: str) -> tuple[list[str], list[str]]:
        """(annotations with it as stance, annotations with it as theme)."""
        stance = [r[0] for r in self.db.execute(
            "SELECT id FROM annotations WHERE stance_id = ?", (label_id,))]
        themes = [r[0] for r in self.db.execute(
            "SELECT annotation_id FROM annotation_themes WHERE label_id = ?", (label_id,))]
        return stance, themes

    # -- documents -----------------------------------------------------------------------
    @staticmethod
    def _metadata(row: dict[str, Any]) -> dict[str, str | None]:
        meta: dict[str, str | None] = {k: row[k] for k in METADATA_KEYS if row.get(k) is not None}
        meta.update(json.loads(row.get("extra_metadata") or "{}"))
        return meta

    def document_infos(self, ids: list[str] | None = None) -> list[DocumentInfo]:
        if ids is None:
            rows = self._rows(f"SELECT {_DOC_INFO_COLS} FROM documents ORDER BY rowid")
        else:
            rows = []
            for chunk in _chunks(ids):
                rows += self._rows(f"SELECT {_DOC_INFO_COLS} FROM documents WHERE id IN "
                                   f"({','.join('?' * len(chunk))}) ORDER BY rowid", chunk)
        return [DocumentInfo(id=r["id"], title=r["title"], sha256=r["sha256"], length=r["length"],
                             metadata=self._metadata(r)) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        rows = self._rows(f"SELECT {_DOC_INFO_COLS}, text FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            return None
        r = rows[0]
        return Document(id=r["id"], title=r["title"], text=r["text"], sha256=r["sha256"],
                        metadata=self._metadata(r))

    def iter_documents(self, ids: list[str] | None = None) -> Iterator[Document]:
        for info in self.document_infos(ids):
            doc = self.document(info.id)
            if doc is not None:
                yield doc

    def document_length(self, doc_id: str) -> int | None:
        row = self.db.execute("SELECT length FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def document_slice(self, doc_id: str, start: int, end: int) -> tuple[str, int, str] | None:
        """(title, length, text[start:end]) without loading the whole text."""
        row = self.db.execute(
            "SELECT title, length, substr(text, ?, ?) FROM documents WHERE id = ?",
            (start + 1, max(0, end - start), doc_id)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def document_ids_by_sha(self, shas: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(shas):
            for r in self.db.execute(
                f"SELECT sha256, id FROM documents WHERE sha256 IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found[r[0]] = r[1]
        return found

    def document_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def corpus_rows(self, coder_id: str | None) -> list[dict[str, Any]]:
        """One row per document for the corpus list: metadata, my status, my annotation count."""
        return self._dicts(
            """SELECT d.id, d.title, d.author, d.outlet, d.date, d.url, d.length,
                      coalesce(s.status, 'todo') AS status,
                      -- the trigger-kept summary (store/summaries.py): no annotation is read
                      coalesce(n.annotations, 0) AS annotations
               FROM documents d
               LEFT JOIN doc_status s ON s.document_id = d.id AND s.coder_id = :coder
               LEFT JOIN annotation_counts n ON n.document_id = d.id AND n.coder_id = :coder
               -- "+": sort the rows of the covering idx_documents_list instead of walking
               -- the table in rowid order, which would read every text's pages
               ORDER BY +d.rowid""",
            {"coder": coder_id or ""},
        )

    # -- annotations ---------------------------------------------------------------------
    def _theme_ids(self, ann_ids: list[str]) -> dict[str, list[str]]:
        themes: dict[str, list[str]] = defaultdict(list)
        for chunk in _chunks(ann_ids):
            for ann_id, label_id in self.db.execute(
                "SELECT t.annotation_id, t.label_id FROM annotation_themes t "
                "JOIN labels l ON l.id = t.label_id "
                f"WHERE t.annotation_id IN ({','.join('?' * len(chunk))}) ORDER BY l.position",
                chunk,
            ):
                themes[ann_id].append(label_id)
        return themes

    def _with_themes(self, rows: list[dict[str, Any]]) -> list[Annotation]:
        themes = self._theme_ids([r["id"] for r in rows])
        return [Annotation.model_construct(**r, theme_ids=themes.get(r["id"], [])) for r in rows]

    def document_annotation_count(self, document_id: str) -> int:
        """Every coder's annotations on the document (counted in idx_annotations_document)."""
        return self.db.execute("SELECT count(*) FROM annotations WHERE document_id = ?",
                               (document_id,)).fetchone()[0]

    def annotation_count_in(self, document_ids: list[str]) -> int:
        """Every coder's annotations on these documents."""
        ids = list(dict.fromkeys(document_ids))
        return sum(self.db.execute(
            f"SELECT count(*) FROM annotations WHERE document_id IN "
            f"({','.join('?' * len(ids[i:i + 500]))})", ids[i:i + 500]).fetchone()[0]
            for i in range(0, len(ids), 500))

    def annotations(self, document_id: str | None = None,
                    coder_ids: list[str] | None = None) -> list[Annotation]:
        where, params = [], []
        if document_id is not None:
            where.append("document_id = ?")
            params.append(document_id)
        if coder_ids is not None:
            where.append(f"coder_id IN ({','.join('?' * len(coder_ids))})")
            params += coder_ids
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        # The id last: spans of one extent and stamp come in one order whatever plan SQLite
        # picks (the agreement's stance tie-break follows it; store.agreement_queries too).
        rows = self._rows(f"SELECT {_ANN_COLS} FROM annotations {clause} "
                          "ORDER BY document_id, start, [end], created, id", params)
        return self._with_themes(rows)

    def annotation(self, ann_id: str) -> Annotation | None:
        rows = self._rows(f"SELECT {_ANN_COLS} FROM annotations WHERE id = ?", (ann_id,))
        return self._with_themes(rows)[0] if rows else None

    def existing_annotation_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(ids):
            found.update(r[0] for r in self.db.execute(
                f"SELECT id FROM annotations WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def iter_annotations_by_document(self, document_ids: list[str] | None = None
                                     ) -> Iterator[tuple[str, list[Annotation]]]:
        """(document id, its annotations) for every document, in document order, streaming."""
        for info in self.document_infos(document_ids):
            yield info.id, self.annotations(info.id)

    def annotation_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM annotations").fetchone()[0]

    def bad_quotes(self, limit: int = 20) -> list[tuple[str, str]]:
        """Annotations whose quote is not their text slice (the integrity check on open)."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT a.id, d.title FROM annotations a JOIN documents d ON d.id = a.document_id "
            "WHERE a.[end] > d.length OR substr(d.text, a.start + 1, a.[end] - a.start) != a.quote "
            "LIMIT ?", (limit,))]

    # -- statuses ------------------------------------------------------------------------
    def statuses(self, document_id: str | None = None) -> list[DocStatus]:
        sql = "SELECT document_id, coder_id, status, updated FROM doc_status"
        rows = self._rows(sql + (" WHERE document_id = ?" if document_id else ""),
                          (document_id,) if document_id else ())
        return [DocStatus(**r) for r in rows]

    def status(self, document_id: str, coder_id: str) -> str | None:
        row = self.db.execute("SELECT status FROM doc_status WHERE document_id = ? AND coder_id = ?",
                              (document_id, coder_id)).fetchone()
        return row[0] if row else None

    # -- statistics ----------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        # From the trigger-kept summary (store/summaries.py): one row per (document, coder)
        # with annotations, so a coder's documents annotated is its row count.
        per_coder = self._rows(
            "SELECT c.name AS coder, coalesce(sum(n.annotations), 0) AS annotations, "
            "count(n.document_id) AS documents_annotated, "
            "(SELECT count(*) FROM doc_status s WHERE s.coder_id = c.id AND s.status = 'done') "
            "AS documents_done "
            "FROM coders c LEFT JOIN annotation_counts n ON n.coder_id = c.id "
            "GROUP BY c.id ORDER BY c.name")
        # Grouped before the join; the coder of a theme's annotation from annotation_owners
        # (small rows) rather than the annotation row with its quote.
        per_label = self._rows(
            "SELECT l.scheme, l.name, c.name AS coder, sum(u.n) AS n FROM ("
            "  SELECT stance_id AS label_id, coder_id, count(*) AS n FROM annotations"
            "  WHERE stance_id IS NOT NULL GROUP BY coder_id, stance_id"
            "  UNION ALL SELECT t.label_id, o.coder_id, count(*) FROM annotation_themes t"
            "  JOIN annotation_owners o ON o.annotation_id = t.annotation_id"
            "  GROUP BY t.label_id, o.coder_id) u "
            "JOIN labels l ON l.id = u.label_id JOIN coders c ON c.id = u.coder_id "
            "GROUP BY l.id, c.id ORDER BY l.scheme, l.position, c.name")
        return {
            "documents": self.document_count(),
            "characters": self.db.execute("SELECT coalesce(sum(length), 0) FROM documents").fetchone()[0],
            "coders": len(self.coders()),
            "annotations": self.db.execute("SELECT coalesce(sum(annotations), 0) "
                                           "FROM annotation_counts").fetchone()[0],
            "per_coder": per_coder,
            "per_label": per_label,
            # Which desk-annotator made the file and which last opened it for writing (meta
            # keys written by store.db.record_program_version; None in older files).
            "created_by_version": self.meta("created_by_version"),
            "last_written_by_version": self.meta("last_written_by_version"),
        }

    # -- history -------------------------------------------------------------------------
    def history(self, limit: int = 200) -> list[dict[str, Any]]:
        return self._rows(
            # size: the packed change log's bytes, what stepping the entry costs (the window
            # steps a big one, such as an import, in a worker thread)
            "SELECT h.id, h.time, h.kind, h.description, h.undone, c.name AS coder, "
            "length(h.changes) AS size "
            "FROM history h LEFT JOIN coders c ON c.id = h.coder_id ORDER BY h.id DESC LIMIT ?",
            (limit,))

    # -- reads for the GUI ---------------------------------------------------------------
    def corpus_order(self) -> list[str]:
        """Every document id in the corpus list's order (import order, i.e. rowid), from the
        id index alone: the lazy list knows its rows before it reads any of them."""
        # No ORDER BY: SQLite would then walk the table (every text's pages) or sort in a
        # temporary b-tree; the covering id index and a sort of integers here cost less.
        pairs = self.db.execute("SELECT rowid, id FROM documents").fetchall()
        pairs.sort()
        return [doc_id for _rowid, doc_id in pairs]

    _CORPUS_ROW_SQL = """SELECT d.id, d.title, d.author, d.outlet, d.date, d.url, d.length,
                  coalesce(s.status, 'todo') AS status,
                  coalesce(n.annotations, 0) AS annotations
           FROM documents d {indexed}
           LEFT JOIN doc_status s ON s.document_id = d.id AND s.coder_id = ?
           LEFT JOIN annotation_counts n ON n.document_id = d.id AND n.coder_id = ?
           WHERE d.id IN ({marks})"""

    def corpus_rows_for(self, coder_id: str | None, document_ids: list[str]) -> list[dict[str, Any]]:
        """corpus_rows() restricted to some documents (in no particular order): the lazy
        corpus list's pages and the rows an operation touched."""
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(list(document_ids)):
            params = [coder_id or "", coder_id or "", *chunk]
            marks = ",".join("?" * len(chunk))
            try:  # the covering index: the id's own index would read the row, text and all
                rows += self._dicts(self._CORPUS_ROW_SQL.format(
                    indexed="INDEXED BY idx_documents_list", marks=marks), params)
            except sqlite3.OperationalError:  # another program dropped it (check repairs)
                rows += self._dicts(self._CORPUS_ROW_SQL.format(indexed="", marks=marks),
                                    params)
        return rows

    def done_count(self, coder_id: str | None) -> int:
        """How many documents this coder marked done (the status bar's progress)."""
        return self.db.execute(
            "SELECT count(*) FROM doc_status s WHERE s.coder_id = ? AND s.status = 'done' "
            "AND EXISTS (SELECT 1 FROM documents d WHERE d.id = s.document_id)",
            (coder_id or "",)).fetchone()[0]

    @staticmethod
    def _annotation_filter(coder_ids: list[str] | None, stance_id: str | None,
                           theme_id: str | None, use_indexes: bool = True,
                           ) -> tuple[list[str], list[Any]]:
        """WHERE terms (over ``a`` = annotations) for the corpus-wide annotation list.

        use_indexes=False writes the terms so SQLite checks them row by row (unary ``+``,
        correlated EXISTS) instead of driving the query from the coder/stance/theme indexes:
        paging in corpus order must walk documents first, or every page sorts every match.
        """
        plus = "" if use_indexes else "+"
        where: list[str] = []
        params: list[Any] = []
        if coder_ids is not None:
            where.append(f"{plus}a.coder_id IN ({','.join('?' * len(coder_ids))})")
            params += coder_ids
        if stance_id is not None:
            where.append(f"{plus}a.stance_id = ?")
            params.append(stance_id)
        if theme_id is not None:
            where.append(
                "a.id IN (SELECT annotation_id FROM annotation_themes WHERE label_id = ?)"
                if use_indexes else "EXISTS (SELECT 1 FROM annotation_themes t "
                "WHERE t.annotation_id = a.id AND t.label_id = ?)")
            params.append(theme_id)
        return where, params

    def annotation_total(self, *, coder_ids: list[str] | None = None,
                         stance_id: str | None = None, theme_id: str | None = None) -> int:
        """How many annotations the corpus-wide list holds under these filters
        (coder_ids None = every coder, [] = none)."""
        if coder_ids == []:
            return 0
        where, params = self._annotation_filter(coder_ids, stance_id, theme_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.db.execute(f"SELECT count(*) FROM annotations a {clause}",
                               params).fetchone()[0]

    def annotation_page(self, after: tuple[int, int, int, int] | None, limit: int, *,
                        coder_ids: list[str] | None = None, stance_id: str | None = None,
                        theme_id: str | None = None, descending: bool = False,
                        few_matches: bool = False,
                        ) -> tuple[list[Annotation], tuple[int, int, int, int] | None]:
        """One page of the corpus-wide annotation list in corpus order (document import order,
        then start, end), and the key to pass as ``after`` for the next page (None: no more).

        Keyset paging, not OFFSET: a page deep in a million annotations costs what the first
        one does, and annotations added meanwhile never shift later pages. few_matches=True
        (the caller knows from annotation_total that only a few thousand match) finds them
        through the filter indexes and sorts them, instead of walking the whole corpus.
        """
        if coder_ids == [] or limit <= 0:
            return [], None
        where, params = self._annotation_filter(coder_ids, stance_id, theme_id,
                                                use_indexes=few_matches)
        return self.keyset_page(where, params, after, limit, descending=descending,
                                few_matches=few_matches)

    def keyset_page(self, where: list[str], params: list[Any],
                    after: tuple[int, int, int, int] | None, limit: int, *,
                    descending: bool = False, few_matches: bool = False,
                    ) -> tuple[list[Annotation], tuple[int, int, int, int] | None]:
        """The keyset-paged fetch behind annotation_page and the Retrieve window's segment
        pages: annotations ``a`` joined to documents ``d`` under ``where``, in corpus order
        (document rowid, start, end, annotation rowid) from just past ``after``."""
        if after is not None:
            cmp = "<" if descending else ">"
            # The first term bounds the outer loop over documents (uses their rowid).
            where = [f"d.rowid {cmp}= ? AND (d.rowid {cmp} ? OR "
                     f"(a.start, a.[end], a.rowid) {cmp} (?, ?, ?))", *where]
            params = [after[0], after[0], after[1], after[2], after[3], *params]
        direction = "DESC" if descending else "ASC"
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        # CROSS JOIN keeps documents as the outer loop, so rows stream out in corpus order
        # instead of a sort over every matching annotation.
        join = "JOIN" if few_matches else "CROSS JOIN"
        cur = self.db.execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _ANN_COLS.split(','))}, "
            "d.rowid AS doc_rowid, a.rowid AS ann_rowid "
            f"FROM documents d {join} annotations a ON a.document_id = d.id {clause} "
            f"ORDER BY d.rowid {direction}, a.start {direction}, a.[end] {direction}, "
            f"a.rowid {direction} LIMIT ?", [*params, limit])
        cols = [c[0] for c in cur.description]
        rows = [dict(zip(cols, r)) for r in cur]
        if not rows:
            return [], None
        last = rows[-1]
        key = (last["doc_rowid"], last["start"], last["end"], last["ann_rowid"])
        for r in rows:
            del r["doc_rowid"], r["ann_rowid"]
        return self._with_themes(rows), (key if len(rows) == limit else None)
