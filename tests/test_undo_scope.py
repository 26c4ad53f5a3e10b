"""Undo and redo are per coder, refuse to clobber later work, and never strand a session
(issue 8, item 2; store/history.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.project import Project


def test_a_coders_undo_never_reverts_another_coders_action(seeded) -> None:
    p, ids = seeded
    a, b = ids["coders"]
    doc = ids["docs"][2]
    p.set_status(doc, a.id, "done")            # coder A marks done
    ann = p.add_annotation(doc, b.id, 0, 5)    # then coder B tags
    # B's Ctrl+Z: B's tag goes, A's "mark done" stays.
    assert p.undo(b.id).startswith("Tag passage")
    assert p.q.annotation(ann.id) is None
    assert p.q.status(doc, a.id) == "done"
    # B's next Ctrl+Z reverts B's own earlier work (from the seed), never A's.
    b_before = p.q.status(ids["docs"][1], b.id)
    assert p.undo(b.id) is not None
    assert p.q.status(doc, a.id) == "done"
    assert p.q.status(ids["docs"][1], b.id) != b_before


def test_window_undo_does_not_revert_a_terminal_import(seeded, article) -> None:
    p, ids = seeded
    a = ids["coders"][0]
    p.add_annotation(ids["docs"][2], a.id, 0, 3)
    p.add_documents([article("From the terminal", "Imported while the window was open.")])
    n_docs = p.q.document_count()
    assert p.undo(a.id).startswith("Tag passage")   # the window's Ctrl+Z
    assert p.q.document_count() == n_docs            # the import is untouched
    # ... and the coder's next tag does not make anything permanent: the import is still
    # undoable by name (project-wide), the coder's own undo is still redoable after
    # someone else acts.
    p.add_annotation(ids["docs"][2], ids["coders"][1].id, 1, 4)
    assert p.redo_description(a.id) is not None
    assert p.undo() == "Import 1 document" or p.undo_description() is not None


def test_new_action_drops_only_that_coders_redo(seeded) -> None:
    p, ids = seeded
    a, b = ids["coders"]
    p.add_annotation(ids["docs"][2], a.id, 0, 3)
    p.add_annotation(ids["docs"][2], b.id, 3, 6)
    p.undo(a.id)
    p.undo(b.id)
    p.add_annotation(ids["docs"][2], a.id, 6, 9)     # A acts again: A's redo is gone
    assert p.redo_description(a.id) is None
    assert p.redo_description(b.id) is not None      # B's is not
    assert p.redo(b.id) is not None


def test_undo_refused_when_later_work_by_someone_else_depends_on_it(seeded, dump) -> None:
    p, ids = seeded
    a = ids["coders"][0]
    label = ids["labels"]["safety"]
    ann = p.add_annotation(ids["docs"][2], a.id, 0, 5, theme_ids=[label.id])
    p.delete_label(label.id, force=True)             # project-wide, later
    before = dump(p)
    with pytest.raises(OperationError) as info:
        p.undo(a.id)
    message = str(info.value)
    assert "\n" not in message and "Tag passage" in message and "Delete" in message
    assert dump(p) == before
    assert p.q.annotation(ann.id) is not None


def test_undo_refused_when_another_program_changed_the_row(seeded, dump) -> None:
    p, ids = seeded
    a = ids["coders"][0]
    ann = p.add_annotation(ids["docs"][2], a.id, 0, 5)
    p.update_annotation(ann.id, a.id, note="mine")
    p.store.db.execute("UPDATE annotations SET note = 'theirs' WHERE id = ?", (ann.id,))
    before = dump(p)
    with pytest.raises(OperationError, match="another program"):
        p.undo(a.id)
    assert dump(p) == before


def test_undo_add_coder_refused_for_the_coder_at_work(project: Project) -> None:
    coder = project.ensure_coder("newcomer")
    entry = project.history(1)[0]
    with pytest.raises(OperationError, match="working as"):
        project.undo_entry(entry["id"], acting_coder_id=coder.id)
    assert project.coder_by_name("newcomer") is not None
    # Anyone else may undo it (the coder has no work yet).
    assert project.undo_entry(entry["id"]) == "Add coder newcomer"


def test_history_entries_step_by_name_and_redo_in_undo_order(seeded) -> None:
    p, ids = seeded
    entries = {h["description"]: h["id"] for h in p.history(100)}
    # Undo two independent project-wide actions out of order, from the history list.
    first = p.add_label("themes", "jobs")
    second = p.add_label("themes", "chips")
    newest, older = p.history(2)
    p.undo_entry(older["id"])     # the first label's entry, while the second stays
    assert p.q.label(first.id) is None and p.q.label(second.id) is not None
    p.undo_entry(newest["id"])
    assert p.q.label(first.id) is None and p.q.label(second.id) is None
    # Redo re-applies the most recently undone first.
    assert p.redo_description() == p.history(1)[0]["description"]
    p.redo()
    assert p.q.label(second.id) is not None and p.q.label(first.id) is None
    with pytest.raises(OperationError, match="already undone"):
        p.undo_entry(p.history(2)[1]["id"])
    assert entries  # the seed's own entries are listed too


def test_cli_undo_scopes(tmp_path: Path, run_cli, seed) -> None:
    path = tmp_path / "p.sqlite"
    with Project(path) as p:
        ids = seed(p)
        p.add_annotation(ids["docs"][2], ids["coders"][0].id, 0, 4)
    code, out, _ = run_cli("--project", path, "undo", "--coder", "coder-1")
    assert code == 0 and out.startswith("undone: Tag passage")
    code, out, _ = run_cli("--project", path, "undo", "--coder", "nobody")
    assert code == 1
    code, out, _ = run_cli("--project", path, "history", "--limit", "50")
    import_line = [line for line in out.splitlines() if "Import 3 documents" in line][0]
    entry = import_line.split()[0]
    code, _, err = run_cli("--project", path, "undo", "--entry", entry)
    assert code == 1 and "cannot undo" in err and len(err.strip().splitlines()) == 1
    conn = sqlite3.connect(str(path))
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    conn.close()
