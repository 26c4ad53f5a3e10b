"""Preferences through the real dialog and widgets: shortcuts (conflicts, desktop keys,
remembered and applied at start-up), palette and recolouring, underline styles, font size;
and the codebook editor keeping what was typed."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QTextCursor

from desk_annotator import keymap
from desk_annotator.gui.codebook_editor import CodebookEditorDialog
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.preferences import PreferencesDialog
from desk_annotator.gui.settings import Settings
from desk_annotator.palettes import PALETTES
from desk_annotator.paths import settings_path
from desk_annotator.project import Project

TEXT = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron"
PORTABLE = QKeySequence.SequenceFormat.PortableText


class _Article:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_label("stance", "supportive", color="#1b9e77", key="1")
    proj.add_label("themes", "open source", color="#e69f00", key="o")
    proj.add_label("themes", "chips", color="#56b4e9", key="x")
    proj.add_label("themes", "governance", color="#009e73", key="g")
    proj.add_label("themes", "safety", color="#0072b2", key="s")
    proj.add_documents([_Article("Greek", TEXT)])
    yield proj
    proj.close()


def make_window(qtbot, project) -> MainWindow:
    win = MainWindow(project, coder_name="alice", settings=Settings())
    qtbot.addWidget(win)
    win.resize(1100, 760)
    win.show()
    qtbot.waitExposed(win)
    win.open_document(project.q.document_infos()[0].id)
    return win


@pytest.fixture
def window(qtbot, project):
    return make_window(qtbot, project)


def open_dialog(window: MainWindow) -> PreferencesDialog:
    window.actions_by_name["preferences"].trigger()
    [dialog] = window.findChildren(PreferencesDialog)
    assert dialog.isVisible()
    return dialog


def key_of(window: MainWindow, name: str) -> str:
    return window.actions_by_name[name].shortcut().toString(PORTABLE)


def stored() -> dict:
    return json.loads(settings_path().read_text(encoding="utf-8"))


def label(project: Project, name: str):
    return next(lb for lb in project.q.labels() if lb.name == name)


# -- shortcuts ---------------------------------------------------------------------------------

def test_every_action_has_its_default_key_and_none_is_the_desktops(window):
    assert key_of(window, "preferences") == "Ctrl+,"
    assert [key_of(window, n) for n in ("start_left", "start_right", "end_left", "end_right")] \
        == ["Alt+,", "Alt+.", "Alt+Shift+,", "Alt+Shift+."]
    for name in window.actions_by_name:
        key = key_of(window, name)
        assert keymap.reserved_reason(key) is None, (name, key)
        if name in keymap.DEFAULTS:
            assert key == keymap.DEFAULTS[name], name
    dialog = open_dialog(window)
    listed = {dialog.table.item(r, 0).data(Qt.ItemDataRole.UserRole)
              for r in range(dialog.table.rowCount())}
    assert listed == set(window.actions_by_name)  # every action of the window, none missing


def test_new_span_edge_keys_move_the_annotation(qtbot, project, window):
    start = TEXT.index("gamma")
    ann = project.add_annotation(project.q.document_infos()[0].id, window.coder_id(),
                                 start, start + len("gamma"))
    window.view.set_current_annotation(ann.id)
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.AltModifier)
    assert project.q.annotation(ann.id).quote == "beta gamma"


def test_shortcut_recorded_in_the_dialog_is_applied_and_remembered(qtbot, project, window):
    dialog = open_dialog(window)
    dialog.select_action("note")
    dialog.key_edit.setFocus()
    qtbot.keyClick(dialog.key_edit, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert key_of(window, "note") == "Ctrl+Shift+N"
    assert dialog.table.item(dialog.row_of("note"), 1).text() == "Ctrl+Shift+N"
    assert stored()["shortcuts"] == {"note": "Ctrl+Shift+N"}
    window.close()
    again = make_window(qtbot, project)  # start-up applies the user's keys
    assert key_of(again, "note") == "Ctrl+Shift+N"
    assert key_of(again, "undo") == "Ctrl+Z"
    again.actions_by_name["shortcuts"].trigger()  # F1 shows the keys as they are now
    assert "Ctrl+Shift+N" in again.last_message[1] and "Alt+," in again.last_message[1]


def test_conflicting_typing_and_desktop_keys_are_refused(qtbot, window):
    dialog = open_dialog(window)
    dialog.select_action("note")
    dialog.key_edit.setKeySequence(QKeySequence("Ctrl+Z"))
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert "Edit: Undo" in dialog.message.text()  # names the action that has the key
    assert key_of(window, "note") == "F2"
    assert dialog.key_edit.keySequence().toString(PORTABLE) == "F2"  # edit shows it again
    for key, words in (("Ctrl+Alt+Left", "desktop"), ("Meta+E", "desktop"),
                       ("Alt+Shift+Right", "desktop"), ("O", "typing")):
        assert not dialog.assign("note", key)
        assert words in dialog.last_error, key
    assert key_of(window, "note") == "F2"
    assert "shortcuts" not in stored()
    # a key can move once its owner lets go of it
    assert dialog.assign("undo", "")
    assert dialog.assign("note", "Ctrl+Z")
    assert key_of(window, "note") == "Ctrl+Z" and key_of(window, "undo") == ""
    qtbot.mouseClick(dialog.reset_all_button, Qt.MouseButton.LeftButton)
    assert key_of(window, "note") == "F2" and key_of(window, "undo") == "Ctrl+Z"
    assert stored()["shortcuts"] == {}


def test_hand_edited_conflicting_override_is_ignored_at_start(qtbot, project, home):
    settings = Settings()
    settings.set("shortcuts", {"note": "Ctrl+Z", "find_next": "Ctrl+Alt+Left",
                               "bounds": "Ctrl+Shift+B"})
    win = make_window(qtbot, project)
    assert key_of(win, "note") == "F2" and key_of(win, "undo") == "Ctrl+Z"
    assert key_of(win, "find_next") == "F3"
    assert key_of(win, "bounds") == "Ctrl+Shift+B"


# -- palette -----------------------------------------------------------------------------------

def test_palette_choice_recolours_labels_in_one_undoable_step(project, window):
    before = [lb.color for lb in project.q.labels()]
    dialog = open_dialog(window)
    questions = []
    dialog.confirm = lambda title, question: questions.append(question) or True
    dialog.palette_combo.setCurrentIndex(list(PALETTES).index("tol_bright"))
    assert len(questions) == 1 and "5 existing labels" in questions[0]
    bright = PALETTES["tol_bright"].colors
    assert label(project, "supportive").color == bright[0]
    assert [label(project, n).color for n in ("open source", "chips", "governance", "safety")] \
        == list(bright[:4])
    assert stored()["palette"] == "tol_bright"
    window.actions_by_name["undo"].trigger()  # Ctrl+Z: the recolouring was one step
    assert [lb.color for lb in project.q.labels()] == before


def test_declining_the_recolouring_keeps_colours_but_new_labels_use_the_palette(qtbot, project,
                                                                               window):
    before = [lb.color for lb in project.q.labels()]
    dialog = open_dialog(window)
    dialog.confirm = lambda _t, _q: False
    dialog.palette_combo.setCurrentIndex(list(PALETTES).index("tol_muted"))
    assert [lb.color for lb in project.q.labels()] == before
    editor = CodebookEditorDialog(project, window)
    qtbot.addWidget(editor)
    assert editor.palette_name == "tol_muted"
    editor.tabs.setCurrentIndex(1)
    editor.ask_text = lambda *_a: "energy"
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert label(project, "energy").color in PALETTES["tol_muted"].colors


def test_new_label_never_takes_a_colour_in_use(qtbot, project):
    # Four Okabe-Ito themes: the old count-based pick gave the fifth one #0072b2 again.
    editor = CodebookEditorDialog(project, palette="okabe_ito")
    qtbot.addWidget(editor)
    editor.tabs.setCurrentIndex(1)
    used = {lb.color.lower() for lb in project.q.labels() if lb.scheme == "themes"}
    names = iter(["rivalry", "energy", "standards", "rights", "data", "labour"])
    editor.ask_text = lambda *_a: next(names)
    for _ in range(6):
        qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
        colours = [lb.color.lower() for lb in project.q.labels() if lb.scheme == "themes"]
        assert len(colours) == len(set(colours)), colours
    assert label(project, "rivalry").color not in used


# -- underline styles and font size ------------------------------------------------------------

def _underline_coverage(window: MainWindow, start: int, end: int) -> float:
    """Share of pixel columns under [start, end) that show the (pure red) theme colour in
    the line's lowest rows."""
    view = window.view
    image = view.viewport().grab().toImage()
    scale = image.devicePixelRatio()
    def rect(pos):
        cursor = QTextCursor(view.document())
        cursor.setPosition(pos)
        return view.cursorRect(cursor)
    left, right, bottom = rect(start).left() + 2, rect(end).left() - 2, rect(start).bottom()
    hit = 0
    for x in range(left, right):
        for y in range(bottom - 4, bottom + 3):
            c = QColor(image.pixel(int(x * scale), int(y * scale)))
            if c.red() > 170 and c.green() < 110 and c.blue() < 110:
                hit += 1
                break
    return hit / max(1, right - left)


