"""Project files: creation, refusal of what is not ours (untouched), migration, integrity."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError, ProjectOpenError
from desk_annotator.ops import AddCoder
from desk_annotator.project import Project
from desk_annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION


FIXTURE_V1 = Path(__file__).parent / "fixtures" / "project_schema1.sqlite"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pragma(path: Path, name: str):
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_new_project_settings(project_path: Path) -> None:
    with Project(project_path) as p:
        db = p.store.db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    # Seen from outside too (a fresh connection, e.g. sqlite-utils or Datasette).
    assert pragma(project_path, "user_version") == SCHEMA_VERSION
    assert pragma(project_path, "application_id") == APPLICATION_ID
    assert pragma(project_path, "journal_mode") == "wal"


def test_foreign_keys_are_enforced(project: Project) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        project.store.db.execute(
            "INSERT INTO annotations VALUES ('x', 'no-doc', 'no-coder', 0, 1, 'q', NULL, NULL, 't', 't')")


def test_reopen_keeps_data(project_path: Path, seed, dump) -> None:
    with Project(project_path) as p:
        seed(p)
        before = dump(p)
    with Project(project_path) as p:
        assert dump(p) == before
        assert p.integrity_problems == []


# -- refusal, file untouched ----------------------------------------------------------------

def _foreign_sqlite(path: Path, seed) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO recipes (name) VALUES ('bread')")
    conn.commit()
    conn.close()


def _newer_schema(path: Path, seed) -> None:
    with Project(path) as p:
        seed(p)
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL in, so the file is complete
    conn.close()


def _corrupt(path: Path, seed) -> None:
    with Project(path) as p:
        seed(p)
        p.add_documents([type("A", (), {"title": f"t{i}", "text": f"filler {i} " * 400,
                                        "metadata": {}})() for i in range(20)])
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 16384
    middle = len(data) // 2
    data[100:4096] = b"\xa5" * (4096 - 100)  # the schema page, past the header
    data[middle:middle + 8192] = b"\x5a" * 8192
    path.write_bytes(bytes(data))


def _corrupt_data_pages(path: Path, seed) -> None:
    """Damage only data pages: the schema reads fine, the first query on the data would fail."""
    with Project(path) as p:
        seed(p)
        p.add_documents([type("A", (), {"title": f"t{i}", "text": f"filler {i} " * 400,
                                        "metadata": {}})() for i in range(30)])
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = DELETE")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # Pages of the documents' table only: the schema (grown with the summary triggers) spans
    # pages all over the file, and damaging it is the other fixture's case.
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'documents' ORDER BY pageno")]
    conn.close()
    data = bytearray(path.read_bytes())
    for page in (pages[len(pages) // 3], pages[len(pages) // 2], pages[2 * len(pages) // 3]):
        offset = (page - 1) * page_size
        data[offset:offset + page_size] = b"\x5a" * page_size
    path.write_bytes(bytes(data))


def _corrupt_wal_project(path: Path, seed) -> None:
    """A corrupt project still in WAL mode, as the program leaves it."""
    _corrupt_data_pages(path, seed)
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def _text_file(path: Path, seed) -> None:
    path.write_text("id,name\n1,not a database\n", encoding="utf-8")


@pytest.mark.parametrize(("make", "message"), [
    (_text_file, "not a SQLite"),
    (_foreign_sqlite, "not a desk-annotator project"),
    (_newer_schema, "newer"),
    (_corrupt, "corrupt"),
    (_corrupt_data_pages, "corrupt"),
    (_corrupt_wal_project, "corrupt"),
])
def test_refused_files_are_left_untouched(tmp_path: Path, make, message: str, seed) -> None:
    path = tmp_path / "victim.sqlite"
    make(path, seed)
    before = sha(path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ProjectOpenError) as info:
        Project(path)
    assert message.lower() in str(info.value).lower()
    assert "\n" not in str(info.value)
    assert sha(path) == before
    # No WAL, journal or backup files left beside it either.
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectOpenError, match="folder"):
        Project(tmp_path)


def test_missing_parent_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectOpenError):
        Project(tmp_path / "nope" / "p.sqlite")
    assert not (tmp_path / "nope").exists()


def test_empty_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    # A 0-byte file may be a placeholder of another program (or a failed copy): never
    # silently turned into a project.
    path = tmp_path / "empty.sqlite"
    path.touch()
    with pytest.raises(ProjectOpenError, match="empty file"):
        Project(path)
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]


def test_missing_file_becomes_a_project(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with Project(path) as p:
        assert p.q.document_count() == 0
    assert pragma(path, "application_id") == APPLICATION_ID


# -- migration from schema 1 ----------------------------------------------------------------

def test_schema1_fixture_is_what_it_claims() -> None:
    assert pragma(FIXTURE_V1, "user_version") == 1
    assert pragma(FIXTURE_V1, "application_id") == APPLICATION_ID


def test_migration_from_schema1(tmp_path: Path, dump) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copyfile(FIXTURE_V1, path)
    original = sqlite3.connect(str(FIXTURE_V1))
    expected_rows = {t: sorted(original.execute(f"SELECT * FROM [{t}]").fetchall())
                     for t in ("coders", "labels", "annotations", "annotation_themes", "doc_status")}
    original.close()

    with Project(path) as p:
        assert p.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert p.integrity_problems == []
        for table, rows in expected_rows.items():
            got = sorted(p.store.db.execute(
                f"SELECT {', '.join(f'[{c}]' for c in _v1_columns(table))} FROM [{table}]").fetchall())
            assert got == rows, table
        assert {c.name for c in p.coders()} == {"coder-1", "coder-2"}
        a2 = p.q.annotation("A2")
        assert a2 is not None and a2.quote == "😀" and a2.theme_ids == ["L-EXP", "L-OSS"]
        doc = p.q.document("D2")
        assert doc is not None and doc.metadata == {"outlet": "Fixture"}
        assert p.q.codebook().name == "AI policy (v1)"
        # History works on the upgraded file.
        before = dump(p)
        p.update_annotation("A1", note="checked after upgrade")
        p.delete_label("L-OSS", force=True)
        after = dump(p)
        assert p.undo() and p.undo()
        assert dump(p) == before
        assert p.redo() and p.redo()
        assert dump(p) == after

    backups = sorted(tmp_path.glob("*.schema1.backup*.sqlite"))
    assert [b.name for b in backups] == ["old.schema1.backup.sqlite"]
    assert _logical(backups[0]) == _logical(FIXTURE_V1)
    assert pragma(backups[0], "user_version") == 1
    # Opening again neither migrates nor backs up again.
    with Project(path):
        pass
    assert len(list(tmp_path.glob("*.backup*"))) == 1


def _v1_columns(table: str) -> list[str]:
    conn = sqlite3.connect(str(FIXTURE_V1))
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    finally:
        conn.close()


def _logical(path: Path) -> dict[str, object]:
    """Every table's rows, the schema and the header pragmas: what 'identical' must mean."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        out: dict[str, object] = {t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr)
                                  for t in tables}
        out["__schema__"] = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(),
                                   key=repr)
        out["__version__"] = conn.execute("PRAGMA user_version").fetchone()[0]
        out["__app__"] = conn.execute("PRAGMA application_id").fetchone()[0]
        return out
    finally:
        conn.close()


