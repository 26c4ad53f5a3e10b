"""Per (document, coder, label) passage counts and characters, kept right by triggers: what the
frequency and crosstab tables read instead of a million annotations (issue 12).

- ``label_counts(kind, document_id, coder_id, label_id, passages, characters)``: kind 's' for
  an annotation's stance, 't' for one of its themes; characters = the sum of the passages'
  lengths (end - start). A theme counts when its annotation row exists (an inner join).
- ``label_owners(annotation_id, kind, label_id, document_id, coder_id, length)``: what each
  annotation put into label_counts, so every trigger can take exactly that out again.

Every trigger recomputes the annotations it touches from what the tables hold *now*: take the
annotation's recorded share out (``_LEAVE``), then put its current share in (``_ENTER``). That
one rule is right whatever order a writer uses: themes before or after their annotation,
``INSERT OR REPLACE`` (whose silent delete fires no trigger), a foreign-key cascade (its child
deletes run after the parent row is gone, before the parent's AFTER DELETE trigger), a changed
id. Triggers fire for every program that writes the file (the sqlite3 shell, sqlite-utils, a
script), so the counts hold for them too. As in store/summaries.py, bodies use plain INSERT
guarded by NOT EXISTS: an outer statement's conflict clause would override the trigger's own.
"""

from __future__ import annotations

import sqlite_utils

LABEL_SUMMARY_TABLES = ("label_counts", "label_totals", "label_owners")

_TABLES = (
    """CREATE TABLE IF NOT EXISTS label_counts (
        kind TEXT NOT NULL,
        document_id TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        label_id TEXT NOT NULL,
        passages INTEGER NOT NULL,
        characters INTEGER NOT NULL,
        PRIMARY KEY (kind, coder_id, label_id, document_id)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS label_totals (
        kind TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        label_id TEXT NOT NULL,
        passages INTEGER NOT NULL,
        characters INTEGER NOT NULL,
        documents INTEGER NOT NULL,
        PRIMARY KEY (kind, coder_id, label_id)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS label_owners (
        annotation_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        label_id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        length INTEGER NOT NULL,
        PRIMARY KEY (annotation_id, kind, label_id)) WITHOUT ROWID""",
)

# key order: the tables read one (coder, label) at a time, each its documents in a row
_KEY = "(kind, coder_id, label_id, document_id)"
_OWN = ("o.kind = label_counts.kind AND o.document_id = label_counts.document_id "
        "AND o.coder_id = label_counts.coder_id AND o.label_id = label_counts.label_id")
_MATCH = ("o.kind = c.kind AND o.document_id = c.document_id AND o.coder_id = c.coder_id "
          "AND o.label_id = c.label_id")


_TOTAL = ("o.kind = label_totals.kind AND o.coder_id = label_totals.coder_id "
          "AND o.label_id = label_totals.label_id")
_OWNED = "(SELECT kind, coder_id, label_id{doc} FROM label_owners o WHERE o.annotation_id = {ann})"


def _share(sign: str, ann: str, who: str = "") -> str:
    """Add (sign '+') or subtract ('-') annotation ``ann``'s recorded share to its counts
    and to its coder's totals (one document per annotation: one count per total)."""
    return f"""
    UPDATE label_counts SET passages = passages {sign} 1,
           characters = characters {sign} (SELECT o.length FROM label_owners o
                                            WHERE o.annotation_id = {ann} AND {_OWN})
     WHERE {_KEY} IN {_OWNED.format(doc=", document_id", ann=ann + who)};
    UPDATE label_totals SET passages = passages {sign} 1,
           characters = characters {sign} (SELECT o.length FROM label_owners o
                                            WHERE o.annotation_id = {ann} AND {_TOTAL})
     WHERE (kind, coder_id, label_id) IN {_OWNED.format(doc="", ann=ann + who)};"""