def test_underline_styles_tell_same_coloured_themes_apart(qtbot, project, window):
    for name in ("open source", "chips"):
        project.update_label(label(project, name).id, color="#ff0000")
    doc = project.q.document_infos()[0].id
    a0, a1 = TEXT.index("alpha"), TEXT.index("gamma")
    b0, b1 = TEXT.index("epsilon"), TEXT.index(" eta ") + 1  # "epsilon zeta"
    project.add_annotation(doc, window.coder_id(), a0, a1 - 1,
                           theme_ids=[label(project, "open source").id])
    project.add_annotation(doc, window.coder_id(), b0, b1 - 1,
                           theme_ids=[label(project, "chips").id])
    window.view.place_cursor(len(TEXT))
    qtbot.wait(20)
    solid, dashed = _underline_coverage(window, a0, a1 - 1), _underline_coverage(window, b0, b1 - 1)
    assert solid > 0.9 and dashed < 0.8  # first theme solid, second dashed
    dialog = open_dialog(window)
    qtbot.mouseClick(dialog.underline_check, Qt.MouseButton.LeftButton)
    assert dialog.underline_check.isChecked() is False and stored()["underline_styles"] is False
    qtbot.wait(20)
    plain_a, plain_b = _underline_coverage(window, a0, a1 - 1), _underline_coverage(window, b0,
                                                                                 b1 - 1)
    assert plain_a > 0.9 and plain_b > 0.9  # colour alone: the two look the same
    assert window.view.theme_style(label(project, "chips").id) is None
    dialog.underline_check.setChecked(True)
    assert window.view.theme_style(label(project, "chips").id) == "dashed"


