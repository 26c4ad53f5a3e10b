"""doccano 1.x exports: the 1.0-1.3 ``annotations`` export (numeric labels and users) is
detected and read instead of being refused as our JSONL, label lists name the labels, current
exports count relations and comments, doccano's UTF-16 offsets are detected, and re-import
adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError
from desk_annotator.import_files import import_paths
from desk_annotator.io.dataset_jsonl import snapshot_to_dicts
from desk_annotator.io.doccano import (
    looks_like_doccano,
    looks_like_doccano1,
    read_doccano,
    read_doccano1,
)
from desk_annotator.project import Project
from desk_annotator.project_io import snapshot

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "doccano"


def _passages(snap) -> list[tuple]:  # type: ignore[no-untyped-def]
    labels = snap.codebook.by_id()
    coders = {c.id: c.name for c in snap.coders}
    return sorted((coders[a.coder_id], a.quote, labels[a.stance_id].name if a.stance_id else None,
                   sorted(labels[t].name for t in a.theme_ids)) for a in snap.annotations)


def _write(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", "utf-8")
    return path


def test_doccano_1_0_example_export_is_read(tmp_path: Path) -> None:
    path = FIXTURES / "v1_export.jsonl"
    assert looks_like_doccano1(path) and not looks_like_doccano(path)
    snap, warnings = read_doccano1(path)
    assert _passages(snap) == [("doccano-user-1", "EU", None, ["label-2"]),
                               ("doccano-user-1", "Obama", None, ["label-1"]),
                               ("doccano-user-1", "Peter Blackburn", None, ["label-1"])]
    assert any("numeric labels without a name called label-1, label-2" in w for w in warnings)
    assert [d.metadata["doccano_id"] for d in snap.documents] == ["1", "2", "3"]
    # Through the import: a dataset of its own, not our JSONL with field errors.
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [path], add_missing_labels=True)
        assert report.refused == [] and report.annotations_added == 3
        again = import_paths(project, [path], add_missing_labels=True)
        assert again.annotations_added == again.documents_added == 0


def test_label_list_beside_the_export_names_the_labels() -> None:
    snap, warnings = read_doccano1(FIXTURES / "v1_labelled" / "export.jsonl",
                                   stance_names={"PER"})
    assert _passages(snap) == [
        ("doccano-user-1", "Lisbon", None, ["LOC"]),
        ("doccano-user-1", "Maria Souza", "PER", []),
        ("doccano-user-1", "OpenLab", None, ["ORG"]),
        ("doccano-user-2", "Maria Souza", "PER", []),
        ("doccano-user-2", "chip export rules", None, ["MISC"])]
    assert warnings == ["1 document-level label not carried"]
    meta = [d.metadata for d in snap.documents]
    assert meta[0] == {"source": "desk-annotator test", "doccano_id": "11"}
    assert meta[1]["doccano_approver"] == "admin"
    assert len(snap.documents) == 3  # the line without spans is a document too


def test_camel_case_label_config_of_later_1x(tmp_path: Path) -> None:
    (tmp_path / "label_config.json").write_text(json.dumps([
        {"id": 9, "text": "Claim", "prefixKey": None, "suffixKey": "c",
         "backgroundColor": "#123456", "textColor": "#ffffff"}]), "utf-8")
    path = _write(tmp_path / "admin.jsonl", [
        {"id": 1, "text": "Chips matter.", "annotations": [
            {"label": 9, "start_offset": 0, "end_offset": 5, "user": 3},
            {"label": 10, "start_offset": 6, "end_offset": 12, "user": 3}],
         "meta": "{\"outlet\": \"Wire\"}", "annotation_approver": None}])
    snap, warnings = read_doccano1(path)
    assert _passages(snap) == [("doccano-user-3", "Chips", None, ["Claim"]),
                               ("doccano-user-3", "matter", None, ["label-10"])]
    assert any("label-10 (label_config.json lacks them)" in w for w in warnings)
    assert snap.documents[0].metadata["outlet"] == "Wire"


def test_current_exports_count_relations_and_comments(tmp_path: Path) -> None:
    snap, warnings = read_doccano(FIXTURES / "relation_extraction.jsonl")
    assert [a.quote for a in sorted(snap.annotations, key=lambda a: a.start)] == [
        "Google", "September 4, 1998", "Larry Page", "Sergey Brin"]
    assert warnings == ["3 relations not carried"]
    snap, warnings = read_doccano(FIXTURES / "sequence_labeling.jsonl")
    assert sorted(a.quote for a in snap.annotations) == ["EU", "German", "Obama",
                                                         "Peter Blackburn"]
    assert warnings == []
    path = _write(tmp_path / "c.jsonl", [
        {"id": 4, "text": "A short text.", "label": [[0, 1, "x"]], "Comments": ["check", "ok"],
         "outlet": "Blog"},
        {"id": 5, "data": "Older doccano called the text data.", "label": [[0, 5, "y"]],
         "Comments": []}])
    snap, warnings = read_doccano(path)
    assert warnings == ["2 comments not carried"]
    assert snap.documents[0].metadata == {"outlet": "Blog", "doccano_id": "4"}
    assert snap.documents[1].text.startswith("Older")


def test_utf16_offsets_of_doccanos_editor_are_detected(tmp_path: Path) -> None:
    """doccano/doccano issue #2290: the editor stores UTF-16 positions (22, 32 here)."""
    text = "👨🏻\u200d🚒 firemen drive firetrucks"
    path = _write(tmp_path / "admin.jsonl", [{"text": text, "label": [[22, 32, "VEHICLE"]]}])
    snap, warnings = read_doccano(path)
    assert [a.quote for a in snap.annotations] == ["firetrucks"]
    assert any("positions read as UTF-16 units" in w for w in warnings)
    python = _write(tmp_path / "py.jsonl", [{"text": text, "label": [[19, 29, "VEHICLE"]]}])
    snap, warnings = read_doccano(python)
    assert [a.quote for a in snap.annotations] == ["firetrucks"] and warnings == []


