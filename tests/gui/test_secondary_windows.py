"""Secondary windows driven as a user would, with the results checked in the project store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402

from desk_annotator.project import Project  # noqa: E402

TEXT_A = ("The plan backs open models 🚀 and cheap compute. Critics say export rules hurt allies. "
          "Officials in Beijing welcomed talks. Nothing else happened that week.")
TEXT_B = "A short second article about chips, chips and more chips."


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    proj = Project(tmp_path / "p.sqlite")
    proj.add_documents([SimpleNamespace(title="Plan article", text=TEXT_A, metadata={}),
                        SimpleNamespace(title="Chips", text=TEXT_B, metadata={})])
    for name, color, key in (("supportive", "#1b9e77", "1"), ("critical", "#d95f02", "2"),
                             ("neutral", "#666666", "3")):
        proj.add_label("stance", name, color=color, key=key)
    for name in ("open source", "export controls"):
        proj.add_label("themes", name, color="#56b4e9")
    proj.ensure_coder("alice")
    proj.ensure_coder("bob")
    yield proj
    proj.close()


def label_id(project: Project, scheme: str, name: str) -> str:
    label = project.q.codebook().find(scheme, name)
    assert label is not None, name
    return label.id


def doc_ids(project: Project) -> list[str]:
    return [info.id for info in project.q.document_infos()]


# -- codebook editor ---------------------------------------------------------------------

@pytest.fixture
def editor(qtbot, project):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog

    dialog = CodebookEditorDialog(project)
    qtbot.addWidget(dialog)
    asked: list[str] = []
    dialog.confirm = lambda title, question: asked.append(question) or dialog.answer
    dialog.answer = False
    dialog.asked = asked
    return dialog


def test_editor_add_rename_recolour_describe_key(editor, project):
    editor.tabs.setCurrentIndex(1)
    editor.ask_text = lambda *_: "military use"
    editor.add_button.click()
    label = project.q.codebook().find("themes", "military use")
    assert label is not None and label.order == 2
    assert editor.selected_label().id == label.id

    editor.name_edit.setText("defence")
    editor.name_edit.editingFinished.emit()
    assert project.q.label(label.id).name == "defence"

    editor.choose_color = lambda initial: QColor("#123456")
    editor.colour_button.click()
    assert project.q.label(label.id).color == "#123456"

    editor.description_edit.setPlainText("Armed forces and security services.")
    editor.save_description_button.click()
    assert project.q.label(label.id).description == "Armed forces and security services."

    editor.key_edit.setText("d")
    editor.key_edit.editingFinished.emit()
    assert project.q.label(label.id).key == "d"
    # A shortcut already taken is refused with a one-line message, and nothing changes.
    editor.set_selected_key("1")
    assert project.q.label(label.id).key == "d"
    assert "already used" in editor.error_label.text()


def test_editor_reorder_and_undo(editor, project):
    critical = label_id(project, "stance", "critical")
    editor.select_label(critical)
    editor.up_button.click()
    assert [lb.name for lb in project.q.codebook().stance] == ["critical", "supportive", "neutral"]
    assert [editor.lists["stance"].item(r).text().split()[0] for r in range(3)] == [
        "critical", "supportive", "neutral"]
    project.undo()
    assert [lb.name for lb in project.q.codebook().stance] == ["supportive", "critical", "neutral"]
    # The editor follows undo done elsewhere (it listens to the project).
    assert editor.lists["stance"].item(0).text().startswith("supportive")


def test_editor_merge(editor, project):
    alice = project.coder_by_name("alice").id
    doc = doc_ids(project)[0]
    neutral, critical = label_id(project, "stance", "neutral"), label_id(project, "stance", "critical")
    ann = project.add_annotation(doc, alice, 0, 8, stance_id=neutral)
    editor.select_label(neutral)
    editor.choose_target = lambda choices: next(lb for lb in choices if lb.name == "critical")
    editor.merge_button.click()
    assert project.q.label(neutral) is None
    assert project.q.annotation(ann.id).stance_id == critical
    project.undo()
    assert project.q.annotation(ann.id).stance_id == neutral


def test_editor_delete_refused_while_used_then_confirmed(editor, project):
    alice = project.coder_by_name("alice").id
    doc = doc_ids(project)[0]
    theme = label_id(project, "themes", "open source")
    ann = project.add_annotation(doc, alice, 0, 8, theme_ids=[theme])
    editor.select_label(theme)
    editor.delete_button.click()
    assert editor.asked == ["“open source” is used by 1 annotation — remove it from them?"]
    assert project.q.label(theme) is not None

    editor.answer = True
    editor.delete_button.click()
    assert project.q.label(theme) is None
    assert project.q.annotation(ann.id).theme_ids == []
    project.undo()
    assert project.q.annotation(ann.id).theme_ids == [theme]

    unused = label_id(project, "themes", "export controls")
    editor.select_label(unused)
    editor.asked.clear()
    editor.delete_button.click()
    assert editor.asked == [] and project.q.label(unused) is None
