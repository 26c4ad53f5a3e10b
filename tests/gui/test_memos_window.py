"""The Memos window: opened from Edit → Memos…, the document list's context menu and the
codebook editor; writing, editing, deleting (undoable), search, refresh from changes made
elsewhere, other coders' memos read-only. Checked in the project store."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desk_annotator.memos import list_memos, memo_of
from desk_annotator.ops_memos import SetMemo
from desk_annotator.project import Project


@pytest.fixture
def project(tmp_path, home, seed):
    proj = Project(tmp_path / "memos.sqlite")
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


def _memos_windows(win):
    from desk_annotator.gui.memos_window import MemosWindow
    return [w for w in win._child_windows if isinstance(w, MemosWindow)]


def test_edit_menu_opens_it_and_a_project_memo_is_written(qtbot, window, project) -> None:
    proj, _ids = project
    window.actions_by_name["memos"].trigger()
    [memos] = _memos_windows(window)
    assert memos.table.rowCount() == 0 and memos.about.text() == "New memo on the project"
    memos.editor.setPlainText("Ziel: Haltung zu Exportkontrollen — “naïve” Lesart vermeiden.")
    memos.title_edit.setText("Aims")
    qtbot.mouseClick(memos.save_button, Qt.MouseButton.LeftButton)
    [stored] = list_memos(proj)
    assert (stored.scope, stored.coder_name, stored.title) == ("project", "coder-1", "Aims")
    assert memos.table.rowCount() == 1 and memos.table.item(0, 0).text() == "project"
    # Edit → Undo reverts the coder's own action; the window follows the notification.
    window.actions_by_name["undo"].trigger()
    assert list_memos(proj) == [] and memos.table.rowCount() == 0
    # The editor empties, and "Saved" no longer stands under it.
    assert memos.editor.toPlainText() == "" and "Saved" not in memos.message.text()
    window.actions_by_name["redo"].trigger()
    assert memos.table.rowCount() == 1


def test_document_context_menu_and_search(qtbot, window, project) -> None:
    proj, ids = project
    d1 = ids["docs"][1]
    window.corpus.table.selectRow(window.corpus.proxy.mapFromSource(
        window.corpus.model.index(window.corpus.model.row_of(d1), 0)).row())
    window.corpus.memo_action.trigger()
    [memos] = _memos_windows(window)
    assert memos.target == ("document", d1) and "Doc 1" in memos.about.text()
    memos.editor.setPlainText("Café owners: ironic tone.")
    assert memos.save() is not None
    assert memo_of(proj, "document", d1, window.coder.id).text == "Café owners: ironic tone."
    # Another coder writes elsewhere (the CLI, say): the list refreshes from the notification.
    c2 = ids["coders"][1]
    proj.run(SetMemo("project", "", c2.id, "coder-2's project memo"), c2.id)
    assert memos.table.rowCount() == 2
    memos.search.setText("cafe")
    assert memos.table.rowCount() == 0
    memos.accents.setChecked(True)
    assert memos.table.rowCount() == 1 and memos.table.item(0, 0).text() == "document"
    memos.search.clear()
    # coder-2's memo is shown read-only to coder-1.
    row = next(r for r in range(memos.table.rowCount())
               if memos.table.item(r, 2).text() == "coder-2")
    memos.table.selectRow(row)
    assert memos.editor.isReadOnly() and not memos.save_button.isEnabled()
    assert memos.editor.toPlainText() == "coder-2's project memo"
    # Delete the own memo: gone from the store and the list.
    own = next(r for r in range(memos.table.rowCount())
               if memos.table.item(r, 2).text() == "coder-1")
    memos.table.selectRow(own)
    assert memos.delete_shown()
    assert memo_of(proj, "document", d1, window.coder.id) is None
    assert memos.table.rowCount() == 1


def test_an_empty_memo_is_refused_with_a_message(qtbot, window, project) -> None:
    proj, _ids = project
    window.actions_by_name["memos"].trigger()
    [memos] = _memos_windows(window)
    memos.editor.setPlainText("   ")
    assert memos.save() is None
    assert "needs some text" in memos.message.text() and list_memos(proj) == []


def test_codebook_editor_opens_the_label_memo(qtbot, window, project) -> None:
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog

    proj, ids = project
    editor = CodebookEditorDialog(proj, window)
    qtbot.addWidget(editor)
    editor.select_label(ids["labels"]["critical"].id)
    editor.memo_button.click()
    [memos] = editor.memo_windows
    assert memos.target == ("label", ids["labels"]["critical"].id)
    memos.editor.setPlainText("Critical: the author opposes the measure.")
    memos.save()
    memo = memo_of(proj, "label", ids["labels"]["critical"].id, window.coder.id)
    assert memo is not None and memo.target_label == "label critical"
    memos.close()
    editor.reject()
