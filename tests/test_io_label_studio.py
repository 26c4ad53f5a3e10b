"""Label Studio JSON: our export reads back with the same passages (code points and UTF-16),
re-import adds nothing, Label Studio's own files land on the text Label Studio stored, old
UTF-16 exports are detected, what is not carried is counted, bad files are refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError
from desk_annotator.import_files import import_paths
from desk_annotator.io.label_studio import (
    config_path,
    read_label_studio,
    write_label_studio,
)
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, snapshot

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "label_studio"
SAMPLE = REPO / "sample_corpus"
CODEBOOK = REPO / "resources" / "codebooks" / "ai-policy.json"


def content(project: Project) -> dict:
    """Documents, coders with work, labels in use, passages and statuses, without ids."""
    q = project.q
    docs = {d.id: d for d in q.document_infos()}
    coders = {c.id: c.name for c in q.coders()}
    labels = {lb.id: (lb.scheme, lb.name) for lb in q.labels()}
    anns = sorted((docs[a.document_id].sha256, coders[a.coder_id], a.start, a.end, a.quote,
                   labels[a.stance_id] if a.stance_id else None,
                   tuple(sorted(labels[t] for t in a.theme_ids)), a.note or None)
                  for a in q.annotations())
    statuses = sorted((docs[s.document_id].sha256, coders[s.coder_id], s.status)
                      for s in q.statuses())
    used = {x for a in anns for x in (a[5], *a[6]) if x}
    return {"documents": sorted((d.sha256, d.title, tuple(sorted(d.metadata.items())))
                                for d in docs.values()),
            "coders": sorted({a[1] for a in anns} | {s[1] for s in statuses}),
            "labels": sorted(used), "annotations": anns, "statuses": statuses}


@pytest.fixture
def source(tmp_path: Path, seed) -> Project:  # type: ignore[no-untyped-def]
    with Project(tmp_path / "source.sqlite") as project:
        seed(project)
        anna = project.ensure_coder("anna@example.org")
        doc = project.q.document_infos()[1]
        text = project.q.document(doc.id).text
        start = text.index("🇺🇸")
        theme = project.add_label("themes", "flags & <emoji>")
        project.add_annotation(doc.id, anna.id, start, start + 4, theme_ids=[theme.id],
                               note="line one\nline two")
        project.set_status(doc.id, anna.id, "done")
        yield project


@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
def test_own_export_reads_back_with_the_same_passages(source: Project, tmp_path: Path,
                                                      positions: str) -> None:
    path = tmp_path / "ls.json"
    write_label_studio(path, snapshot(source), positions=positions)
    assert config_path(path).read_text("utf-8").startswith("<View>")
    with Project(tmp_path / "copy.sqlite") as copy:
        report = import_paths(copy, [path])
        assert report.refused == [] and report.warnings == []
        assert content(copy) == content(source)
    tasks = json.loads(path.read_text("utf-8"))
    regions = [r for t in tasks for a in t["annotations"] for r in a["result"]
               if r["type"] == "labels"]
    emoji = next(r for r in regions if r["value"]["text"].startswith("🇺🇸"))
    text = next(t["data"]["text"] for t in tasks if "🇺🇸" in t["data"]["text"])
    cp = text.index("🇺🇸")
    expected = len(text[:cp].encode("utf-16-le")) // 2 if positions == "utf16" else cp
    assert emoji["value"]["start"] == expected
    # Label Studio matches annotators by e-mail; other coder names travel in our own key.
    by_coder = {a["desk_annotator_coder"]: a for t in tasks for a in t["annotations"]}
    assert by_coder["anna@example.org"]["completed_by"] == {"email": "anna@example.org"}
    assert "completed_by" not in by_coder["coder-1"]


def test_reimporting_own_export_adds_nothing(source: Project, tmp_path: Path, dump) -> None:  # type: ignore[no-untyped-def]
    export_path(source, tmp_path / "ls.json")
    before = dump(source)
    report = import_paths(source, [tmp_path / "ls.json"])
    assert report.refused == []
    assert report.annotations_added == report.documents_added == report.statuses_set == 0
    assert dump(source) == before


@pytest.mark.skipif(not (SAMPLE / "annotations.jsonl").exists(), reason="sample corpus not built")
def test_sample_corpus_round_trip_through_the_cli(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    p1, p2, out = tmp_path / "p1.sqlite", tmp_path / "p2.sqlite", tmp_path / "corpus.json"
    assert run_cli("--project", p1, "codebook", "import", CODEBOOK)[0] == 0
    assert run_cli("--project", p1, "import", SAMPLE)[0] == 0
    code, text, err = run_cli("--project", p1, "export", out)
    assert code == 0 and "Label Studio" in text, err
    code, _, err = run_cli("--project", p2, "import", out)
    assert code == 0, err
    with Project(p1) as one, Project(p2) as two:
        assert content(one) == content(two)
        assert len(content(one)["annotations"]) > 50


# --------------------------------------------------------------------------- Label Studio's files


def _stored_texts(path: Path) -> list[str]:
    """The text Label Studio stored for every region of a submitted annotation."""
    tasks = json.loads(path.read_text("utf-8"))
    tasks = tasks if isinstance(tasks, list) else [tasks]
    return sorted(r["value"]["text"].replace("\\n", "\n") for t in tasks
                  for a in t.get("annotations", []) if not a.get("was_cancelled")
                  for r in a["result"] if r["type"] == "labels")


@pytest.mark.parametrize("name", ["named_entity_annotation.json", "named_entity_tasks.json",
                                  "converter_csv_test.json", "emoji_regions.json"])
def test_label_studio_files_land_on_the_stored_text(name: str) -> None:
    snap, warnings = read_label_studio(FIXTURES / name)
    assert sorted(a.quote for a in snap.annotations) == _stored_texts(FIXTURES / name)
    assert not any("differs from the document" in w for w in warnings)


def test_what_label_studio_files_bring() -> None:
    snap, warnings = read_label_studio(FIXTURES / "named_entity_annotation.json")
    assert [a.quote for a in snap.annotations] == ["February 22"]
    assert [c.name for c in snap.coders] == ["label-studio"]  # no completed_by in the file
    assert [s.status for s in snap.statuses] == ["done"]
    assert [lb.name for lb in snap.codebook.themes] == ["Date"]

    snap, warnings = read_label_studio(FIXTURES / "named_entity_tasks.json")
    assert snap.annotations == [] and len(snap.documents) == 1
    assert warnings == ["1 prediction skipped"]

    snap, warnings = read_label_studio(FIXTURES / "converter_csv_test.json")
    assert [c.name for c in snap.coders] == ["hakan@heartex.com"]
    assert [d.metadata["label_studio_id"] for d in snap.documents] == ["1", "2"]
    assert "3 'rectanglelabels' results not carried" in warnings
    assert "2 predictions skipped" in warnings

    snap, warnings = read_label_studio(FIXTURES / "emoji_regions.json")
    assert sorted(a.quote for a in snap.annotations) == ["Warning:\n🐱 This is a test", "test"]
    assert all("read as code points (the standard)" in w for w in warnings)


def _write(path: Path, tasks: object) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False), "utf-8")
    return path


def test_old_utf16_exports_are_detected(tmp_path: Path) -> None:
    """HumanSignal/label-studio issue #1347: Label Studio of 2021 counted UTF-16 units."""
    text = "💩This is an annotation. 🐱 And a second one."

    def u16(cp: int) -> int:
        return len(text[:cp].encode("utf-16-le")) // 2
    first, second = text.index("annotation"), text.index("second")
    assert (u16(first), u16(first + 10)) == (13, 23)  # as in the issue
    path = _write(tmp_path / "old.json", [{"id": 1, "data": {"text": text}, "annotations": [
        {"id": 2, "completed_by": 7, "result": [
            {"id": "a", "type": "labels", "from_name": "label", "to_name": "text",
             "value": {"start": 13, "end": 23, "text": "annotation", "labels": ["Annotation"]}},
            {"id": "b", "type": "labels", "from_name": "label", "to_name": "text",
             "value": {"start": u16(second), "end": u16(second + 6), "text": "second",
                       "labels": ["Annotation"]}}]}]}])
    snap, warnings = read_label_studio(path)
    assert sorted(a.quote for a in snap.annotations) == ["annotation", "second"]
    assert any("task 1': positions read as UTF-16 units" in w for w in warnings)
    assert [c.name for c in snap.coders] == ["label-studio-user-7"]
    snap, warnings = read_label_studio(path, positions="codepoints")  # forced
    # Two astral characters before "second" put it two characters late.
    assert sorted(a.quote for a in snap.annotations) == ["cond o", "nnotation."]
    assert any("differs from the document" in w for w in warnings)