def _leave(ann: str) -> str:
    owned = _OWNED.format(doc=", document_id", ann=ann)
    return (_share("-", ann) + f"""
    UPDATE label_totals SET documents = documents - 1 WHERE (kind, coder_id, label_id) IN
           (SELECT kind, coder_id, label_id FROM label_counts
             WHERE passages <= 0 AND {_KEY} IN {owned});
    DELETE FROM label_counts WHERE passages <= 0 AND {_KEY} IN {owned};
    DELETE FROM label_totals WHERE passages <= 0 AND (kind, coder_id, label_id) IN
           {_OWNED.format(doc="", ann=ann)};
    DELETE FROM label_owners WHERE annotation_id = {ann};""")


def _enter(ann: str, theme: str | None = None) -> str:
    """Record annotation ``ann``'s share and add it; with ``theme``, only that one theme's
    share (a theme added to an annotation whose other shares are recorded already)."""
    if theme is None:
        owners = f"""
      SELECT a.id, 's', a.stance_id, a.document_id, a.coder_id, a.[end] - a.start
        FROM annotations a WHERE a.id = {ann} AND a.stance_id IS NOT NULL
      UNION ALL
      SELECT a.id, 't', t.label_id, a.document_id, a.coder_id, a.[end] - a.start
        FROM annotations a JOIN annotation_themes t ON t.annotation_id = a.id
       WHERE a.id = {ann};"""
        who = ""
    else:
        owners = f"""
      SELECT a.id, 't', {theme}, a.document_id, a.coder_id, a.[end] - a.start
        FROM annotations a WHERE a.id = {ann};"""
        who = f" AND o.kind = 't' AND o.label_id = {theme}"
    return f"""
    INSERT INTO label_owners (annotation_id, kind, label_id, document_id, coder_id, length)
      {owners}
    INSERT INTO label_totals (kind, coder_id, label_id, passages, characters, documents)
      SELECT o.kind, o.coder_id, o.label_id, 0, 0, 0 FROM label_owners o
       WHERE o.annotation_id = {ann}{who} AND NOT EXISTS
             (SELECT 1 FROM label_totals WHERE {_TOTAL});
    UPDATE label_totals SET documents = documents + 1 WHERE (kind, coder_id, label_id) IN
           (SELECT o.kind, o.coder_id, o.label_id FROM label_owners o
             WHERE o.annotation_id = {ann}{who} AND NOT EXISTS
                   (SELECT 1 FROM label_counts c WHERE {_MATCH}));
    INSERT INTO label_counts (kind, document_id, coder_id, label_id, passages, characters)
      SELECT o.kind, o.document_id, o.coder_id, o.label_id, 0, 0 FROM label_owners o
       WHERE o.annotation_id = {ann}{who} AND NOT EXISTS
             (SELECT 1 FROM label_counts c WHERE {_MATCH});""" + _share("+", ann, who)


def _redo(*anns: str) -> str:
    return "".join(_leave(a) for a in anns) + "".join(_enter(a) for a in anns)


_FRESH = "NOT EXISTS (SELECT 1 FROM label_owners WHERE annotation_id = {ann}{who})"
_FRESH_THEME = _FRESH.format(ann="NEW.annotation_id",
                             who=" AND kind = 't' AND label_id = NEW.label_id")

# A write that adds what nothing recorded yet (an import, a new annotation, a theme added)
# takes the short way (WHEN ...: only add); anything else recomputes the annotation.
TRIGGERS = {
    "label_summary_annotation_insert": "AFTER INSERT ON annotations WHEN "
                                       + _FRESH.format(ann="NEW.id", who="") + " BEGIN"
                                       + _enter("NEW.id") + "\nEND",
    "label_summary_annotation_reinsert": "AFTER INSERT ON annotations WHEN NOT "
                                         + _FRESH.format(ann="NEW.id", who="") + " BEGIN"
                                         + _redo("NEW.id") + "\nEND",
    "label_summary_annotation_delete": "AFTER DELETE ON annotations BEGIN"
                                       + _leave("OLD.id") + "\nEND",
    "label_summary_annotation_update": "AFTER UPDATE OF id, document_id, coder_id, stance_id, "
                                       "start, [end] ON annotations BEGIN"
                                       + _leave("OLD.id") + _redo("NEW.id") + "\nEND",
    "label_summary_theme_insert": "AFTER INSERT ON annotation_themes WHEN " + _FRESH_THEME
                                  + " BEGIN" + _enter("NEW.annotation_id", "NEW.label_id")
                                  + "\nEND",
    "label_summary_theme_reinsert": "AFTER INSERT ON annotation_themes WHEN NOT "
                                    + _FRESH_THEME + " BEGIN" + _redo("NEW.annotation_id")
                                    + "\nEND",
    "label_summary_theme_delete": "AFTER DELETE ON annotation_themes BEGIN"
                                  + _redo("OLD.annotation_id") + "\nEND",
    "label_summary_theme_update": "AFTER UPDATE ON annotation_themes BEGIN"
                                  + _redo("OLD.annotation_id") + _redo("NEW.annotation_id")
                                  + "\nEND",
}


