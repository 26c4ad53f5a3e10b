"""Big writes the window runs in a worker thread on a Project of its own: Edit → History
stepping an import, the codebook editor merging or deleting a label of thousands of
annotations. The window keeps painting, Cancel rolls the write back whole, and the views show
the result as another connection's commit. Small ones run at once
(test_external_and_read_only, the codebook editor's tests)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from desk_annotator.gui.codebook_editor import BACKGROUND_USES, CodebookEditorDialog
from desk_annotator.gui.history_dialog import BACKGROUND_LOG_BYTES, HistoryDialog
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.import_files import import_paths
from desk_annotator.project import Project
from tests.conftest import write_lock_taken

DOCUMENTS, PER_DOCUMENT = 300, 100


@pytest.fixture
def project(tmp_path, home):
    data = tmp_path / "big.jsonl"
    with data.open("w", encoding="utf-8") as out:
        for d in range(DOCUMENTS):
            text = " ".join(f"d{d}w{w}" for w in range(200))
            anns = [{"start": 9 * k, "end": 9 * k + 5, "quote": text[9 * k:9 * k + 5],
                     "coder": "zed", "stance": "critical", "themes": ["chips"]}
                    for k in range(PER_DOCUMENT)]
            out.write(json.dumps({"title": f"Document {d}", "text": text,
                                  "annotations": anns}) + "\n")
    proj = Project(tmp_path / "p.sqlite")
    import_paths(proj, [data], add_missing_labels=True)
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture
def dialog(qtbot, window, project):
    history = HistoryDialog(window)
    qtbot.addWidget(history)
    history.show()
    entry = next(e for e in history.entries if e["description"] == "Import big.jsonl")
    assert entry["size"] >= BACKGROUND_LOG_BYTES
    history.select_entry(entry["id"])
    return history


def import_entry(dialog: HistoryDialog) -> dict:
    return next(e for e in dialog.entries if e["description"] == "Import big.jsonl")


def integrity(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_undoing_a_big_import_keeps_the_window_painting(qtbot, window, project, dialog):
    ticks, locked = [0], []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start(10)
    probe = QTimer()
    probe.timeout.connect(lambda: locked.append(write_lock_taken(project.path)))
    probe.start(20)
    assert dialog.step_selected(redo=False)
    # Started, not done: the buttons wait for it, the window's project is as it was.
    assert dialog.stepping and not dialog.undo_button.isEnabled()
    assert project.q.annotation_count() == DOCUMENTS * PER_DOCUMENT
    qtbot.waitUntil(lambda: not dialog.stepping, timeout=60_000)
    timer.stop()
    probe.stop()
    assert any(locked), "the undo was too quick to be seen"
    assert ticks[0] >= 10  # the GUI thread ran its timers while the worker wrote
    assert dialog.error_label.text() == ""
    assert project.q.annotation_count() == 0 and project.q.document_count() == 0
    assert window.corpus.model.rowCount() == 0  # the commit reached the views
    assert import_entry(dialog)["undone"] and dialog.redo_button.isEnabled()
    assert window.statusBar().currentMessage() == "Undone: Import big.jsonl"
    assert not [d for d in dialog.findChildren(QProgressDialog) if d.isVisible()]

    dialog.select_entry(import_entry(dialog)["id"])
    dialog.redo_button.click()
    qtbot.waitUntil(lambda: not dialog.stepping, timeout=60_000)
    assert project.q.annotation_count() == DOCUMENTS * PER_DOCUMENT
    assert window.corpus.model.rowCount() == DOCUMENTS
    assert window.statusBar().currentMessage() == "Redone: Import big.jsonl"
    assert integrity(project.path) == "ok"


def test_cancel_rolls_the_undo_back_whole(qtbot, window, project, dialog):
    assert dialog.step_selected(redo=False)
    qtbot.waitUntil(lambda: write_lock_taken(project.path), timeout=30_000)
    busy = next(d for d in dialog.findChildren(QProgressDialog))
    qtbot.waitUntil(busy.isVisible, timeout=5_000)  # shown once the step lasts a moment
    busy.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: not dialog.stepping, timeout=30_000)
    assert dialog.step_job is not None and dialog.step_job.state == "cancelled"
    assert dialog.error_label.text() == "Cancelled: nothing was undone."
    assert integrity(project.path) == "ok"
    assert project.q.annotation_count() == DOCUMENTS * PER_DOCUMENT
    assert window.corpus.model.rowCount() == DOCUMENTS
    assert not import_entry(dialog)["undone"]
    assert project.store.full_check_problems() == []


def test_a_refused_big_undo_is_the_dialogs_one_line(qtbot, window, project, dialog):
    bob = project.ensure_coder("bob")  # later work on an imported document
    project.add_annotation(project.q.corpus_order()[0], bob.id, 0, 4)
    dialog.select_entry(import_entry(dialog)["id"])
    assert dialog.step_selected(redo=False)
    qtbot.waitUntil(lambda: not dialog.stepping, timeout=60_000)
    line = dialog.error_label.text()
    assert line.startswith("cannot undo") and "\n" not in line
    assert project.q.annotation_count() == DOCUMENTS * PER_DOCUMENT + 1
    assert not import_entry(dialog)["undone"]


# -- the codebook editor ----------------------------------------------------------------------

@pytest.fixture
def editor(qtbot, window, project):
    dialog = CodebookEditorDialog(project, window)
    dialog.confirm = lambda _title, _question: True
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def label_id(project, name):
    return next(lb.id for lb in project.q.labels() if lb.name == name)


def test_merging_a_much_used_theme_runs_in_the_background(qtbot, window, project, editor):
    chips = label_id(project, "chips")
    target = project.add_label("themes", "compute").id
    assert project.q.label_usage(chips) >= BACKGROUND_USES
    editor.select_label(chips)
    locked = []
    probe = QTimer()
    probe.timeout.connect(lambda: locked.append(write_lock_taken(project.path)))
    probe.start(20)
    assert editor.merge_selected_into(target)
    assert editor.working and project.q.label(chips) is not None  # started, not done
    qtbot.waitUntil(lambda: not editor.working, timeout=60_000)
    probe.stop()
    assert any(locked), "the merge was too quick to be seen"
    assert editor.last_error == ""
    assert project.q.label(chips) is None
    assert project.q.label_usage(target) == DOCUMENTS * PER_DOCUMENT
    assert editor.selected_label().id == target
    assert all(lb.name != "chips" for lb in project.q.labels())
    assert project.store.full_check_problems() == []  # the label summaries were recounted
    assert integrity(project.path) == "ok"
    project.undo()  # one undoable step, as ever
    assert project.q.label_usage(chips) == DOCUMENTS * PER_DOCUMENT
    assert project.store.full_check_problems() == []


def test_cancel_keeps_a_much_used_stance_that_was_being_deleted(qtbot, window, project,
                                                                 editor):
    critical = label_id(project, "critical")
    editor.select_label(critical)
    assert editor.delete_selected()
    qtbot.waitUntil(lambda: write_lock_taken(project.path), timeout=30_000)
    busy = next(d for d in editor.findChildren(QProgressDialog))
    qtbot.waitUntil(busy.isVisible, timeout=5_000)
    busy.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: not editor.working, timeout=30_000)
    assert editor.last_error == "Cancelled: the codebook was not changed."
    assert project.q.label(critical) is not None
    assert project.q.label_usage(critical) == DOCUMENTS * PER_DOCUMENT
    assert integrity(project.path) == "ok"
    assert project.store.full_check_problems() == []
