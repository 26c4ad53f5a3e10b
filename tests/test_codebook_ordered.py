"""The ordered stance scale switch: SetStanceOrdered (undo/redo), `codebook ordered`, and the
codebook JSON export that carries it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.io.codebook_json import parse_codebook_json
from desk_annotator.models import Codebook, Label
from desk_annotator.ops import SetStanceOrdered
from desk_annotator.project import Project
from desk_annotator.project_io import export_codebook_file

BOOK = {"name": "Scale book",
        "stance": {"labels": [{"name": "against"}, {"name": "neutral"}, {"name": "for"}]},
        "themes": {"labels": [{"name": "chips"}]}}


def ordered(project: Project) -> bool:
    return project.q.codebook().ordered_stance


def exported(project: Project, tmp_path: Path) -> dict:
    path = tmp_path / "out.json"
    export_codebook_file(project, path)
    return json.loads(path.read_text("utf-8"))


def test_switch_on_off_with_undo_and_redo(seeded, dump, tmp_path: Path) -> None:
    project, _ = seeded
    before = dump(project)
    assert not ordered(project)
    assert project.run(SetStanceOrdered(True)) is True
    assert ordered(project) and project.q.meta("stance_ordered") == "1"
    assert project.history(1)[0]["description"] == "Treat stance labels as an ordered scale"
    assert exported(project, tmp_path)["stance"].get("ordered") is True

    assert project.undo() == "Treat stance labels as an ordered scale"
    assert not ordered(project)
    assert dump(project) == before  # the meta row is gone again, nothing else changed
    assert "ordered" not in exported(project, tmp_path)["stance"]
    assert project.redo() == "Treat stance labels as an ordered scale"
    assert ordered(project)

    assert project.run(SetStanceOrdered(False)) is True
    assert not ordered(project)
    assert project.q.meta("stance_ordered") is None
    project.undo()
    assert ordered(project)
    project.redo()
    assert not ordered(project)
    assert dump(project) == before


def test_setting_the_current_state_records_nothing(seeded) -> None:
    project, _ = seeded
    entries = len(project.history())
    assert project.run(SetStanceOrdered(False)) is False
    project.run(SetStanceOrdered(True))
    assert project.run(SetStanceOrdered(True)) is False
    assert len(project.history()) == entries + 1


def test_switching_off_after_an_imported_ordered_codebook(tmp_path: Path) -> None:
    with Project(tmp_path / "p.sqlite") as project:
        project.import_codebook(Codebook(name="b", ordered_stance=True, labels=[
            Label(scheme="stance", name="low"), Label(scheme="stance", name="high")]))
        assert ordered(project)
        project.run(SetStanceOrdered(False))
        assert not ordered(project)
        assert "ordered" not in exported(project, tmp_path)["stance"]
        # Undo of the switch brings the imported setting back; undo of the import, the default.
        project.undo()
        assert ordered(project)
        project.undo()
        assert not ordered(project) and project.q.labels() == []


def test_export_round_trip_keeps_the_scale_order(seeded, tmp_path: Path) -> None:
    project, ids = seeded
    project.run(SetStanceOrdered(True))
    crit, sup = ids["labels"]["critical"], ids["labels"]["supportive"]
    project.reorder_labels("stance", [crit.id, sup.id])
    data = exported(project, tmp_path)
    assert data["stance"]["ordered"] is True
    assert [lb["name"] for lb in data["stance"]["labels"]] == ["critical", "supportive"]
    book = parse_codebook_json(json.dumps(data))
    assert book.ordered_stance and [lb.name for lb in book.stance] == ["critical", "supportive"]


def test_refused_in_a_read_only_project(seeded) -> None:
    project, _ = seeded
    path = project.path
    project.close()
    with Project(path, read_only=True) as reader:
        with pytest.raises(OperationError, match="not saved"):
            reader.run(SetStanceOrdered(True))
        assert not ordered(reader)


# -- command line ---------------------------------------------------------------------------

def test_cli_codebook_ordered(tmp_path: Path, run_cli) -> None:
    book = tmp_path / "book.json"
    book.write_text(json.dumps(BOOK), "utf-8")
    path = tmp_path / "p.sqlite"
    assert run_cli("--project", path, "codebook", "import", book)[0] == 0
    code, out, _ = run_cli("--project", path, "codebook", "ordered")
    assert code == 0 and out.strip() == "stance scale: unordered"

    code, out, _ = run_cli("--project", path, "codebook", "ordered", "on")
    assert code == 0 and out.strip() == "stance scale: ordered"
    code, out, _ = run_cli("--project", path, "codebook", "ordered")
    assert out.strip() == "stance scale: ordered (against < neutral < for)"
    code, out, _ = run_cli("--project", path, "codebook", "ordered", "on")
    assert code == 0 and "unchanged" in out

    out_json = tmp_path / "book-out.json"
    assert run_cli("--project", path, "codebook", "export", out_json)[0] == 0
    assert json.loads(out_json.read_text("utf-8"))["stance"]["ordered"] is True

    # The switch is a project-wide action: plain `undo` takes it back.
    code, out, _ = run_cli("--project", path, "undo")
    assert code == 0 and "ordered scale" in out
    assert run_cli("--project", path, "codebook", "ordered")[1].strip() == "stance scale: unordered"
    assert run_cli("--project", path, "redo")[0] == 0
    assert run_cli("--project", path, "codebook", "ordered", "off")[1].strip() == (
        "stance scale: unordered")
    with Project(path) as project:
        assert not ordered(project)

    code, _, err = run_cli("--project", path, "codebook", "ordered", "maybe")
    assert code == 2 and "Traceback" not in err