def test_our_own_jsonl_is_not_taken_for_doccano(tmp_path: Path, seed) -> None:  # type: ignore[no-untyped-def]
    with Project(tmp_path / "p.sqlite") as project:
        seed(project)
        records = list(snapshot_to_dicts(snapshot(project)))
    ours = _write(tmp_path / "ours.jsonl", records)
    assert not looks_like_doccano1(ours) and not looks_like_doccano(ours)
    empty_first = _write(tmp_path / "e.jsonl", [{**records[-1], "annotations": []}, records[0]])
    assert not looks_like_doccano1(empty_first)
    unlabelled = _write(tmp_path / "u.jsonl", [
        {"id": 1, "text": "x", "annotations": [], "meta": {}, "annotation_approver": None}])
    assert looks_like_doccano1(unlabelled)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [
        {"id": 1, "text": "Short.", "annotations": "none"},
        {"id": 2, "text": "Short.", "annotations": [
            {"label": 1, "start_offset": 0, "end_offset": 99, "user": 1},
            {"label": 1, "start_offset": "0", "end_offset": 2, "user": 1},
            {"label": None, "start_offset": 0, "end_offset": 2, "user": 1},
            {"label": 1, "start_offset": 4, "end_offset": 2, "user": 1}]},
        {"id": 3, "annotations": []}])
    with pytest.raises(FormatError) as info:
        read_doccano1(path)
    message = str(info.value)
    for part in ["line 1: 'annotations' must be a list",
                 "line 2, annotation 0: 0..99 is outside the text (0..6)",
                 "line 2, annotation 1: offsets must be whole numbers",
                 "line 2, annotation 2: label must be a label id or a name",
                 "line 2, annotation 3: start 4 is not before end 2",
                 "line 3: 'text' is missing", "6 problems"]:
        assert part in message, part
    (tmp_path / "label_config.json").write_text('{"not": "a list"}', "utf-8")
    ok = _write(tmp_path / "ok.jsonl", [{"id": 1, "text": "Fine.", "annotations": []}])
    with pytest.raises(FormatError, match="not a doccano label list"):
        read_doccano1(ok)
