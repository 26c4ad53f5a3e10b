"""Aggregate reads for the frequency and crosstab tables (desk_annotator/analysis/tables.py).

Everything is grouped inside SQLite so a million annotations never cross into Python row by
row. A *labelled passage* is one (annotation, label) pair: an annotation's stance, or one of its
themes. Document variables are read from the built-in metadata columns; derived ones (month,
year) are taken from an ISO date's first characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import sqlite_utils

# Document variable -> SQL expression over ``d`` (documents). NULL = missing value.
_ISO_MONTH = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]*'"
_ISO_YEAR = "'[0-9][0-9][0-9][0-9]*'"
VARIABLES: dict[str, str] = {
    "outlet": "nullif(trim(d.outlet), '')",
    "author": "nullif(trim(d.author), '')",
    "language": "nullif(trim(json_extract(d.extra_metadata, '$.language')), '')",
    "date": "nullif(trim(d.date), '')",
    "month": f"CASE WHEN trim(d.date) GLOB {_ISO_MONTH} THEN substr(trim(d.date), 1, 7) END",
    "year": f"CASE WHEN trim(d.date) GLOB {_ISO_YEAR} THEN substr(trim(d.date), 1, 4) END",
}


def _label_source(scheme: str) -> str:
    """(annotation id, coder, document, label, length) for every labelled passage of a scheme."""
    if scheme == "stance":
        return ("SELECT a.id AS annotation_id, a.coder_id, a.document_id, a.stance_id AS label_id,"
                " a.[end] - a.start AS len FROM annotations a WHERE a.stance_id IS NOT NULL")
    return ("SELECT a.id AS annotation_id, a.coder_id, a.document_id, t.label_id,"
            " a.[end] - a.start AS len FROM annotation_themes t"
            " JOIN annotations a ON a.id = t.annotation_id")


# The variables VARIABLES cuts from the trimmed date -> (the GLOB test as a pattern the date
# must start with, how many characters to keep); the others are read by document_values,
# one with a cheaper SQL that gives the same value as VARIABLES'.
_DATE_PARTS = {"month": (re.compile("[0-9]{4}-[0-9]{2}"), 7),
               "year": (re.compile("[0-9]{4}"), 4)}
STORED_VARIABLES = tuple(name for name in VARIABLES if name not in _DATE_PARTS)
_DOCUMENT_SQL = {"language": f"CASE WHEN d.extra_metadata = '{{}}' THEN NULL ELSE "
                             f"{VARIABLES['language']} END"}


def date_parts(name: str, dates: list[str | None]) -> list[str | None] | None:
    """VARIABLES' ``name`` (month or year) of documents whose "date" values are ``dates``;
    None when ``name`` is not cut from the date."""
    if name not in _DATE_PARTS:
        return None
    pattern, keep = _DATE_PARTS[name]
    return [d[:keep] if d is not None and pattern.match(d) else None for d in dates]


def _coder_filter(coder_ids: list[str] | None, column: str = "u.coder_id") -> tuple[str, list[Any]]:
    if coder_ids is None:
        return "", []
    return f" WHERE {column} IN ({','.join('?' * len(coder_ids))})", list(coder_ids)


DOCUMENT_SEPARATOR = "\x1f"  # char(31), the unit separator: not in any id we write


def _variable(name: str) -> str:
    try:
        return VARIABLES[name]
    except KeyError:
        raise ValueError(f"unknown document variable {name!r}") from None


class TableQueries:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _tuples(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def label_frequencies(self, scheme: str, coder_ids: list[str] | None,
                          by: str | None = None) -> list[tuple[Any, ...]]:
        """(coder id, group, label id, passages, characters, documents) per coder and label,
        grouped further by ``by``: None (group is None), "document" (its id) or a variable
        (its value, None when missing). characters = the sum of the passages' lengths."""
        where, params = _coder_filter(coder_ids)
        if by is None:
            group, join = "NULL", ""
        elif by == "document":
            group, join = "u.document_id", ""
        else:
            group, join = _variable(by), " JOIN documents d ON d.id = u.document_id"
        sql = (f"SELECT u.coder_id, {group} AS grp, u.label_id, count(*), sum(u.len), "
               f"count(DISTINCT u.document_id) FROM ({_label_source(scheme)}) u{join}{where} "
               "GROUP BY u.coder_id, grp, u.label_id")
        return self._tuples(sql, params)

    def label_by_variable(self, scheme: str, variable: str, coder_ids: list[str] | None,
                          documents: bool) -> list[tuple[Any, ...]]:
        """(label id, variable value, count): labelled passages, or documents with at least
        one such passage when ``documents``."""
        where, params = _coder_filter(coder_ids)
        count = "count(DISTINCT u.document_id)" if documents else "count(*)"
        sql = (f"SELECT u.label_id, {_variable(variable)} AS value, {count} "
               f"FROM ({_label_source(scheme)}) u JOIN documents d ON d.id = u.document_id"
               f"{where} GROUP BY u.label_id, value")
        return self._tuples(sql, params)

    def stance_by_theme(self, coder_ids: list[str] | None,
                        documents: bool) -> list[tuple[Any, ...]]:
        """(stance id, theme id, count) over passages that carry both (or their documents)."""
        where, params = _coder_filter(coder_ids, "a.coder_id")
        count = "count(DISTINCT a.document_id)" if documents else "count(*)"
        cond = " AND a.stance_id IS NOT NULL" if where else " WHERE a.stance_id IS NOT NULL"
        sql = (f"SELECT a.stance_id, t.label_id, {count} FROM annotation_themes t "
               f"JOIN annotations a ON a.id = t.annotation_id{where}{cond} "
               "GROUP BY a.stance_id, t.label_id")
        return self._tuples(sql, params)

    def stance_timeline(self, coder_ids: list[str] | None,
                        documents: bool) -> list[tuple[Any, ...]]:
        """(outlet, month, stance id, count) over stance passages (or their documents)."""
        where, params = _coder_filter(coder_ids)
        count = "count(DISTINCT u.document_id)" if documents else "count(*)"
        sql = (f"SELECT {VARIABLES['outlet']} AS outlet, {VARIABLES['month']} AS month, "
               f"u.label_id, {count} FROM ({_label_source('stance')}) u "
               f"JOIN documents d ON d.id = u.document_id{where} "
               "GROUP BY outlet, month, u.label_id")
        return self._tuples(sql, params)

    def theme_pairs_in_passages(self, coder_ids: list[str] | None) -> list[tuple[Any, ...]]:
        """(theme a, theme b, passages) for every ordered pair a != b on one annotation."""
        where, params = _coder_filter(coder_ids, "a.coder_id")
        sql = ("SELECT t1.label_id, t2.label_id, count(*) FROM annotation_themes t1 "
               "JOIN annotation_themes t2 ON t2.annotation_id = t1.annotation_id "
               "AND t2.label_id != t1.label_id JOIN annotations a ON a.id = t1.annotation_id"
               f"{where} GROUP BY t1.label_id, t2.label_id")
        return self._tuples(sql, params)

    def themed_passages(self, coder_ids: list[str] | None
                        ) -> Iterator[tuple[str, str, int, int, str, str]]:
        """(document, coder, start, end, annotation id, theme id) for every theme of every
        passage, ordered by document, coder, start: what overlap clusters are built from."""
        where, params = _coder_filter(coder_ids, "a.coder_id")
        yield from self.db.execute(
            "SELECT a.document_id, a.coder_id, a.start, a.[end], a.id, t.label_id "
            "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id"
            f"{where} ORDER BY a.document_id, a.coder_id, a.start, a.[end], a.id", params)

    # -- compact arrays for analysis/table_facts.py ----------------------------------------
    def document_values(self) -> list[tuple[Any, ...]]:
        """(rowid, id, title, then the value of every STORED_VARIABLES entry) per document,
        in list order: the values VARIABLES' expressions give. Month and year are not read:
        :func:`date_parts` cuts them from the date when a table asks for them. The language
        is looked up only in metadata that is not empty. Each expression per document was
        half of this read, which every table of a fresh process waits for."""
        exprs = ", ".join(_DOCUMENT_SQL.get(name, VARIABLES[name]) for name in STORED_VARIABLES)
        return self._tuples(f"SELECT d.rowid, d.id, d.title, {exprs} FROM documents d "
                            "ORDER BY d.rowid", [])

    def rowid_keys(self, table: str) -> list[tuple[int, str]]:
        """(rowid, id) of every row of ``coders`` or ``labels``."""
        if table not in ("coders", "labels"):
            raise ValueError(table)
        return self._tuples(f"SELECT rowid, id FROM {table}", [])

    def annotation_arrays(self) -> dict[str, np.ndarray]:
        """Every annotation as int64 arrays of rowids: ``annotation``, ``document``, ``coder``,
        ``stance`` (0 for none), ``length``. Each column comes back as one comma-joined string
        (group_concat) parsed by numpy, so a million rows never become Python tuples (what
        made the first version of these tables take seconds). Coder, stance and length
        travel packed in one number, the coder and stance rowids found by a CASE over the
        few coders and labels rather than a lookup per row: each column and each lookup is
        a sizeable part of the scan."""
        coders = self._tuples("SELECT id, rowid FROM coders", [])
        labels = self._tuples("SELECT id, rowid FROM labels", [])
        span = max([r[1] for r in labels], default=0) + 1

        def case(column: str, rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
            if not rows:
                return "0", []
            whens = " ".join(f"WHEN ? THEN {int(rowid)}" for _, rowid in rows)
            return f"(CASE {column} {whens} ELSE 0 END)", [r[0] for r in rows]

        coder_sql, coder_params = case("a.coder_id", coders)
        stance_sql, stance_params = case("a.stance_id", labels)
        row = self.db.execute(
            "SELECT group_concat(a.rowid), group_concat(d.rowid), "
            f"group_concat(({coder_sql} * {span} + {stance_sql}) * {1 << 32} "
            "+ (a.[end] - a.start)) "
            "FROM annotations a JOIN documents d ON d.id = a.document_id",
            coder_params + stance_params).fetchone()
        out = _arrays(("annotation", "document", "packed"), row)
        packed = out.pop("packed")
        out["length"] = packed & ((1 << 32) - 1)
        both = packed >> 32
        out["coder"], out["stance"] = both // span, both % span
        return out

    def label_count_groups(self, scheme: str, *, characters: bool = True
                           ) -> list[tuple[Any, ...]]:
        """The trigger-kept counts (store/label_summaries.py) of a scheme, one row per (coder,
        label): coder id, label id, how many documents, then the documents' ids joined by
        ``DOCUMENT_SEPARATOR`` (UTF-8 bytes), and their passages and characters comma-joined, in the same
        order. Streamed in the table's key order (no sort, no lookup per row): a few dozen
        rows carry the few hundred thousand counts that stand for a million annotations.
        The separator is written into the SQL as a literal: SQLite then takes it once, where
        char(31) (or a bound parameter) is evaluated again for each of those counts, a third
        of this read. characters=False: None in their place (a crosstab does not show them)."""
        chars = "group_concat(characters)" if characters else "NULL"
        return self._tuples(
            "SELECT coder_id, label_id, count(*), "
            f"CAST(group_concat(document_id, '{DOCUMENT_SEPARATOR}') AS BLOB), "
            f"group_concat(passages), {chars} FROM label_counts "
            "WHERE kind = ? GROUP BY coder_id, label_id",
            ["s" if scheme == "stance" else "t"])

    def label_totals(self, scheme: str) -> list[tuple[Any, ...]]:
        """(coder id, label id, passages, characters, documents) per coder and label of a
        scheme, as the triggers keep them (store/label_summaries.py): a few dozen rows."""
        return self._tuples("SELECT coder_id, label_id, passages, characters, documents "
                            "FROM label_totals WHERE kind = ?",
                            ["s" if scheme == "stance" else "t"])

    def theme_arrays(self) -> dict[str, np.ndarray]:
        """Every (annotation, theme) pair: ``theme_annotation`` (annotation rowid), ``theme``
        (label rowid). A read of its own: tables of the stance alone never need it."""
        row = self.db.execute(
            "SELECT group_concat(a.rowid), group_concat(l.rowid) FROM annotation_themes t "
            "JOIN annotations a ON a.id = t.annotation_id JOIN labels l ON l.id = t.label_id"
        ).fetchone()
        return _arrays(("theme_annotation", "theme"), row)


def _arrays(names: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, np.ndarray]:
    return {name: (np.fromstring(text, sep=",", dtype=np.int64) if text
                   else np.zeros(0, dtype=np.int64)) for name, text in zip(names, row)}
