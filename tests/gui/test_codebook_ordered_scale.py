"""The codebook editor's "ordered scale" box: one undoable action, follows undo and imports,
and is switched off in a read-only project."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from desk_annotator.ops import SetStanceOrdered
from desk_annotator.project import Project


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    proj = Project(tmp_path / "p.sqlite")
    for name in ("against", "neutral", "for"):
        proj.add_label("stance", name)
    proj.add_label("themes", "chips")
    yield proj
    proj.close()


@pytest.fixture
def editor(qtbot, project):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog

    dialog = CodebookEditorDialog(project)
    qtbot.addWidget(dialog)
    return dialog


def test_checkbox_runs_the_op_and_follows_undo(editor, project):
    box = editor.ordered_check
    assert box.text() == "Stance labels form an ordered scale (list order)"
    assert not box.isChecked() and box.isEnabled()
    box.click()
    assert box.isChecked()
    assert project.q.codebook().ordered_stance
    assert project.history(1)[0]["description"] == "Treat stance labels as an ordered scale"
    # Undo elsewhere (menu, CLI in the same process): the box follows the project.
    project.undo()
    assert not project.q.codebook().ordered_stance
    assert not box.isChecked()
    project.redo()
    assert box.isChecked()
    box.click()
    assert not box.isChecked() and not project.q.codebook().ordered_stance


def test_move_buttons_set_the_scale_order(editor, project, tmp_path):
    editor.ordered_check.click()
    editor.select_label(project.q.codebook().find("stance", "for").id)
    editor.up_button.click()
    assert [lb.name for lb in project.q.codebook().stance] == ["against", "for", "neutral"]
    assert editor.export_to(tmp_path / "book.json")
    data = json.loads((tmp_path / "book.json").read_text("utf-8"))
    assert data["stance"]["ordered"] is True
    assert [lb["name"] for lb in data["stance"]["labels"]] == ["against", "for", "neutral"]


def test_import_of_an_ordered_codebook_ticks_the_box(editor, project, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"name": "b", "stance": {"ordered": True, "labels": [
        {"name": "against"}, {"name": "neutral"}, {"name": "for"}]}}), "utf-8")
    assert editor.import_from(path)
    assert editor.ordered_check.isChecked()


def test_read_only_project_box_is_disabled(qtbot, project):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog

    project.run(SetStanceOrdered(True))
    path = project.path
    project.close()
    with Project(path, read_only=True) as reader:
        dialog = CodebookEditorDialog(reader)
        qtbot.addWidget(dialog)
        assert dialog.ordered_check.isChecked() and not dialog.ordered_check.isEnabled()
        assert not dialog.set_stance_ordered(False)
        assert "Read-only" in dialog.error_label.text()
        assert dialog.ordered_check.isChecked()
        dialog.reject()
