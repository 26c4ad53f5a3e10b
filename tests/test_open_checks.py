"""The open checks at a bounded cost (issue 14): trigger-kept summaries stay equal to a recount
whoever writes the file, a quote another program tampered with is found at the next open, a
damaged page is refused before anything writes (or found by the full/background check), and the
migration from schema 9 fills the summaries and queues every quote."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_annotator.cli import cli
from desk_annotator.errors import OperationError, ProjectOpenError
from desk_annotator.project import Project
from desk_annotator.store import integrity, summaries

SQLITE3 = shutil.which("sqlite3")


def _recount(path: Path) -> dict[tuple[str, str], int]:
    conn = sqlite3.connect(path)
    try:
        return {(d, c): n for d, c, n in conn.execute(
            "SELECT document_id, coder_id, count(*) FROM annotations GROUP BY 1, 2")}
    finally:
        conn.close()


def _stored(path: Path) -> dict[tuple[str, str], int]:
    conn = sqlite3.connect(path)
    try:
        return {(d, c): n for d, c, n in conn.execute(
            "SELECT document_id, coder_id, annotations FROM annotation_counts")}
    finally:
        conn.close()


def _queued(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT annotation_id FROM unchecked_quotes")}
    finally:
        conn.close()


def _shell(path: Path, sql: str) -> None:
    assert SQLITE3 is not None
    subprocess.run([SQLITE3, str(path)], input=sql, text=True, check=True, capture_output=True)


@pytest.fixture
def project_file(tmp_path: Path, seed) -> tuple[Path, dict]:
    path = tmp_path / "p.sqlite"
    with Project(path) as p:
        ids = seed(p)
    return path, ids


@pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 shell is not installed")
def test_summary_equals_a_recount_after_the_sqlite3_shell_writes(project_file) -> None:
    path, ids = project_file
    d0, d1, d2 = ids["docs"]
    c1, c2 = (c.id for c in ids["coders"])
    a1, a2, a3 = (a.id for a in ids["annotations"])
    # Hand count of the seed: d0 has one annotation by each coder, d1 one by coder-1.
    assert _stored(path) == {(d0, c1): 1, (d0, c2): 1, (d1, c1): 1} == _recount(path)
    _shell(path, f"""
        INSERT INTO annotations (id, document_id, coder_id, start, [end], quote, created, updated)
          VALUES ('x1', '{d2}', '{c2}', 0, 5, 'Plain', 't', 't'),
                 ('x2', '{d2}', '{c2}', 6, 11, 'ASCII', 't', 't');
        DELETE FROM annotation_themes WHERE annotation_id = '{a3}';
        DELETE FROM annotations WHERE id = '{a3}';
        -- replaces a2 (coder-2 on d0) by a row of coder-1 on d1: no delete trigger fires
        INSERT OR REPLACE INTO annotations (id, document_id, coder_id, start, [end], quote,
                                            created, updated)
          VALUES ('{a2}', '{d1}', '{c1}', 0, 4, 'Café', 't', 't');
        UPDATE annotations SET coder_id = '{c2}' WHERE id = '{a1}';
        INSERT OR IGNORE INTO annotations (id, document_id, coder_id, start, [end], quote,
                                           created, updated)
          VALUES ('x1', '{d0}', '{c1}', 0, 3, 'Exp', 't', 't');
    """)
    # By hand: d0 keeps a1, now coder-2's; d1 has a2 (coder-1); d2 has x1, x2 (coder-2).
    expected = {(d0, c2): 1, (d1, c1): 1, (d2, c2): 2}
    assert _recount(path) == expected
    assert _stored(path) == expected
    with Project(path) as p:
        rows = {r["id"]: r["annotations"] for r in p.q.corpus_rows(c2)}
        assert rows == {d0: 1, d1: 0, d2: 2}
        per_coder = {r["coder"]: (r["annotations"], r["documents_annotated"])
                     for r in p.stats()["per_coder"]}
        assert per_coder == {"coder-1": (1, 1), "coder-2": (3, 2)}
        assert p.check_integrity(full=True) == []  # the full check recounts: nothing to fix


def test_summary_equals_a_recount_after_sqlite_utils_writes(project_file) -> None:
    path, ids = project_file
    d0, d1, d2 = ids["docs"]
    c1, c2 = (c.id for c in ids["coders"])
    a1 = ids["annotations"][0].id
    script = textwrap.dedent(f"""
        import sys, sqlite_utils
        db = sqlite_utils.Database(sys.argv[1])
        row = dict(document_id="{d2}", coder_id="{c1}", start=0, end=5, quote="Plain",
                   created="t", updated="t")
        db["annotations"].insert(dict(row, id="u1"))
        db["annotations"].upsert(dict(row, id="u1", coder_id="{c2}"), pk="id")
        db["annotations"].insert(dict(row, id="{a1}"), replace=True)
        db["annotations"].insert_all([dict(row, id=f"m{{i}}") for i in range(3)])
        db["annotations"].delete_where("id = ?", ["m0"])
    """)
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    # By hand: a1 moved from (d0, coder-1) to (d2, coder-1); u1 is coder-2's on d2;
    # m1, m2 are coder-1's on d2. Left: a2 (d0, coder-2), a3 (d1, coder-1).
    expected = {(d0, c2): 1, (d1, c1): 1, (d2, c1): 3, (d2, c2): 1}
    assert _recount(path) == expected
    assert _stored(path) == expected


@pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 shell is not installed")
def test_a_quote_tampered_by_the_sqlite3_shell_is_found_at_the_next_open(project_file) -> None:
    path, ids = project_file
    a1, a2, _ = (a.id for a in ids["annotations"])
    assert _queued(path) == set()  # our own actions checked theirs when they wrote them
    _shell(path, f"UPDATE annotations SET quote = 'not the text' WHERE id = '{a1}';"
                 f"UPDATE annotations SET [end] = 10000 WHERE id = '{a2}';")
    assert _queued(path) == {a1, a2}
    with Project(path) as p:
        assert len(p.integrity_problems) == 2
        assert all("no longer matches its text" in line for line in p.integrity_problems)
        assert {a1, a2} <= {w for line in p.integrity_problems for w in line.split()}
    assert _queued(path) == {a1, a2}  # still queued: the next open reports them again
    result = CliRunner().invoke(cli, ["--project", str(path), "check"])
    assert result.exit_code == 1
    assert a1 in result.output and a2 in result.output
    # Fixed by the shell again: the next open finds nothing and empties the queue.
    _shell(path, f"UPDATE annotations SET quote = 'Export controls', [end] = 15 "
                 f"WHERE id = '{a1}'; UPDATE annotations SET [end] = 40 WHERE id = '{a2}';")
    with Project(path) as p:
        assert p.integrity_problems == []
    assert _queued(path) == set()


@pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 shell is not installed")
def test_a_changed_document_text_queues_its_annotations(project_file) -> None:
    path, ids = project_file
    d0 = ids["docs"][0]
    _shell(path, f"UPDATE documents SET text = 'Xxport' || substr(text, 7) WHERE id = '{d0}';")
    with Project(path) as p:
        # a1 is [0, 15) and starts in the changed word; a2 is [7, 40) and does not.
        assert len(p.integrity_problems) == 1
        assert ids["annotations"][0].id in p.integrity_problems[0]


def test_full_check_finds_what_the_queue_missed_and_recounts(project_file) -> None:
    path, ids = project_file
    a1 = ids["annotations"][0].id
    conn = sqlite3.connect(path)  # a program that drops our triggers, then writes
    for name in summaries.TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE annotations SET quote = 'tampered' WHERE id = ?", (a1,))
    conn.execute("DELETE FROM annotation_themes WHERE annotation_id = ?", (a1,))
    conn.execute("DELETE FROM annotations WHERE id = ?", (ids["annotations"][2].id,))
    conn.commit()
    conn.close()
    # The open re-creates the triggers, recounts and queues every quote again.
    with Project(path) as p:
        assert [line.split()[1] for line in p.integrity_problems] == [a1]
    assert _stored(path) == _recount(path)
    assert set(summaries.TRIGGERS) <= {r[0] for r in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def _downgrade_to_schema_9(path: Path) -> None:
    conn = sqlite3.connect(path)
    from desk_annotator.store.label_summaries import LABEL_SUMMARY_TABLES, TRIGGERS
    for name in [*TRIGGERS, *summaries.TRIGGERS]:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in [*LABEL_SUMMARY_TABLES, *summaries.SUMMARY_TABLES]:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("DROP INDEX IF EXISTS idx_documents_list")
    conn.execute("DROP INDEX IF EXISTS idx_annotations_coder_stance")
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()


def test_migration_from_schema_9_fills_the_summary_and_checks_every_quote(project_file) -> None:
    path, ids = project_file
    a1, a2, a3 = (a.id for a in ids["annotations"])
    _downgrade_to_schema_9(path)
    conn = sqlite3.connect(path)  # a schema-9 file with a bad quote nothing has noticed yet
    conn.execute("UPDATE annotations SET quote = 'wrong' WHERE id = ?", (a3,))
    conn.commit()
    conn.close()
    with Project(path) as p:
        assert p.integrity_problems == [
            f"annotation {a3} in “Doc 1” no longer matches its text"]
    d0, d1, _ = ids["docs"]
    c1, c2 = (c.id for c in ids["coders"])
    assert _stored(path) == {(d0, c1): 1, (d0, c2): 1, (d1, c1): 1} == _recount(path)
    assert _queued(path) == {a3}  # a1, a2 were checked and left the queue; a3 stays
    assert list(path.parent.glob("p.schema9.backup*.sqlite"))


def _corrupt_root_page(path: Path, table: str) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # everything in the main file, no WAL
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    # The b-tree page header: page type 0x0d/0x05 -> an invalid type, cell count garbage.
    data[start:start + 8] = b"\x42\xff\xff\xff\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_damaged_small_table_is_refused_at_open_before_any_write(project_file,
                                                                   monkeypatch) -> None:
    path, _ = project_file
    # As on a big file: the open checks only the schema and the fixed-size tables.
    monkeypatch.setattr(integrity, "FULL_PAGE_CHECK_BYTES", 0)
    damaged = _corrupt_root_page(path, "labels")
    with pytest.raises(ProjectOpenError, match="corrupt|damaged|malformed"):
        Project(path)
    assert path.read_bytes() == damaged  # not a byte written
    assert not path.with_name(path.name + "-wal").exists()


def test_a_damaged_annotations_page_small_file_refused_at_open(project_file) -> None:
    path, _ = project_file
    damaged = _corrupt_root_page(path, "annotations")
    with pytest.raises(ProjectOpenError, match="corrupt|damaged|malformed"):
        Project(path)  # a small file: the whole file is checked on open
    assert path.read_bytes() == damaged


def test_a_damaged_annotations_page_big_file_caught_by_the_background_check(
        project_file, monkeypatch) -> None:
    path, ids = project_file
    monkeypatch.setattr(integrity, "FULL_PAGE_CHECK_BYTES", 0)
    _corrupt_root_page(path, "annotations")
    # A big file's open does not read the annotations' pages: it opens, as the GUI does...
    p = Project(path, check_integrity="deferred")
    try:
        # ...and the background check (the GUI's worker, a connection of its own) finds it;
        # from then on every write is refused.
        problems = p.check_integrity(separate_connection=True)
        assert problems and problems[0].startswith("the project file is damaged")
        assert p.read_only
        with pytest.raises(OperationError, match="damaged"):
            p.set_status(ids["docs"][2], ids["coders"][0].id, "done")
    finally:
        p.close()
    result = CliRunner().invoke(cli, ["--project", str(path), "check", "--full"])
    assert result.exit_code != 0
    assert "damaged" in result.output or "corrupt" in result.output


class _Text:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


def test_full_quote_check_names_each_bad_quote_among_many(tmp_path: Path) -> None:
    """The full check compares a document's quotes in one pass; when one differs it names
    exactly the bad ones. A quote holding U+001F (the pass's separator) and one at the very
    end of an emoji text are compared too."""
    path = tmp_path / "p.sqlite"
    text = ("Export controls 😀 on open models\x1f and 中文 sources. " * 40) + "end 👩‍💻"
    with Project(path) as p:
        coder = p.ensure_coder("coder-1")
        p.add_documents([_Text("A", text), _Text("B", "Plain text about safety.")])
        doc_a, doc_b = (d.id for d in p.q.document_infos())
        spans = [(i, i + 7 + i % 13) for i in range(0, len(text) - 20, 9)]
        anns = [p.add_annotation(doc_a, coder.id, s, e) for s, e in spans]
        anns.append(p.add_annotation(doc_a, coder.id, len(text) - 5, len(text)))
        plain = p.add_annotation(doc_b, coder.id, 0, 5)
        assert p.store.quote_problems(full=True).bad == []
        assert p.store.quote_problems(full=True).checked == len(anns) + 1
    bad = [anns[3].id, anns[-1].id]
    separator = next(a for a in anns if "\x1f" in a.quote and a.id not in bad)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE annotations SET quote = 'tampered' WHERE id = ?", (bad[0],))
        conn.execute("UPDATE annotations SET [end] = ? WHERE id = ?", (len(text) + 3, bad[1]))
    conn.close()
    with Project(path) as p:
        check = p.store.quote_problems(full=True)
        assert sorted(b[0] for b in check.bad) == sorted(bad)
        assert check.checked == len(anns) + 1
        assert separator.id not in {b[0] for b in check.bad} and plain.id not in check.bad


def test_a_tag_or_edit_leaves_nothing_queued_and_its_quote_right(tmp_path: Path) -> None:
    """Quotes an op cut from the text in its own transaction are taken off the queue without
    a second read of the text; a quote tampered by another program is still caught, and an
    edit through our ops writes it right again."""
    path = tmp_path / "p.sqlite"
    text = "Open models 😀 and export controls were debated at length. " * 50
    with Project(path) as p:
        coder = p.ensure_coder("coder-1")
        p.add_documents([_Text("A", text)])
        doc = p.q.document_infos()[0].id
        ann = p.add_annotation(doc, coder.id, 12, 40)
        assert _queued(path) == set() and ann.quote == text[12:40]
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE annotations SET quote = 'tampered' WHERE id = ?", (ann.id,))
    conn.close()
    assert _queued(path) == {ann.id}
    with Project(path) as p:
        assert [line.split()[1] for line in p.integrity_problems] == [ann.id]
        edited = p.update_annotation(ann.id, coder.id, end=41)
        assert edited.quote == text[12:41]
    assert _queued(path) == set()
    with Project(path) as p:
        assert p.store.quote_problems(full=True).bad == []
