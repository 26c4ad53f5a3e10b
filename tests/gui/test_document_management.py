"""Document management in the window, through the real document list, its context menu and
F2, the details dialog and the delete confirmation; checked in the store and the views."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox

from desk_annotator.gui.document_dialog import DocumentDialog
from desk_annotator.project import Project


@pytest.fixture
def project(tmp_path, home, seed):
    proj = Project(tmp_path / "docs.sqlite")
    ids = seed(proj)
    yield proj, ids
    proj.close()


@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    proj, _ids = project
    win = MainWindow(proj, coder_name="coder-1")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def answer_modal(qtbot, kind: type, respond: Callable, seen: list) -> None:
    """When a modal ``kind`` opens, hand it to ``respond`` (which closes it)."""

    def poll(tries: int = 200) -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind):
            seen.append(widget)
            respond(widget)
        elif tries:
            QTimer.singleShot(10, lambda: poll(tries - 1))

    QTimer.singleShot(0, poll)


def row_index(win, doc_id: str):
    row = win.corpus.model.row_of(doc_id)
    return win.corpus.proxy.mapFromSource(win.corpus.model.index(row, 0))


def menu_texts(win, doc_id: str) -> list[str]:
    menu = win.corpus.context_menu(row_index(win, doc_id))
    return [a.text() for a in menu.actions()]


def test_f2_renames_the_selected_document_and_undo_restores(qtbot, window, project, dump):
    proj, ids = project
    doc = ids["docs"][1]
    window.open_document(doc)
    before = dump(proj)
    seen: list = []

    def type_title(dialog: QInputDialog) -> None:
        assert dialog.textValue() == "Doc 1"
        dialog.setTextValue("Cafés <b>and</b> naïve users")
        dialog.accept()

    answer_modal(qtbot, QInputDialog, type_title, seen)
    window.corpus.table.setFocus()
    qtbot.keyClick(window.corpus.table, Qt.Key.Key_F2)
    assert seen, "F2 opened no rename dialog"
    assert proj.q.document(doc).title == "Cafés <b>and</b> naïve users"
    row = window.corpus.model.row_data(window.corpus.model.row_of(doc))
    assert row["title"] == "Cafés <b>and</b> naïve users"  # the list refreshed
    assert window.title_label.text() == "Cafés <b>and</b> naïve users"  # and the header
    window.undo()
    assert dump(proj) == before
    assert window.title_label.text() == "Doc 1"


def test_context_menu_edit_details_changes_title_and_metadata_in_one_step(
        qtbot, window, project, dump):
    proj, ids = project
    doc = ids["docs"][0]
    window.open_document(doc)
    assert menu_texts(window, doc) == ["Rename…", "Edit details…", "Memo…", "", "Delete…"]
    before, steps = dump(proj), len(proj.history())
    seen: list = []

    def fill(dialog: DocumentDialog) -> None:
        assert dialog.fields["outlet"].text() == "Test"
        dialog.title_edit.setText("Export controls, corrected")
        dialog.fields["author"].setText("A. Writer")
        dialog.fields["language"].setText("en")
        dialog.fields["outlet"].setText("")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    answer_modal(qtbot, DocumentDialog, fill, seen)
    window.corpus.edit_action.trigger()
    assert seen
    got = proj.q.document(doc)
    assert got.title == "Export controls, corrected"
    assert got.metadata["author"] == "A. Writer" and got.metadata["language"] == "en"
    assert "outlet" not in got.metadata
    assert len(proj.history()) == steps + 1  # one undoable step
    row = window.corpus.model.row_data(window.corpus.model.row_of(doc))
    assert row["author"] == "A. Writer" and not row["outlet"]
    window.undo()
    assert dump(proj) == before


def test_details_dialog_refuses_an_empty_title(qtbot, window, project, dump):
    proj, ids = project
    window.open_document(ids["docs"][2])
    window.corpus.context_menu(row_index(window, ids["docs"][2]))
    before = dump(proj)
    seen: list = []

    def clear(dialog: DocumentDialog) -> None:
        dialog.title_edit.setText("   ")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.isVisible() and "needs a title" in dialog.problem.text()
        dialog.reject()

    answer_modal(qtbot, DocumentDialog, clear, seen)
    window.corpus.edit_action.trigger()
    assert seen and dump(proj) == before


def test_delete_asks_naming_the_document_and_count_then_moves_on(qtbot, window, project, dump):
    proj, ids = project
    d0, d1, d2 = ids["docs"]
    window.open_document(d0)
    before = dump(proj)
    window.corpus.context_menu(row_index(window, d0))  # right-click selects the row
    seen: list = []

    def say_no(box: QMessageBox) -> None:
        box.button(QMessageBox.StandardButton.No).click()

    answer_modal(qtbot, QMessageBox, say_no, seen)
    window.corpus.delete_action.trigger()
    assert seen and dump(proj) == before
    question = seen[0].text()
    assert "“Doc 0”" in question and "2 annotations" in question
    assert seen[0].textFormat() == Qt.TextFormat.PlainText

    def say_yes(box: QMessageBox) -> None:
        box.button(QMessageBox.StandardButton.Yes).click()

    answer_modal(qtbot, QMessageBox, say_yes, seen)
    window.corpus.delete_action.trigger()
    assert len(seen) == 2
    assert proj.q.document(d0) is None
    assert proj.q.annotations(d0) == [] and proj.q.statuses(d0) == []
    assert window.corpus.model.row_of(d0) is None and window.corpus.model.rowCount() == 2
    assert window.view.document_id == d1  # the next document is shown
    assert window.title_label.text() == "Doc 1"
    window.undo()
    assert dump(proj) == before
    assert window.corpus.model.row_of(d0) == 0


def test_deleting_the_last_listed_document_shows_the_one_before(qtbot, window, project,
                                                                monkeypatch):
    proj, ids = project
    window.open_document(ids["docs"][2])
    window.corpus.context_menu(row_index(window, ids["docs"][2]))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Yes)
    window.corpus.delete_action.trigger()
    assert proj.q.document(ids["docs"][2]) is None
    assert window.view.document_id == ids["docs"][1]


def test_read_only_project_offers_no_document_changes(qtbot, tmp_path, home, seed):
    from desk_annotator.gui.main_window import MainWindow

    path = tmp_path / "ro.sqlite"
    with Project(path) as proj:
        seed(proj)
    ro = Project(path, read_only=True)
    try:
        win = MainWindow(ro, coder_name="coder-1")
        qtbot.addWidget(win)
        for action in (win.corpus.rename_action, win.corpus.edit_action,
                       win.corpus.delete_action):
            assert not action.isEnabled()
    finally:
        ro.close()


def test_f2_outside_the_list_still_edits_the_note(qtbot, window, project):
    proj, ids = project
    window.open_document(ids["docs"][2])  # no annotation of coder-1 here: a hint, no dialog
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    assert "edit its note" in window.statusBar().currentMessage()
    assert proj.q.document(ids["docs"][2]).title == "Doc 2"