# -- integrity ------------------------------------------------------------------------------

def test_integrity_check_flags_a_quote_that_does_not_match(project_path: Path, seed) -> None:
    with Project(project_path) as p:
        ids = seed(p)
        bad = ids["annotations"][1].id
        # Damage from outside the program (another tool edited the file).
        p.store.db.execute("UPDATE annotations SET quote = 'something else' WHERE id = ?", (bad,))
    with Project(project_path) as p:
        assert len(p.integrity_problems) == 1
        assert bad in p.integrity_problems[0]
    with Project(project_path, check_integrity=False) as p:
        assert p.integrity_problems == []


def test_integrity_check_flags_offsets_past_the_end(project_path: Path, seed) -> None:
    with Project(project_path) as p:
        ids = seed(p)
        ann = ids["annotations"][2]
        p.store.db.execute("UPDATE annotations SET [end] = 10000 WHERE id = ?", (ann.id,))
    with Project(project_path) as p:
        assert [ann.id in m for m in p.integrity_problems] == [True]


def test_astral_quotes_pass_the_integrity_check(project_path: Path, seed) -> None:
    """SQLite's substr counts characters like Python: emoji spans must not be flagged."""
    with Project(project_path) as p:
        ids = seed(p)
        doc = ids["docs"][1]
        text = p.q.document(doc).text
        start = text.index("🇺🇸")
        p.add_annotation(doc, ids["coders"][0].id, start, start + 5)
    with Project(project_path) as p:
        assert p.integrity_problems == []


