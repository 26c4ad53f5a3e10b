"""Issue 'Team workflow' done-when: project -> qdpx -> new project and project -> JSONL ->
project preserve every document, coder, label and annotation (the sample corpus, via the same
code path as the CLI and the GUI's File menu)."""

from pathlib import Path

import pytest

from desk_annotator.paths import default_codebook_path, sample_corpus_dir
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, import_codebook_file, import_paths


def content(project: Project) -> dict:
    q = project.q
    coders = {c.id: c.name for c in q.coders()}
    labels = {lb.id: (lb.scheme, lb.name) for lb in q.labels()}
    return {
        "documents": sorted((d.id, d.title, d.text, d.sha256,
                             tuple(sorted((k, v) for k, v in d.metadata.items() if v)))
                            for d in q.iter_documents()),
        "coders": sorted(coders.items()),
        "labels": sorted((lb.id, lb.scheme, lb.name, lb.color, lb.description, lb.key)
                         for lb in q.labels()),
        "annotations": sorted((a.id, a.document_id, coders[a.coder_id], a.start, a.end, a.quote,
                               labels.get(a.stance_id), tuple(labels[t] for t in a.theme_ids),
                               a.note) for a in q.annotations()),
        "statuses": sorted((s.document_id, coders[s.coder_id], s.status) for s in q.statuses()),
    }


@pytest.fixture
def sample_project(tmp_path: Path) -> Project:
    if not (sample_corpus_dir() / "annotations.jsonl").exists():
        pytest.skip("sample corpus not present")
    project = Project(tmp_path / "source.sqlite")
    import_codebook_file(project, default_codebook_path())
    report = import_paths(project, [sample_corpus_dir()])
    assert not report.refused and report.annotations_added > 200
    yield project
    project.close()


@pytest.mark.parametrize("extension", [".qdpx", ".jsonl"])
def test_project_round_trip_preserves_everything(sample_project: Project, tmp_path: Path,
                                                 extension: str) -> None:
    exported = tmp_path / f"export{extension}"
    export_path(sample_project, exported)
    copy = Project(tmp_path / f"copy{extension}.sqlite")
    if extension == ".jsonl":
        # A dataset carries label names only: the codebook travels separately.
        import_codebook_file(copy, default_codebook_path())
    report = import_paths(copy, [exported])
    assert not report.refused, report.refused
    before, after = content(sample_project), content(copy)
    if extension == ".jsonl":
        # JSONL names coders and labels; their GUIDs travel only in .qdpx (and codebook files
        # that carry "id"): compare those by name.
        for side in (before, after):
            side["labels"] = sorted(row[1:] for row in side["labels"])
            side["coders"] = sorted(name for _, name in side["coders"])
    assert after == before
    again = import_paths(copy, [exported])
    assert again.annotations_added == 0 and again.documents_added == 0
    copy.close()
