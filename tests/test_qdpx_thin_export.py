"""The ``.qdpx`` export's thin read path (qdpx_export.py, store/selection_queries.py) against
the snapshot path it replaced: the same archive, byte for byte, on projects with astral
characters, emoji, overlapping and nested spans, a dozen coders, notes with characters XML
escapes, ids that are not GUIDs, stamps that are not ISO, memos, statuses and document sets,
for every selection of coders, documents and statuses and both position units."""

from __future__ import annotations

import gc
import zipfile
from pathlib import Path

import pytest
import xmlschema
from test_refi_scale import random_snapshot

from desk_annotator.errors import FormatError
from desk_annotator.io.refi_export import write_qdpx as write_element_built
from desk_annotator.io.refi_stream_writer import write_qdpx
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, snapshot

XSD = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "Project.xsd"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture(scope="module", params=[1, 3, 6])
def project(request, tmp_path_factory) -> Project:  # type: ignore[no-untyped-def]
    snap = random_snapshot(request.param, n_docs=7, per_doc=60, n_coders=12, stored=True)
    path = tmp_path_factory.mktemp(f"thin{request.param}") / "thin.sqlite"
    project = Project(path)
    project.import_codebook(snap.codebook)
    report = project.import_snapshot(snap, source="random", labels="strict")
    assert not report.refused and report.annotations_added == len(snap.annotations)
    docs = [d.id for d in project.q.document_infos()]
    project.run(CreateSet("some", docs[::2], "a set"))
    yield project
    project.close()


SELECTIONS = [
    {},
    {"coder_names": ["C3 & co", "C0 & co", "C7 & co"]},
    {"document_ids": "every third"},
    {"statuses": ["done"]},
    {"coder_names": ["C1 & co"], "statuses": ["doing", "done"]},
]


@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
@pytest.mark.parametrize("choice", range(len(SELECTIONS)))
def test_thin_export_is_the_snapshot_export(project, tmp_path, positions, choice) -> None:
    options = dict(SELECTIONS[choice])
    if options.get("document_ids") == "every third":
        options["document_ids"] = [d.id for d in project.q.document_infos()][::3]
    thin = tmp_path / "thin.qdpx"
    export_path(project, thin, positions=positions, **options)
    snap = snapshot(project, **options)
    assert snap.annotations or choice == 4  # the old path really had selections to write
    streamed, built = tmp_path / "streamed.qdpx", tmp_path / "built.qdpx"
    name = Path(str(project.path)).stem
    write_qdpx(streamed, snap, project_name=name, positions=positions)
    write_element_built(built, snap, project_name=name, positions=positions)
    assert thin.read_bytes() == streamed.read_bytes()  # the same archive, byte for byte
    assert _members(thin) == _members(built)  # ... and the element-built export's members
    qde = _members(thin)["project.qde"]
    assert qde.count(b"<PlainTextSelection ") == len(snap.annotations)
    if choice == 0:
        assert "😀".encode() in qde and b"&amp; b &lt; c" in qde  # astral text and escaping
        xmlschema.XMLSchema(str(XSD)).validate(qde.decode("utf-8"))


def test_thin_export_refuses_what_the_snapshot_export_refuses(tmp_path) -> None:
    """A stance label used as a theme (a file another program wrote): one line, no file."""
    snap = random_snapshot(2, n_docs=2, per_doc=20, n_coders=2, stored=True)
    with Project(tmp_path / "bad.sqlite") as project:
        project.import_codebook(snap.codebook)
        project.import_snapshot(snap, source="random", labels="strict")
        stance = next(lb.id for lb in project.q.labels() if lb.scheme == "stance")
        ann = project.q.db.execute("SELECT id FROM annotations LIMIT 1").fetchone()[0]
        with project.q.db.conn:
            project.q.db.execute("DELETE FROM annotation_themes WHERE annotation_id = ?", (ann,))
            project.q.db.execute("INSERT INTO annotation_themes VALUES (?, ?)", (ann, stance))
        out = tmp_path / "bad.qdpx"
        with pytest.raises(FormatError) as thin:
            export_path(project, out)
        with pytest.raises(FormatError) as old:
            write_qdpx(tmp_path / "old.qdpx", snapshot(project))
        assert str(thin.value) == str(old.value)
        assert f"annotation {ann} has unknown theme label {stance}" in str(thin.value)
        assert not out.exists() and not (tmp_path / "old.qdpx").exists()
        assert gc.isenabled()  # the collector, paused while exporting, is back after a refusal


def test_export_leaves_the_collector_as_it_found_it(project, tmp_path) -> None:
    """The export pauses the collector (qdpx_export.py) and gives it back as it was."""
    export_path(project, tmp_path / "p.qdpx")
    assert gc.isenabled()
    gc.disable()  # a caller that keeps it off finds it off
    try:
        export_path(project, tmp_path / "q.qdpx")
        assert not gc.isenabled()
    finally:
        gc.enable()