def test_annotators_regions_and_what_is_not_carried(tmp_path: Path) -> None:
    text = "Tariffs hurt farmers. Exports fell sharply."
    region = {"type": "labels", "from_name": "label", "to_name": "text"}
    path = _write(tmp_path / "ls.json", [{"id": 5, "data": {"text": text, "title": "Trade"},
        "annotations": [
            {"id": 1, "completed_by": {"id": 3, "email": "a@x.org"},
             "created_at": "2024-01-02T03:04:05.000000Z", "result": [
                {**region, "id": "r1", "value": {"start": 0, "end": 7, "text": "Tariffs",
                                                   "labels": ["critical", "trade"]}},
                {"id": "r1", "type": "choices", "from_name": "tone", "to_name": "text",
                 "value": {"choices": ["angry"]}},
                {"id": "r1", "type": "textarea", "from_name": "why", "to_name": "text",
                 "value": {"text": ["strong word"]}},
                {**region, "id": "r2", "value": {"start": 0, "end": 7, "text": "Tariffs",
                                                   "labels": ["economy"]}},
                {"id": "doc", "type": "choices", "from_name": "topic", "to_name": "text",
                 "value": {"choices": ["politics", "economy"]}},
                {"id": "t", "type": "textarea", "from_name": "summary", "to_name": "text",
                 "value": {"text": ["about tariffs"]}},
                {"type": "relation", "from_id": "r1", "to_id": "r2", "direction": "right"},
                {"id": "x", "type": "rating", "from_name": "r", "to_name": "text",
                 "value": {"rating": 4}}]},
            {"id": 2, "completed_by": 4, "result": [
                {**region, "id": "q", "value": {"start": 22, "end": 29, "text": "Exports",
                                                  "labels": ["trade"]}}]},
            {"id": 3, "completed_by": 5, "was_cancelled": True, "result": []},
            {"id": 4, "completed_by": 6, "result": []}],
        "drafts": [{"id": 1, "result": []}, {"id": 2, "result": []}],
        "predictions": [{"result": []}]}])
    snap, warnings = read_label_studio(path, stance_names={"critical"})
    labels = snap.codebook.by_id()
    coders = {c.id: c.name for c in snap.coders}
    passages = sorted((coders[a.coder_id], a.quote, labels[a.stance_id].name if a.stance_id
                       else None, sorted(labels[t].name for t in a.theme_ids), a.note)
                      for a in snap.annotations)
    assert passages == [
        ("a@x.org", "Tariffs", "critical", ["angry", "economy", "trade"], "strong word"),
        ("label-studio-user-4", "Exports", None, ["trade"], None)]
    assert snap.annotations[0].created == "2024-01-02T03:04:05.000000Z"
    assert sorted((coders[s.coder_id], s.status) for s in snap.statuses) == [
        ("a@x.org", "done"), ("label-studio-user-4", "done"), ("label-studio-user-6", "done")]
    assert snap.documents[0].title == "Trade"
    for line in ["2 document-level choices not carried",
                 "1 document-level text answer not carried",
                 "1 relation not carried", "1 'rating' result not carried",
                 "1 cancelled annotation skipped", "2 drafts skipped", "1 prediction skipped"]:
        assert line in warnings
    # Deterministic ids: reading again gives the same passages.
    again, _ = read_label_studio(path, stance_names={"critical"})
    assert [a.id for a in again.annotations] == [a.id for a in snap.annotations]


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.json", [
        "not a task",
        {"id": 2, "data": {"image": "x.png"}, "annotations": []},
        {"id": 3, "data": {"text": "Short."}, "annotations": [{"result": [
            {"id": "a", "type": "labels", "value": {"start": 0, "end": 99, "labels": ["x"]}}]}]},
        {"id": 4, "data": {"text": "Short."}, "annotations": [{"result": [
            {"id": "a", "type": "labels", "value": {"start": "0", "end": 2, "labels": ["x"]}},
            {"id": "b", "type": "labels", "value": {"start": 3, "end": 2, "labels": ["x"]}},
            {"id": "c", "type": "labels", "value": {"start": 0, "end": 2, "labels": [""]}}]}]},
        {"id": 5, "data": {"text": "Short."}, "annotations": "none"}])
    with pytest.raises(FormatError) as info:
        read_label_studio(path)
    message = str(info.value)
    for part in ["item 1: a task must be a JSON object", "task 2: no text",
                 "task 4, annotation 1, region a: value.start and value.end must be whole",
                 "task 4, annotation 1, region b: start 3 is not before end 2",
                 "task 4, annotation 1, region c: value.labels must be a list of label names",
                 "task 5: 'annotations' must be a list", "nothing was imported"]:
        assert part in message, part
    good = _write(tmp_path / "far.json", [{"id": 3, "data": {"text": "Short."}, "annotations": [
        {"result": [{"id": "a", "type": "labels",
                     "value": {"start": 0, "end": 99, "labels": ["x"]}}]}]}])
    with pytest.raises(FormatError, match=r"task 3, annotation 1, region a: 0\.\.99 is outside"):
        read_label_studio(good)


