"""The article coding bar in the reading view header: click and keyboard coding, refresh
after undo and after changes made elsewhere, the keys in Help and Preferences, and the
compare view's "Article from A/B". Every step is checked in the store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desk_annotator.document_coding import codings_by_name
from desk_annotator.models import GOLD_CODER
from desk_annotator.ops_document_coding import SetDocumentCoding
from desk_annotator.project import Project


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_label("stance", "supportive", color="#1b9e77", key="1")
    proj.add_label("stance", "critical", color="#d95f02", key="2")
    proj.add_label("themes", "open source", color="#E69F00", key="o")
    proj.add_label("themes", "deregulation", color="#56B4E9", key="d")  # Alt+D: Document menu
    proj.add_documents([SimpleNamespace(title="First", text="Some text about chips.",
                                        metadata={}),
                        SimpleNamespace(title="Second", text="Another text.", metadata={})])
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.show()
    win.open_document(doc_id(project, "First"))
    return win


def doc_id(project: Project, title: str) -> str:
    return next(d.id for d in project.q.document_infos() if d.title == title)


def label_id(project: Project, name: str) -> str:
    return next(lb.id for lb in project.q.labels() if lb.name == name)


def mine(project: Project, title: str = "First") -> dict | None:
    return codings_by_name(project).get(doc_id(project, title), {}).get("alice")


def test_clicks_code_the_open_document_and_undo_refreshes_the_bar(window, project):
    bar = window.article_bar
    assert bar.isVisibleTo(window) and len(bar.stance_buttons) == 2
    bar.stance_buttons[label_id(project, "critical")].click()
    assert mine(project)["stance"] == "critical"
    assert bar.stance_buttons[label_id(project, "critical")].isChecked()
    action = next(a for a in bar.theme_menu.actions() if a.text() == "open source")
    action.trigger()
    assert mine(project)["themes"] == ["open source"]
    assert [b.text() for b in bar.theme_buttons.values()] == ["open source ×"]
    window.undo()  # Ctrl+Z: the theme goes, and the chip with it
    assert mine(project)["themes"] == [] and bar.theme_buttons == {}
    bar.stance_buttons[label_id(project, "critical")].click()  # the chosen one again: off
    assert mine(project) is None
    assert not bar.stance_buttons[label_id(project, "critical")].isChecked()
    window.open_document(doc_id(project, "Second"))
    assert bar.document_id == doc_id(project, "Second") and bar.coding is None


def test_keyboard_codes_the_article_without_clashing(qtbot, window, project):
    bar = window.article_bar
    keys = {a.text(): a.shortcut().toString() for a in bar.key_actions.values()}
    assert keys["Article stance: critical"] == "Alt+2"
    assert keys["Article theme: open source"] == "Alt+O"
    assert keys["Article theme: deregulation"] == "Alt+Shift+D"  # Alt+D opens the menu
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_D,
                   Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert mine(project) == {"stance": "critical", "themes": ["open source", "deregulation"],
                             "note": None, "updated": mine(project)["updated"]}
    assert project.q.annotations() == []  # the passage coding is untouched


def test_keys_are_listed_in_help_and_preferences(window):
    from desk_annotator.gui import preferences
    from desk_annotator.gui.menus import shortcut_help

    help_text = shortcut_help(window.actions_by_name)
    assert "Alt+Shift+D" in help_text and "Article: deregulation" in help_text
    dialog = preferences.PreferencesDialog(window)
    names = dialog._names()
    assert all(name in names for name in window.article_bar.key_actions)


def test_changes_made_elsewhere_and_label_edits_show(window, project):
    bar = window.article_bar
    alice = project.coder_by_name("alice").id
    project.run(SetDocumentCoding(doc_id(project, "First"), alice,
                                  label_id(project, "supportive"), [], "from a script"), alice)
    assert bar.stance_buttons[label_id(project, "supportive")].isChecked()
    assert bar.note_button.text() == "Note ✎"
    project.add_label("stance", "neutral", key="3")
    assert len(bar.stance_buttons) == 3 and any(
        a.shortcut().toString() == "Alt+3" for a in bar.key_actions.values())
    bar.set_note("")
    assert mine(project)["note"] is None


def test_gold_bar_takes_a_coders_article_coding(qtbot, project):
    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.compare_view import CompareWindow

    project.ensure_coder("alice")
    bob = project.ensure_coder("bob").id
    doc = doc_id(project, "First")
    project.run(SetDocumentCoding(doc, bob, label_id(project, "critical"),
                                  [label_id(project, "open source")]), bob)
    window = CompareWindow(project, ProjectBridge(project), doc, "alice", "bob")
    qtbot.addWidget(window)
    bar = window.adjudication
    assert not bar.article_buttons[0].isEnabled() and bar.article_buttons[1].isEnabled()
    bar.article_buttons[1].click()
    gold = codings_by_name(project)[doc][GOLD_CODER]
    assert (gold["stance"], gold["themes"]) == ("critical", ["open source"])
    assert project.undo(project.coder_by_name(GOLD_CODER).id)
    assert GOLD_CODER not in codings_by_name(project).get(doc, {})


def test_codebook_editor_asks_before_deleting_a_label_only_article_codings_use(qtbot, project):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog

    alice = project.ensure_coder("alice").id
    theme = label_id(project, "open source")
    project.run(SetDocumentCoding(doc_id(project, "First"), alice, None, [theme]), alice)
    editor = CodebookEditorDialog(project)
    qtbot.addWidget(editor)
    asked: list[str] = []
    editor.confirm = lambda title, question: asked.append(question) or True
    editor.select_label(theme)
    editor.delete_button.click()
    assert asked == [("“open source” is used by 0 annotations and 1 article coding — "
                     "remove it from them?")]
    assert project.q.label(theme) is None and mine(project) is None
