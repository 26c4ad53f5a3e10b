"""The trigger-kept label counts (store/label_summaries.py) equal a recount after every kind of
write, by our ops and by other programs (the sqlite3 command-line shell and sqlite-utils), and
the tables read them only while their triggers are all there."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_analysis_tables import build

from desk_annotator.analysis import tables
from desk_annotator.project import Project
from desk_annotator.store.label_summaries import (
    label_summaries_present,
    recount_label_summaries,
    recount_label_totals,
)


def _stored(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT kind, document_id, coder_id, label_id, passages, characters "
                        "FROM label_counts ORDER BY kind, document_id, coder_id, label_id"
                        ).fetchall()


def _recount(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    """The recount of label_counts; asserts label_totals equal theirs on the way."""
    import sqlite_utils
    db = sqlite_utils.Database(conn)
    totals = conn.execute("SELECT kind, coder_id, label_id, passages, characters, documents "
                          "FROM label_totals ORDER BY kind, coder_id, label_id").fetchall()
    assert totals == [tuple(r) for r in recount_label_totals(db)]
    return [tuple(r) for r in recount_label_summaries(db)]


def _ids(conn: sqlite3.Connection) -> dict[str, str]:
    return {name: lid for lid, name in conn.execute("SELECT id, name FROM labels")}


def test_counts_match_the_hand_count_after_import(tmp_path: Path) -> None:
    build(tmp_path / "t.sqlite").close()
    conn = sqlite3.connect(tmp_path / "t.sqlite")
    ids = _ids(conn)
    c1 = conn.execute("SELECT id FROM coders WHERE name = 'c1'").fetchone()[0]
    d1 = conn.execute("SELECT id FROM documents WHERE title = 'D1'").fetchone()[0]
    rows = {(k, lab): (n, chars) for k, d, c, lab, n, chars in _stored(conn)
            if d == d1 and c == c1}
    # c1 in D1: a1 0-10 pro [A,B]; a2 5-20 con [B]; a3 30-40 pro [C]
    assert rows == {("s", ids["pro"]): (2, 20), ("s", ids["con"]): (1, 15),
                    ("t", ids["A"]): (1, 10), ("t", ids["B"]): (2, 25),
                    ("t", ids["C"]): (1, 10)}
    # c1's pro passages: a1, a3 in D1, a4 in D2 (10 characters each)
    assert conn.execute("SELECT passages, characters, documents FROM label_totals WHERE "
                        "kind = 's' AND coder_id = ? AND label_id = ?", (c1, ids["pro"])
                        ).fetchone() == (3, 30, 2)
    assert _stored(conn) == _recount(conn)
    conn.close()


def test_other_programs_writes_keep_the_counts(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    build(path).close()
    conn = sqlite3.connect(path)
    ids = _ids(conn)
    doc, coder = conn.execute("SELECT document_id, coder_id FROM annotations LIMIT 1").fetchone()
    first = conn.execute("SELECT id FROM annotations ORDER BY id LIMIT 1").fetchone()[0]
    conn.close()
    script = f"""
        PRAGMA foreign_keys = OFF;  -- the shell's default: themes may come first
        UPDATE annotations SET [end] = [end] + 3 WHERE id = '{first}';
        UPDATE annotations SET stance_id = '{ids["con"]}' WHERE stance_id = '{ids["pro"]}';
        INSERT INTO annotation_themes (annotation_id, label_id)
          SELECT id, '{ids["C"]}' FROM annotations WHERE id NOT IN
            (SELECT annotation_id FROM annotation_themes WHERE label_id = '{ids["C"]}');
        UPDATE annotation_themes SET label_id = '{ids["B"]}'
         WHERE label_id = '{ids["A"]}' AND annotation_id NOT IN
           (SELECT annotation_id FROM annotation_themes WHERE label_id = '{ids["B"]}');
        INSERT OR REPLACE INTO annotations
          (id, document_id, coder_id, start, [end], quote, stance_id, created, updated)
          SELECT id, document_id, coder_id, start + 1, [end], substr(quote, 2), NULL, created,
                 updated FROM annotations WHERE id = '{first}';
        INSERT INTO annotation_themes (annotation_id, label_id) VALUES ('new-1', '{ids["A"]}');
        INSERT INTO annotations
          (id, document_id, coder_id, start, [end], quote, stance_id, created, updated)
          VALUES ('new-1', '{doc}', '{coder}', 0, 7, 'aaaaaaa', '{ids["pro"]}', 'x', 'x');
        DELETE FROM annotation_themes WHERE label_id = '{ids["C"]}' AND rowid % 2 = 0;
        DELETE FROM annotations WHERE id NOT IN (SELECT annotation_id FROM annotation_themes)
           AND rowid % 2 = 1;
        INSERT INTO documents (id, title, text, sha256, length, outlet, imported)
          VALUES ('odd', 'odd', 'zzzzzzzzzz', 'odd-sha', 10, 'Post', 'x');
        INSERT INTO annotations
          (id, document_id, coder_id, start, [end], quote, stance_id, created, updated)
          VALUES ('new-3', 'odd', '{coder}', 0, 4, 'zzzz', '{ids["con"]}', 'x', 'x');
    """
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("no sqlite3 shell")
    subprocess.run([shell, str(path)], input=script, text=True, check=True)
    conn = sqlite3.connect(path)
    assert _stored(conn) == _recount(conn)
    conn.close()
    # sqlite-utils (its own program, its own connection): delete, upsert, insert
    code = (
        "import sys, sqlite_utils\n"
        "db = sqlite_utils.Database(sys.argv[1])\n"
        "t = db['annotations']\n"
        "rows = list(db.query('SELECT * FROM annotations ORDER BY id LIMIT 3'))\n"
        "db['annotation_themes'].delete_where('annotation_id = ?', [rows[0]['id']])\n"
        "t.delete(rows[0]['id'])\n"
        "rows[1]['end'] += 2\n"
        "t.upsert(rows[1], pk='id')\n"
        "rows[2]['id'] = 'new-2'\n"
        "t.insert(rows[2])\n"
        f"db['annotation_themes'].insert({{'annotation_id': 'new-2', 'label_id': '{ids['B']}'}})\n")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    conn = sqlite3.connect(path)
    assert _stored(conn) == _recount(conn)
    conn.close()
    # the tables from the counts equal the tables from every annotation (a trigger dropped)
    runs = []
    for _ in range(2):
        with Project(path, check_integrity=False) as project:
            runs.append([tables.frequencies(project, by="outlet").to_json(),
                         tables.frequencies(project).to_json(),
                         tables.crosstab(project, unit="documents").to_json(),
                         tables.crosstab(project, labels="themes").to_json()])
        conn = sqlite3.connect(path)
        conn.execute("DROP TRIGGER IF EXISTS label_summary_theme_update")
        conn.commit()
        conn.close()
    assert runs[0] == runs[1]
    assert any(r[1] == "Post" and r[-1] for r in runs[0][0]["tables"][0]["rows"])


def test_ops_keep_the_counts_and_a_dropped_trigger_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    with build(path) as project:
        before = tables.frequencies(project).tables[0].rows
        ann = project.q.annotations()[0]
        project.delete_annotations([ann.id])
        after = tables.frequencies(project).tables[0].rows
        assert after != before
        assert label_summaries_present(project.store.db)
    conn = sqlite3.connect(path)
    assert _stored(conn) == _recount(conn)
    conn.execute("DROP TRIGGER label_summary_theme_insert")
    conn.execute("DELETE FROM annotation_themes")  # unseen by the counts of themes
    conn.commit()
    conn.close()
    with Project(path) as project:
        rows = tables.frequencies(project, schemes=("themes",)).tables[0].rows
        assert rows == []  # read from the annotations, not the stale counts