def create_label_summaries(db: sqlite_utils.Database) -> None:
    """The tables and triggers (idempotent)."""
    for sql in _TABLES:
        db.execute(sql)
    for name, body in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def fill_label_summaries(db: sqlite_utils.Database) -> None:
    """Recount both tables from the annotations and their themes."""
    db.execute("DELETE FROM label_counts")
    db.execute("DELETE FROM label_owners")
    # in key order: appending to the tables' B-trees beats inserting at random places
    db.execute(
        "INSERT INTO label_owners (annotation_id, kind, label_id, document_id, coder_id, length) "
        "SELECT * FROM (SELECT id, 's', stance_id, document_id, coder_id, [end] - start "
        "FROM annotations WHERE stance_id IS NOT NULL UNION ALL "
        "SELECT a.id, 't', t.label_id, a.document_id, a.coder_id, a.[end] - a.start "
        "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id) "
        "ORDER BY 1, 2, 3")
    db.execute(
        "INSERT INTO label_counts (kind, document_id, coder_id, label_id, passages, characters) "
        "SELECT kind, document_id, coder_id, label_id, count(*), sum(length) FROM label_owners "
        "GROUP BY kind, coder_id, label_id, document_id")
    db.execute("DELETE FROM label_totals")
    db.execute(
        "INSERT INTO label_totals (kind, coder_id, label_id, passages, characters, documents) "
        "SELECT kind, coder_id, label_id, sum(passages), sum(characters), count(*) "
        "FROM label_counts GROUP BY kind, coder_id, label_id")


def label_summaries_present(db: sqlite_utils.Database) -> bool:
    """Every table and trigger is there (another program may have dropped one, and writes
    since then went uncounted): read from the schema only."""
    present = {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    return all(name in present for name in (*TRIGGERS, *LABEL_SUMMARY_TABLES))


def recount_label_totals(db: sqlite_utils.Database) -> list[tuple[object, ...]]:
    """(kind, coder, label, passages, characters, documents) from the annotations, sorted:
    what label_totals must equal."""
    return db.execute(
        "SELECT kind, coder_id, label_id, sum(n), sum(chars), count(*) FROM ("
        "SELECT 's' AS kind, document_id, coder_id, stance_id AS label_id, count(*) AS n, "
        "sum([end] - start) AS chars FROM annotations WHERE stance_id IS NOT NULL "
        "GROUP BY document_id, coder_id, stance_id UNION ALL "
        "SELECT 't', a.document_id, a.coder_id, t.label_id, count(*), sum(a.[end] - a.start) "
        "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
        "GROUP BY a.document_id, a.coder_id, t.label_id) "
        "GROUP BY kind, coder_id, label_id ORDER BY kind, coder_id, label_id").fetchall()


def recount_label_summaries(db: sqlite_utils.Database) -> list[tuple[object, ...]]:
    """(kind, document, coder, label, passages, characters) from the annotations themselves,
    sorted: what label_counts must equal (the tests compare the two)."""
    return db.execute(
        "SELECT kind, document_id, coder_id, label_id, count(*), sum(len) FROM ("
        "SELECT 's' AS kind, document_id, coder_id, stance_id AS label_id, [end] - start AS len "
        "FROM annotations WHERE stance_id IS NOT NULL UNION ALL "
        "SELECT 't', a.document_id, a.coder_id, t.label_id, a.[end] - a.start "
        "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id) "
        "GROUP BY kind, document_id, coder_id, label_id "
        "ORDER BY kind, document_id, coder_id, label_id").fetchall()
