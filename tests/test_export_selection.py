"""Export selections without the window (issue 11): documents by id and by status, the format
chosen explicitly, and the CLI's --documents / --status."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from desk_annotator.errors import DeskAnnotatorError
from desk_annotator.export_formats import FORMATS, documents_with_status
from desk_annotator.project import Project
from desk_annotator.project_io import export_path

TEXTS = {"One": "First article text.", "Two": "Second article text.", "Three": "Third one."}


@pytest.fixture
def project(tmp_path):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_documents([SimpleNamespace(title=t, text=x, metadata={}) for t, x in TEXTS.items()])
    label = proj.add_label("stance", "critical").id
    a, b = proj.ensure_coder("a"), proj.ensure_coder("b")
    for doc in proj.q.document_infos():
        proj.add_annotation(doc.id, a.id, 0, 5, stance_id=label)
        proj.add_annotation(doc.id, b.id, 0, 5, stance_id=label)
    docs = {d.title: d.id for d in proj.q.document_infos()}
    proj.set_status(docs["One"], a.id, "done")
    proj.set_status(docs["Two"], b.id, "done")
    proj.set_status(docs["Two"], a.id, "doing")
    yield proj
    proj.close()


def titles(path) -> list[str]:
    return [json.loads(line)["title"] for line in path.read_text("utf-8").splitlines()]


def test_status_selection_counts_no_status_as_todo(project) -> None:
    q = project.q
    a, b = q.coder_by_name("a"), q.coder_by_name("b")
    by_title = {d.id: d.title for d in q.document_infos()}
    assert [by_title[i] for i in documents_with_status(q, [a], ["done"])] == ["One"]
    assert [by_title[i] for i in documents_with_status(q, [a, b], ["done"])] == ["One", "Two"]
    assert [by_title[i] for i in documents_with_status(q, [a], ["todo"])] == ["Three"]
    assert [by_title[i] for i in documents_with_status(q, [a, b], ["todo"])] == ["One", "Three"]
    with pytest.raises(DeskAnnotatorError, match="unknown status"):
        documents_with_status(q, [a], ["finished"])


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv"])
def test_documents_and_statuses_reach_every_writer(project, tmp_path, name) -> None:
    ids = {d.title: d.id for d in project.q.document_infos()}
    out = tmp_path / name
    export_path(project, out, coder_names=["a"], statuses=["done", "doing"],
                document_ids=[ids["Two"], ids["Three"]])
    text = out.read_text("utf-8")
    assert "Two" in text and "One" not in text and "Three" not in text


def test_format_chosen_whatever_the_name(project, tmp_path) -> None:
    out = tmp_path / "codebook-tasks.json"  # by its name this would be a codebook
    summary = export_path(project, out, fmt="label-studio")
    assert isinstance(json.loads(out.read_text("utf-8")), list), summary
    folder = tmp_path / "brat.v1"
    assert "brat" in export_path(project, folder, fmt="brat", document_ids=[])
    assert folder.is_dir() and not list(folder.glob("*.ann"))
    assert {f.key for f in FORMATS} >= {"jsonl", "csv", "qdpx", "qdc", "codebook-json",
                                        "label-studio", "brat", "xmi-zip", "spacy-jsonl"}


def test_cli_export_documents_and_status(project, tmp_path, run_cli) -> None:
    ids = {d.title: d.id for d in project.q.document_infos()}
    path = project.path
    project.close()
    out = tmp_path / "done.jsonl"
    code, _out, err = run_cli("--project", path, "export", out, "--status", "done")[:3]
    assert code == 0, err
    assert titles(out) == ["One", "Two"]
    code = run_cli("--project", path, "export", out, "--coders", "a", "--status", "done")[0]
    assert code == 0 and titles(out) == ["One"]
    code = run_cli("--project", path, "export", out, "--documents",
                   f"{ids['Three']},{ids['One']}")[0]
    assert code == 0 and titles(out) == ["One", "Three"]
    code, _out, err = run_cli("--project", path, "export", out, "--status", "finished")[:3]
    assert code == 1 and "unknown status" in err and len(err.strip().splitlines()) == 1