# -- operations keep the invariants ----------------------------------------------------------

def test_offsets_outside_text_are_refused_and_change_nothing(seeded, dump) -> None:
    p, ids = seeded
    before = dump(p)
    length = p.q.document_length(ids["docs"][0])
    for start, end in [(-1, 3), (3, 3), (5, 2), (0, length + 1)]:
        with pytest.raises(OperationError):
            p.add_annotation(ids["docs"][0], ids["coders"][0].id, start, end)
    with pytest.raises(OperationError):
        p.add_annotation(ids["docs"][0], ids["coders"][0].id, 0, 3,
                         stance_id=ids["labels"]["safety"].id)  # a theme given as stance
    with pytest.raises(OperationError):
        p.update_annotation(ids["annotations"][0].id, end=length + 5)
    assert dump(p) == before


def test_quote_is_stored_as_the_code_point_slice(seeded) -> None:
    p, ids = seeded
    doc = p.q.document(ids["docs"][0])
    i = doc.text.index("😀")
    ann = p.add_annotation(doc.id, ids["coders"][0].id, i, i + 1)
    row = p.store.db.execute("SELECT quote, start, [end] FROM annotations WHERE id = ?",
                             (ann.id,)).fetchone()
    assert row == ("😀", i, i + 1)


def test_documents_are_stored_normalised_and_deduplicated(project: Project, article) -> None:
    raw = "\ufeffCafe\u0301\r\nline two\r\n"
    report = project.add_documents([article("one", raw), article("two", "Café\nline two\n")])
    assert report.documents_added == 1 and report.documents_reused == 1
    doc = project.q.iter_documents().__next__()
    assert doc.text == "Café\nline two\n"
    assert doc.sha256 == hashlib.sha256(doc.text.encode()).hexdigest()
    again = project.add_documents([article("three", raw)])
    assert again.documents_added == 0 and again.documents_reused == 1


def test_label_names_unique_and_shortcuts_unique(seeded, dump) -> None:
    p, ids = seeded
    before = dump(p)
    with pytest.raises(OperationError):
        p.add_label("stance", "critical")
    with pytest.raises(OperationError):
        p.add_label("themes", "new theme", key="1")  # key used by 'supportive'
    with pytest.raises(OperationError):
        p.update_label(ids["labels"]["safety"].id, name="open source")
    with pytest.raises(OperationError):
        p.run(AddCoder("coder-1"))
    assert dump(p) == before
    # Same name in the other scheme is allowed.
    p.add_label("themes", "critical")


def test_unknown_ids_are_refused_not_crashed(seeded, dump) -> None:
    from desk_annotator import ops
    p, ids = seeded
    before = dump(p)
    for op in (ops.RenameCoder("no-such-coder", "x"), ops.RenameCoder(ids["coders"][0].id, "  "),
               ops.DeleteDocuments(["no-such-document"]), ops.UpdateLabel("no-such-label", name="x"),
               ops.DeleteLabel("no-such-label"), ops.UpdateAnnotation("no-such-annotation", note="x"),
               ops.SetStatus("no-such-document", ids["coders"][0].id, "done"),
               ops.SetStatus(ids["docs"][0], "no-such-coder", "done"),
               ops.AddAnnotation(ids["docs"][0], "no-such-coder", 0, 2)):
        with pytest.raises(OperationError):
            p.run(op)
    assert dump(p) == before
    assert p.delete_documents([ids["docs"][0], "no-such-document"]) == 1
