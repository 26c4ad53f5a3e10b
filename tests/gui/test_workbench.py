"""The workbench driven through its real widgets; every step is checked in the store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from desk_annotator.gui import file_actions
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.settings import Settings
from desk_annotator.project import Project

# Emoji (astral: 2 UTF-16 units), CJK and an accented word: offsets must survive the
# code point <-> UTF-16 conversion at the Qt boundary.
EMOJI_TEXT = ("Intro 😀 emoji then 中文字符 and more words here.\n"
              "Second sentence 🚀 talks about café policy and chips.")


@dataclass
class Article:
    title: str
    text: str
    metadata: dict[str, str | None] = field(default_factory=dict)


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_label("stance", "supportive", color="#1b9e77", key="1")
    proj.add_label("stance", "critical", color="#d95f02", key="2")
    proj.add_label("themes", "open source", color="#E69F00", key="o")
    proj.add_label("themes", "chips", color="#56B4E9", key="x")
    proj.add_documents([
        Article("Emoji article", EMOJI_TEXT, {"outlet": "Test Times", "date": "2025-01-02"}),
        Article("Plain article", "Plain ascii text about export controls.",
                {"outlet": "Other Gazette", "date": "2025-02-03"}),
    ])
    yield proj
    proj.close()


def label_id(project: Project, name: str) -> str:
    return next(lb.id for lb in project.q.labels() if lb.name == name)


def doc_id(project: Project, title: str) -> str:
    return next(d.id for d in project.q.document_infos() if d.title == title)


def utf16(text: str, cp: int) -> int:
    """Independent of the code under test: count UTF-16 units of the prefix."""
    return len(text[:cp].encode("utf-16-le")) // 2


def select_cp(window: MainWindow, start: int, end: int) -> None:
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(utf16(window.view.text, start))
    cursor.setPosition(utf16(window.view.text, end), QTextCursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)


def click_into(window: MainWindow, cp: int) -> None:
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(utf16(window.view.text, cp))
    window.view.setTextCursor(cursor)


@pytest.fixture
def window(qtbot, project):
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    win.open_document(doc_id(project, "Emoji article"))
    return win


def mine(project, window):
    return project.q.annotations(window.view.document_id, [window.coder.id])


def test_tag_undo_redo_edit_delete_workflow(qtbot, project, window):
    supportive, open_source = label_id(project, "supportive"), label_id(project, "open source")
    chips = label_id(project, "chips")
    cjk = EMOJI_TEXT.index("中文字符")

    # Select (a part of) the CJK word and tag it with the stance key "1": snapped to the word.
    select_cp(window, cjk + 1, cjk + 3)
    qtbot.keyClick(window.view, "1")
    [ann] = mine(project, window)
    assert (ann.start, ann.end, ann.quote, ann.stance_id) == (cjk, cjk + 4, "中文字符", supportive)
    assert len(window.view.visible_annotations()) == 1

    # Tag a passage after an astral emoji by clicking a theme in the codebook panel.
    cafe = EMOJI_TEXT.index("café policy")
    select_cp(window, cafe, cafe + len("café policy"))
    qtbot.mouseClick(window.codebook.buttons[open_source], Qt.MouseButton.LeftButton)
    anns = mine(project, window)
    second = next(a for a in anns if a.id != ann.id)
    assert second.quote == "café policy" and second.theme_ids == [open_source]
    assert second.stance_id is None
    assert window.annotations.model.rowCount() == 2

    # Undo / redo through the Edit menu, with the operation named in the action text.
    assert window.actions_by_name["undo"].text().startswith("Undo Tag passage")
    window.actions_by_name["undo"].trigger()
    assert [a.id for a in mine(project, window)] == [ann.id]
    assert len(window.view.visible_annotations()) == 1
    window.actions_by_name["redo"].trigger()
    assert {a.id for a in mine(project, window)} == {ann.id, second.id}
    assert len(window.view.visible_annotations()) == 2

    # Edit the themes of the first annotation: cursor inside it, then theme keys toggle.
    click_into(window, cjk + 2)
    assert window.view.current_annotation_id == ann.id
    qtbot.keyClick(window.view, "x")
    qtbot.keyClick(window.view, "o")
    assert set(project.q.annotation(ann.id).theme_ids) == {chips, open_source}
    qtbot.keyClick(window.view, "x")
    assert project.q.annotation(ann.id).theme_ids == [open_source]
    qtbot.keyClick(window.view, "2")  # change the stance
    assert project.q.annotation(ann.id).stance_id == label_id(project, "critical")
    assert window.codebook.buttons[open_source].isChecked()

    # Delete it (Del action); the highlight and the list row go too.
    window.actions_by_name["delete"].trigger()
    assert project.q.annotation(ann.id) is None
    assert [a.id for a in window.view.visible_annotations()] == [second.id]
    assert window.annotations.model.rowCount() == 1
    window.actions_by_name["undo"].trigger()
    assert project.q.annotation(ann.id) is not None


def test_boundaries_note_and_list_navigation(qtbot, project, window):
    words = EMOJI_TEXT.index("more words")
    select_cp(window, words, words + 4)
    qtbot.keyClick(window.view, "1")
    [ann] = mine(project, window)
    assert ann.quote == "more"
    window.actions_by_name["end_right"].trigger()  # Alt+Shift+Right: one more word
    assert project.q.annotation(ann.id).quote == "more words"
    window.actions_by_name["start_left"].trigger()  # Alt+Ctrl+Left: one word earlier
    assert project.q.annotation(ann.id).quote == "and more words"
    window.actions_by_name["end_left"].trigger()
    assert project.q.annotation(ann.id).quote == "and more"
    # "Set boundaries to selection"
    select_cp(window, words, words + len("more words here"))
    window.actions_by_name["bounds"].trigger()
    assert project.q.annotation(ann.id).quote == "more words here"
    # Note through the annotation list's editable column.
    model = window.annotations.model
    note_col = model.columns.index("Note")
    model.setData(model.index(0, note_col), "ironic tone")
    assert project.q.annotation(ann.id).note == "ironic tone"
    inside = QTextCursor(window.view.document())
    inside.setPosition(utf16(EMOJI_TEXT, words + 2))
    tip = window.view.tooltip_at(window.view.cursorRect(inside).center())
    assert "ironic tone" in tip and "supportive" in tip and "alice" in tip
    # Clicking the list row selects the passage in the reading view.
    click_into(window, 0)
    window.annotations._activated(window.annotations.proxy.index(0, 1))
    assert window.view.selection_span() == (words, words + len("more words here"))


def test_blind_mode_and_show_all_coders(qtbot, project, window):
    bob = project.ensure_coder("bob")
    doc = window.view.document_id
    project.add_annotation(doc, bob.id, 0, 5, stance_id=label_id(project, "critical"))
    project.add_annotation(doc, window.coder.id, 6, 7)
    assert window.mode_status.text() == "Blind mode"
    assert len(window.view.visible_annotations()) == 1  # bob's work stays hidden
    window.actions_by_name["show_all"].trigger()
    assert len(window.view.visible_annotations()) == 2
    assert window.annotations.model.rowCount() == 2
    window.annotations.coder_filter.setCurrentIndex(window.annotations.coder_filter.findData(bob.id))
    assert window.annotations.visible_count() == 1
    window.actions_by_name["show_all"].trigger()
    assert len(window.view.visible_annotations()) == 1


def test_mark_done_and_corpus_filter(qtbot, project, window):
    window.actions_by_name["done"].trigger()
    doc = window.view.document_id
    assert project.q.status(doc, window.coder.id) == "done"
    assert window.progress_status.text() == "1/2 done"
    assert window.corpus.visible_document_ids() == [doc, doc_id(project, "Plain article")]
    window.corpus.status_filter.setCurrentIndex(window.corpus.status_filter.findData("done"))
    assert window.corpus.visible_document_ids() == [doc]
    window.corpus.status_filter.setCurrentIndex(0)
    qtbot.keyClicks(window.corpus.search, "gazette")
    assert window.corpus.visible_document_ids() == [doc_id(project, "Plain article")]


def test_import_reports_refused_files(qtbot, project, window, tmp_path):
    good = tmp_path / "new-article.txt"
    good.write_text("A fresh article about open models.\n", encoding="utf-8")
    bad = tmp_path / "picture.xyz"
    bad.write_bytes(b"\x00\x01binary")
    before = window.corpus.model.rowCount()
    report = file_actions.import_files(window, [str(good), str(bad)])
    assert report is not None and report.documents_added == 1
    assert window.corpus.model.rowCount() == before + 1 == project.q.document_count()
    _title, text = window.last_message
    assert "picture.xyz" in text and "1 document(s) added" in text


def test_state_is_remembered(qtbot, project, home):
    first = MainWindow(project, coder_name="carol")
    qtbot.addWidget(first)
    target = doc_id(project, "Plain article")
    first.open_document(target)
    first.close()
    again = MainWindow(project, settings=Settings())
    qtbot.addWidget(again)
    assert again.coder is not None and again.coder.name == "carol"
    assert again.view.document_id == target