def test_font_size_applies_and_is_remembered(qtbot, project, window):
    dialog = open_dialog(window)
    assert dialog.font_spin.value() == 12
    dialog.font_spin.setFocus()
    dialog.font_spin.selectAll()
    qtbot.keyClicks(dialog.font_spin, "18")
    assert window.view.font().pointSizeF() == 18
    assert stored()["reading_font_size"] == 18
    window.close()
    again = make_window(qtbot, project)
    assert again.view.font().pointSizeF() == 18


# -- codebook editor: nothing typed is lost ----------------------------------------------------

def test_definition_typed_then_other_label_selected_is_stored(qtbot, project):
    editor = CodebookEditorDialog(project)
    qtbot.addWidget(editor)
    editor.show()
    editor.tabs.setCurrentIndex(1)
    themes = editor.lists["themes"]
    themes.setCurrentRow(0)
    editor.description_edit.setFocus()
    qtbot.keyClicks(editor.description_edit, "Code and weights published openly.")
    second = themes.item(1)
    qtbot.mouseClick(themes.viewport(), Qt.MouseButton.LeftButton,
                     pos=themes.visualItemRect(second).center())
    assert editor.selected_label().name == "chips"
    assert label(project, "open source").description == "Code and weights published openly."
    assert editor.description_edit.toPlainText() == ""  # the form now shows "chips"
    # name and key typed, then the tab changes and the dialog closes: kept, one step each
    editor.name_edit.setText("chip exports")
    editor.key_edit.setText("c")
    editor.tabs.setCurrentIndex(0)
    assert label(project, "chip exports").key == "c"
    history = [h["description"] for h in project.history()[:3]]
    assert history == ["Edit label chip exports", "Edit label chips", "Edit label open source"]
    project.undo()  # the key only
    assert label(project, "chip exports").key == "x"
    editor.tabs.setCurrentIndex(1)
    editor.select_label(label(project, "governance").id)
    editor.description_edit.setPlainText("UN and treaties")
    editor.reject()
    assert label(project, "governance").description == "UN and treaties"
