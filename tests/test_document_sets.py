"""Document sets: schema 6 on an old project, the ops with undo/redo, the headless reads, the
``set`` CLI and ``agreement --set`` / ``retrieve --set``."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk_annotator.document_sets import (
    document_sets,
    select_documents,
    set_members,
    set_names,
)
from desk_annotator.errors import OperationError
from desk_annotator.ops_sets import (
    AddToSet,
    CreateSet,
    DeleteSet,
    RemoveFromSet,
    RenameSet,
)
from desk_annotator.project import Project
from desk_annotator.store.schema import SCHEMA_VERSION

FIXTURE_V1 = Path(__file__).parent / "fixtures" / "project_schema1.sqlite"
TABLES = ("documents", "document_sets", "document_set_members")


def test_migration_adds_the_tables_to_an_old_project(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE_V1, path)
    with Project(path) as p:
        assert p.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 6
        doc = p.q.document_infos()[0].id
        p.run(CreateSet("pilot", [doc]))
        assert set_members(p, "pilot") == [doc]
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert {"document_sets", "document_set_members"} <= tables


def test_ops_undo_and_redo(seeded, dump) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    d0, d1, d2 = ids["docs"]
    before = dump(p, TABLES)
    made = p.run(CreateSet("Pilot", [d0, d1, d0], "first round"))
    assert made.size == 2 and set_names(p) == ["Pilot"]
    assert p.run(AddToSet("pilot", [d1, d2])) == 1  # case-insensitive name; d1 already in
    assert set_members(p, "Pilot") == [d0, d1, d2]
    assert p.run(RemoveFromSet("Pilot", [d1, "nothing"])) == 1
    assert p.run(RenameSet("Pilot", "Wave 1")) is True
    assert p.run(RenameSet("wave 1", "Wave 1")) is False
    after_edits = dump(p, TABLES)
    assert p.run(DeleteSet("Wave 1")) == 2
    assert set_names(p) == []
    p.undo()
    assert dump(p, TABLES) == after_edits
    assert set_members(p, "Wave 1") == [d0, d2]
    for _ in range(6):  # rename (and the no-op one, if it left an entry), remove, add, create
        if dump(p, TABLES) == before:
            break
        p.undo()
    assert dump(p, TABLES) == before
    while dump(p, TABLES) != after_edits:
        assert p.redo()
    assert p.redo()
    assert set_names(p) == []  # the delete redone last
    p.undo()
    assert dump(p, TABLES) == after_edits


def test_refusals_are_one_line(seeded) -> None:  # type: ignore[no-untyped-def]
    p, _ = seeded
    p.run(CreateSet("a"))
    p.run(CreateSet("b"))
    with pytest.raises(OperationError, match="already a document set named 'a'"):
        p.run(CreateSet(" A "))
    with pytest.raises(OperationError) as exc:
        set_members(p, "zzz")
    assert "known sets: a, b" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(OperationError, match="no document with id nope"):
        p.run(AddToSet("a", ["nope"]))
    with pytest.raises(OperationError, match="needs a name"):
        p.run(CreateSet("  "))
    with pytest.raises(OperationError, match="already"):
        p.run(RenameSet("a", "B"))


def test_a_deleted_document_leaves_the_set_and_returns_on_undo(seeded) -> None:  # type: ignore[no-untyped-def]
    from desk_annotator.ops_documents import DeleteDocument

    p, ids = seeded
    d0, d1, _ = ids["docs"]
    p.run(CreateSet("s", [d0, d1]))
    p.run(DeleteDocument(d0))
    assert set_members(p, "s") == [d1] and document_sets(p)[0].size == 1
    p.undo()
    assert set_members(p, "s") == [d0, d1]


def test_select_documents(project, article) -> None:  # type: ignore[no-untyped-def]
    project.add_documents([article("A", "one", outlet="Daily", language="en"),
                           article("B", "two", outlet="weekly", language="de"),
                           article("C", "three", outlet="Daily", language="de")])
    a, b, c = (d.id for d in project.q.document_infos())
    coder = project.ensure_coder("ann")
    project.set_status(c, coder.id, "done")
    assert select_documents(project, outlets=["daily"]) == [a, c]
    assert select_documents(project, languages=["DE"]) == [b, c]
    assert select_documents(project, outlets=["Daily"], languages=["de"]) == [c]
    assert select_documents(project, status="done", coder_id=coder.id) == [c]
    assert select_documents(project, status="todo", coder_id=coder.id) == [a, b]
    assert select_documents(project, documents=[b, c], outlets=["daily"]) == [c]


def test_cli(seeded, project_path, run_cli) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    d0, d1, d2 = ids["docs"]
    p.close()
    base = ("--project", project_path)
    code, out, _ = run_cli(*base, "set", "create", "pilot", "--documents", f"{d0},{d1}")
    assert code == 0 and "pilot (2 documents)" in out
    code, out, _ = run_cli(*base, "set", "create", "done", "--status", "done",
                           "--coder", "coder-1")
    assert code == 0 and "(1 document)" in out
    code, out, _ = run_cli(*base, "set", "create", "empty")
    assert code == 0 and "(0 documents)" in out
    code, out, _ = run_cli(*base, "set", "create", "x", "--status", "done")
    assert code == 2
    code, out, _ = run_cli(*base, "set", "add", "empty", d2, d0[:8])
    assert code == 0 and "added: 2 documents" in out
    code, out, _ = run_cli(*base, "set", "remove", "empty", d0)
    assert code == 0 and "removed: 1 document from" in out
    code, out, _ = run_cli(*base, "set", "rename", "empty", "later")
    assert code == 0
    code, out, _ = run_cli(*base, "set", "list", "--members")
    assert code == 0
    assert out.splitlines() == ["done\t1 document", f"  {d0}", "later\t1 document", f"  {d2}",
                                "pilot\t2 documents", f"  {d0}", f"  {d1}"]
    code, out, _ = run_cli(*base, "set", "delete", "later")
    assert code == 0 and "deleted: later" in out
    code, out, _ = run_cli(*base, "undo")
    assert code == 0 and "later" in out
    code, _, err = run_cli(*base, "set", "add", "nope", d0)
    assert code == 1 and "known sets: done, later, pilot" in err and err.count("\n") == 1


def test_agreement_and_retrieve_with_a_set(seeded, project_path, run_cli) -> None:  # type: ignore[no-untyped-def]
    p, ids = seeded
    d0, d1, _ = ids["docs"]
    p.run(CreateSet("pilot", [d0, d1]))
    p.close()
    base = ("--project", project_path)

    def report(*extra: str) -> dict:
        code, out, err = run_cli(*base, "agreement", "--bootstrap", "0", *extra)
        assert code == 0, err
        data = json.loads(out)
        for key in ("generated", "created", "time"):
            data.pop(key, None)
        return data

    assert report("--set", "pilot") == report("--documents", f"{d0},{d1}")
    assert report("--set", "pilot", "--documents", d0) == report("--documents", d0)
    code, _, err = run_cli(*base, "agreement", "--set", "nope")
    assert code == 1 and "known sets: pilot" in err
    code, out_set, _ = run_cli(*base, "retrieve", "--set", "pilot")
    code2, out_docs, _ = run_cli(*base, "retrieve", "--documents", f"{d0},{d1}")
    assert code == code2 == 0 and out_set == out_docs and out_set
    code, out, _ = run_cli(*base, "retrieve", "--set", "pilot", "--documents", d1)
    assert code == 0 and all(line.startswith(d1) for line in out.splitlines())
