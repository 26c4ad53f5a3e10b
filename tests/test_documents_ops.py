"""Document management: RenameDocument, SetDocumentMetadata, DeleteDocument (ops_documents),
their undo/redo restoring rows exactly, and the ``document`` CLI group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.ops_documents import (
    DeleteDocument,
    RenameDocument,
    SetDocumentMetadata,
    annotation_count,
)
from desk_annotator.project import Project


def _history_count(project: Project) -> int:
    return len(project.history())


# -- rename ------------------------------------------------------------------------------------

def test_rename_then_undo_and_redo_restore_rows_exactly(seeded, dump) -> None:
    project, ids = seeded
    doc = ids["docs"][1]
    before = dump(project)
    assert project.run(RenameDocument(doc, "  Café   owners\nspeak  ")) is True
    assert project.q.document(doc).title == "Café owners speak"
    after = dump(project)
    assert after != before
    assert [t for t in after if after[t] != before[t]] == ["documents"]
    assert project.undo() is not None
    assert dump(project) == before
    assert project.redo() is not None
    assert dump(project) == after


def test_rename_refuses_empty_title_and_unknown_id(seeded, dump) -> None:
    project, ids = seeded
    before = dump(project)
    with pytest.raises(OperationError, match="needs a title"):
        project.run(RenameDocument(ids["docs"][0], " \n "))
    with pytest.raises(OperationError, match="no document with id NOPE.*document list"):
        project.run(RenameDocument("NOPE", "x"))
    assert dump(project) == before


def test_renaming_to_the_same_title_records_nothing(seeded) -> None:
    project, ids = seeded
    n = _history_count(project)
    assert project.run(RenameDocument(ids["docs"][0], "Doc 0")) is False
    assert _history_count(project) == n


# -- metadata ----------------------------------------------------------------------------------

def test_metadata_columns_and_language_undo_exactly(seeded, dump) -> None:
    project, ids = seeded
    doc = ids["docs"][0]
    before = dump(project)
    changed = project.run(SetDocumentMetadata(doc, author="A. Writer", outlet="",
                                              url="https://example.org/a", language="zh"))
    assert sorted(changed) == ["author", "language", "outlet", "url"]
    meta = project.q.document(doc).metadata
    assert meta["author"] == "A. Writer" and meta["language"] == "zh"
    assert "outlet" not in meta  # "" cleared it
    assert meta["date"] == "2025-07-01"  # not given: kept
    row = project.store.db.execute(
        "SELECT author, outlet, extra_metadata FROM documents WHERE id = ?", (doc,)).fetchone()
    assert row[0] == "A. Writer" and row[1] is None and json.loads(row[2]) == {"language": "zh"}
    after = dump(project)
    project.undo()
    assert dump(project) == before
    project.redo()
    assert dump(project) == after
    # Clearing the language removes the key from the JSON again.
    assert project.run(SetDocumentMetadata(doc, language=None)) == ["language"]
    assert "language" not in project.q.document(doc).metadata


def test_metadata_without_changes_records_nothing(seeded) -> None:
    project, ids = seeded
    n = _history_count(project)
    assert project.run(SetDocumentMetadata(ids["docs"][0], outlet="Test")) == []
    assert project.run(SetDocumentMetadata(ids["docs"][0])) == []
    assert _history_count(project) == n


# -- delete ------------------------------------------------------------------------------------

def test_delete_removes_everything_of_the_document_and_undo_restores_it(seeded, dump) -> None:
    project, ids = seeded
    doc = ids["docs"][0]  # two coders' annotations, themes, a note, a status
    order = [d.id for d in project.q.document_infos()]
    before = dump(project)
    assert annotation_count(project.q, doc) == 2
    assert project.run(DeleteDocument(doc)) == 2
    after = dump(project)
    assert doc not in [r[0][1] for r in after["documents"]]
    assert not [r for r in after["annotations"] if dict(r)["document_id"] == doc]
    assert not [r for r in after["doc_status"] if dict(r)["document_id"] == doc]
    gone = {a.id for a in ids["annotations"][:2]}
    assert not [r for r in after["annotation_themes"] if dict(r)["annotation_id"] in gone]
    # Only this document's rows went: the others' annotations and statuses stay.
    assert len(after["annotations"]) == 1 and len(after["doc_status"]) == 1
    assert project.undo() == "Delete document “Doc 0”"
    assert dump(project) == before  # same ids, same values, every table
    assert [d.id for d in project.q.document_infos()] == order  # and its place in the list
    assert project.redo() is not None
    assert dump(project) == after


def test_delete_unknown_document_changes_nothing(seeded, dump) -> None:
    project, _ids = seeded
    before = dump(project)
    with pytest.raises(OperationError, match="no document with id"):
        project.run(DeleteDocument("NOPE"))
    assert dump(project) == before


def test_undoing_a_deleted_annotation_is_refused_after_the_document_went(seeded, dump) -> None:
    project, ids = seeded
    c2 = ids["coders"][1]
    project.add_annotation(ids["docs"][2], c2.id, 0, 5)  # coder-2's own latest action
    project.run(DeleteDocument(ids["docs"][2]))
    before = dump(project)
    with pytest.raises(OperationError, match="Delete document"):
        project.undo(c2.id)
    assert dump(project) == before


def test_undo_of_delete_refused_when_the_text_came_back_meanwhile(seeded, dump, article) -> None:
    project, ids = seeded
    text = project.q.document(ids["docs"][2]).text
    project.run(DeleteDocument(ids["docs"][2]))
    project.add_documents([article("Imported again", text)])
    entry = next(h for h in project.history() if h["description"].startswith("Delete"))
    before = dump(project)
    with pytest.raises(OperationError):
        project.undo_entry(entry["id"])
    assert dump(project) == before


def test_delete_notifies_views_with_the_document(seeded) -> None:
    project, ids = seeded
    seen = []
    project.subscribe(seen.append)
    project.run(DeleteDocument(ids["docs"][1]))
    assert "documents" in seen[-1].tables and ids["docs"][1] in seen[-1].document_ids


# -- CLI ---------------------------------------------------------------------------------------

@pytest.fixture
def cli_project(project_path: Path, seed) -> tuple[Path, dict]:
    with Project(project_path) as p:
        ids = seed(p)
    return project_path, ids


def test_cli_list_rename_set(run_cli, cli_project) -> None:
    path, ids = cli_project
    code, out, _ = run_cli("--project", path, "document", "list")
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert [(r[0], r[1], r[2]) for r in lines] == [(ids["docs"][0], "2", "Doc 0"),
                                                  (ids["docs"][1], "1", "Doc 1"),
                                                  (ids["docs"][2], "0", "Doc 2")]
    # A unique start of the id is enough.
    code, out, err = run_cli("--project", path, "document", "rename", ids["docs"][1][:8],
                             "Naïve users")
    assert code == 0, err
    assert "Naïve users" in out
    code, out, err = run_cli("--project", path, "document", "set", ids["docs"][1],
                             "--author", "B. Writer", "--language", "fr", "--outlet", "")
    assert code == 0, err
    code, out, _ = run_cli("--project", path, "document", "list", "--json")
    record = json.loads(out.splitlines()[1])
    assert record["title"] == "Naïve users"
    assert record["metadata"]["author"] == "B. Writer"
    assert record["metadata"]["language"] == "fr" and "outlet" not in record["metadata"]
    code, out, _ = run_cli("--project", path, "undo")
    assert code == 0 and "Edit document" in out


def test_cli_delete_asks_then_deletes(run_cli, cli_project, monkeypatch) -> None:
    path, ids = cli_project
    import click

    asked: list[str] = []
    monkeypatch.setattr(click.termui, "visible_prompt_func", lambda p: asked.append(p) or "n")
    code, _out, err = run_cli("--project", path, "document", "delete", ids["docs"][0])
    assert code == 1 and "aborted" in err
    assert "Delete “Doc 0” and its 2 annotations?" in "".join(asked) + err
    assert ids["docs"][0] in run_cli("--project", path, "document", "list")[1]
    code, out, err = run_cli("--project", path, "document", "delete", ids["docs"][0], "--yes")
    assert code == 0, err
    assert "deleted: Doc 0 (2 annotations" in out
    code, out, _ = run_cli("--project", path, "document", "list")
    assert ids["docs"][0] not in out
    code, out, _ = run_cli("--project", path, "undo")
    assert code == 0
    code, out, _ = run_cli("--project", path, "document", "list")
    assert out.splitlines()[0].startswith(ids["docs"][0] + "\t2\t")


@pytest.mark.parametrize("args", [("rename", "NOPE", "x"), ("set", "NOPE", "--author", "x"),
                                  ("delete", "NOPE", "--yes")])
def test_cli_unknown_id_is_one_line_naming_the_list_command(run_cli, cli_project, args) -> None:
    path, _ids = cli_project
    code, out, err = run_cli("--project", path, "document", *args)
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0
    assert "no document with id 'NOPE'" in err and "document list" in err


def test_cli_set_without_fields_is_a_usage_error(run_cli, cli_project) -> None:
    path, ids = cli_project
    code, _out, err = run_cli("--project", path, "document", "set", ids["docs"][0])
    assert code == 2 and "--author" in err


def test_corrected_txt_title_survives_jsonl_export_and_import(run_cli, tmp_path) -> None:
    source = tmp_path / "badge-icon.txt"
    source.write_text("badge icon\n\nThe real article starts here, about export controls.\n",
                      encoding="utf-8")
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert run_cli("--project", first, "import", source)[0] == 0
    doc_id, _n, guessed = run_cli("--project", first, "document", "list")[1].strip().split("\t")
    assert guessed != "Export controls, explained"
    assert run_cli("--project", first, "document", "rename", doc_id,
                   "Export controls, explained")[0] == 0
    assert run_cli("--project", first, "document", "set", doc_id, "--language", "en")[0] == 0
    dataset = tmp_path / "out.jsonl"
    assert run_cli("--project", first, "export", dataset)[0] == 0
    record = json.loads(dataset.read_text(encoding="utf-8").splitlines()[0])
    assert record["title"] == "Export controls, explained"
    assert record["metadata"]["language"] == "en"
    assert run_cli("--project", second, "import", dataset)[0] == 0
    code, out, _ = run_cli("--project", second, "document", "list", "--json")
    again = json.loads(out.splitlines()[0])
    assert again["id"] == doc_id and again["title"] == "Export controls, explained"
    assert again["metadata"]["language"] == "en"
