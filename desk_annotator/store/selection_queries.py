"""The REFI-QDA export's read of annotations: plain tuples, no model per row (issue 14).

A ``.qdpx`` export writes of an annotation its id, coder, span, labels, note and stamps; never
its quote (a selection is its offsets). Reading those columns as tuples takes a tenth of the
time of building an ``Annotation`` model per row (``Queries.annotations``), which was half of
a 100,000-annotation export. The order is the one ``Queries.annotations`` gives, so the export
writes the same bytes either way (tests compare the two).
"""

from __future__ import annotations

import operator
from collections.abc import Collection

from .queries import Queries

# document_id, id, coder_id, start, end, stance_id, note, created, updated (NULL: the same as
# created, one string fewer per never-edited annotation). In table order, sorted in Python
# into the order of Queries.annotations: a scan reads the table's pages in turn, where the
# index order looked every row up in the table (a fifth of the read). Python orders these
# strings as SQLite's BINARY collation does (code points, as UTF-8 bytes compare).
_ROWS_SQL = """
    SELECT document_id, id, coder_id, start, [end], stance_id, note, created,
           CASE WHEN updated = created THEN NULL ELSE updated END
      FROM annotations"""
_ORDER = operator.itemgetter(0, 3, 4, 7, 1)  # document_id, start, end, created, id
# Theme label ids in label order, as Queries.annotations lists them.
_THEMES_SQL = """
    SELECT t.annotation_id, t.label_id FROM annotation_themes t
      JOIN labels l ON l.id = t.label_id
     ORDER BY l.position"""

# One annotation: (id, coder_id, start, end, stance_id, note, created, updated, theme ids).
Row = tuple[str, str, int, int, str | None, str | None, str, str, tuple[str, ...]]


def selection_rows(q: Queries, coder_ids: Collection[str], document_ids: Collection[str]
                   ) -> dict[str, list[Row]]:
    """The annotations of these coders in these documents, by document id, each document's in
    the order of ``Queries.annotations``. Call it inside the read transaction of the rest of
    the export."""
    themes: dict[str, list[str]] = {}
    for ann_id, label_id in q.db.execute(_THEMES_SQL):
        found = themes.get(ann_id)
        if found is None:
            themes[ann_id] = [label_id]
        else:
            found.append(label_id)
    coders = set(coder_ids)
    docs = set(document_ids)
    by_doc: dict[str, list[Row]] = {}
    no_themes: tuple[str, ...] = ()
    current_doc = None
    current: list[Row] = []
    rows = q.db.execute(_ROWS_SQL).fetchall()
    rows.sort(key=_ORDER)
    for doc_id, ann_id, coder_id, start, end, stance_id, note, created, updated in rows:
        if coder_id not in coders:
            continue
        if doc_id != current_doc:
            if doc_id not in docs:
                continue
            current_doc = doc_id
            current = by_doc.setdefault(doc_id, [])
        theme_ids = themes.get(ann_id)
        current.append((ann_id, coder_id, start, end, stance_id, note, created,
                        created if updated is None else updated,
                        tuple(theme_ids) if theme_ids else no_themes))
    return by_doc