def test_other_json_files(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="JSON-MIN"):
        read_label_studio(_write(tmp_path / "min.json", [{"id": 1, "text": "x", "label": []}]))
    with pytest.raises(FormatError, match="not a Label Studio export"):
        read_label_studio(_write(tmp_path / "other.json", {"some": "thing"}))
    broken = tmp_path / "broken.json"
    broken.write_text("[{", "utf-8")
    with pytest.raises(FormatError, match="not valid JSON"):
        read_label_studio(broken)


def test_folder_with_a_codebook_and_a_label_list_still_imports(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "book.codebook.json").write_text(json.dumps(
        {"name": "b", "stance": {"labels": []}, "themes": {"labels": []}}), "utf-8")
    (folder / "label_config.json").write_text(json.dumps(
        [{"id": 1, "text": "PER", "backgroundColor": "#fff", "textColor": "#000"}]), "utf-8")
    _write(folder / "tasks.json", [{"data": {"text": "A text."}, "annotations": []}])
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [folder])
        # Folder walks take a .json only when it looks like a Label Studio export: the
        # codebook is left alone (import it with `codebook import`); the label list, a JSON
        # list too, is recognised by its reader and only warned about.
        assert report.refused == [] and report.documents_added == 1
        assert not any("book.codebook.json" in w for w in report.warnings)


def test_hostile_json_is_refused_or_cleaned(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('[{"data": {"text": "x", "meta": ' + "[" * 5000 + "]" * 5000 + "}}]",
                    "utf-8")
    with pytest.raises(FormatError, match="nested more than"):
        read_label_studio(deep)
    lone = tmp_path / "lone.json"
    lone.write_text('[{"data": {"text": "bad \\ud800 text"}, "annotations": [{"result": [{"id":'
                    ' "a", "type": "labels", "value": {"start": 6, "end": 10, "text": "text",'
                    ' "labels": ["x"]}}]}]}]', "utf-8")
    snap, warnings = read_label_studio(lone)
    assert snap.documents[0].text == "bad \ufffd text"
    assert [a.quote for a in snap.annotations] == ["text"]
    assert any("lone surrogate replaced by U+FFFD" in w for w in warnings)
