"""File → Import reads files off the GUI thread, behind a progress dialog with Cancel.

Checked in the store: a finished import brings every file in (one operation per file kind);
a cancelled one leaves the project exactly as it was, and its dialog closes at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from desk_annotator.gui import file_actions, import_worker
from desk_annotator.io import articles as article_reader
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.project import Project
from tests.conftest import write_lock_taken

N_ARTICLES = 80


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_label("stance", "critical", color="#d95f02", key="1")
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture
def folder(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(N_ARTICLES):
        (corpus / f"article-{n:03}.txt").write_text(
            f"Article number {n}\n\nA paragraph about policy, number {n}.\n", encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    return corpus


def dataset(path, *titles: str):
    lines = [json.dumps({"title": t, "text": f"Dataset text of {t}.", "annotations": [
        {"start": 0, "end": 7, "quote": "Dataset", "coder": "zed", "stance": "critical",
         "themes": []}]}) for t in titles]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def state(project: Project) -> tuple[int, int, int]:
    return (project.q.document_count(), len(project.q.annotations()), len(project.history()))


def visible_progress_dialogs(win) -> list[QProgressDialog]:
    return [d for d in win.findChildren(QProgressDialog) if d.isVisible()]


@pytest.fixture
def slow_reader(monkeypatch):
    """read_article as the worker calls it, slowed down and watched: which thread, how many."""
    calls: list[str] = []
    threads: set[str] = set()
    original = article_reader.read_article

    def reader(path):
        threads.add(threading.current_thread().name)
        calls.append(path.name)
        threading.Event().wait(0.01)
        return original(path)

    monkeypatch.setattr(article_reader, "read_article", reader)
    return calls, threads


def test_import_without_cancel_brings_everything_and_closes_the_dialog(
        qtbot, window, project, folder, slow_reader):
    calls, threads = slow_reader
    dataset(folder / "coded.jsonl", "D1", "D2")
    history_before = len(project.history())
    report = file_actions.import_files(window, [str(folder)])
    assert report is not None
    assert report.documents_added == N_ARTICLES + 2 and report.annotations_added == 2
    assert any("broken.pdf" in line for line in report.refused)
    assert project.q.document_count() == N_ARTICLES + 2
    assert window.corpus.model.rowCount() == N_ARTICLES + 2
    # Parsing ran in the worker thread, never on the GUI thread.
    assert threads == {"import-reader"}
    assert len(calls) == N_ARTICLES + 1
    # One operation for the articles, one for the dataset file.
    new = project.history()[: len(project.history()) - history_before]
    assert len(new) == 2
    assert window.import_job.state == "done"
    assert not visible_progress_dialogs(window)
    title, text = window.last_message
    assert title == "Import finished" and "broken.pdf" in text
    assert window.view.document_id is not None  # the first document opened


def test_cancel_midway_imports_nothing_and_closes_at_once(qtbot, window, project, folder,
                                                          slow_reader):
    calls, _threads = slow_reader
    before = state(project)
    job = file_actions.start_import(window, [str(folder)])
    assert job is not None and job.running
    qtbot.waitUntil(lambda: len(calls) >= 10, timeout=10_000)
    qtbot.waitUntil(lambda: job.dialog.isVisible(), timeout=5_000)
    cancel = job.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    with qtbot.waitSignal(job.finished, timeout=1000) as finished:
        cancel.click()
    assert finished.args == [None]
    # At once: the dialog is gone and the job is over, whatever the reader is doing.
    assert job.state == "cancelled"
    assert not visible_progress_dialogs(window)
    assert job.wait(10)
    qtbot.wait(50)  # anything the reader might still have queued is delivered now
    assert len(calls) < N_ARTICLES + 1
    assert state(project) == before
    assert window.corpus.model.rowCount() == 0
    assert "cancelled" in window.statusBar().currentMessage()


def test_cancel_abandons_the_file_being_parsed(qtbot, window, project, folder, monkeypatch):
    """A parser that does not return (a pathological PDF): Cancel still closes at once, and
    what the parser returns later is dropped."""
    entered, release = threading.Event(), threading.Event()
    original = article_reader.read_article

    def stuck(path):
        if path.name == "article-003.txt":
            entered.set()
            release.wait(20)
        return original(path)

    monkeypatch.setattr(article_reader, "read_article", stuck)
    before = state(project)
    job = file_actions.start_import(window, [str(folder)])
    qtbot.waitUntil(entered.is_set, timeout=10_000)
    qtbot.waitUntil(lambda: job.dialog.isVisible(), timeout=5_000)  # shown: reading is slow
    job.dialog.findChild(QPushButton).click()
    assert job.state == "cancelled" and not visible_progress_dialogs(window)
    assert not job.wait(0.05)  # the reader is still inside the file
    release.set()
    assert job.wait(10)
    qtbot.wait(50)
    assert state(project) == before


def big_dataset(path, documents: int = 400, per_document: int = 100):
    """A dataset whose write takes a good part of a second or more (the bulk path)."""
    with path.open("w", encoding="utf-8") as out:
        for d in range(documents):
            text = " ".join(f"word{d}x{w}" for w in range(300))
            anns = [{"start": 10 * k, "end": 10 * k + 8, "quote": text[10 * k:10 * k + 8],
                     "coder": "zed", "stance": "critical", "themes": []}
                    for k in range(per_document)]
            out.write(json.dumps({"title": f"Big {d}", "text": text,
                                  "annotations": anns}) + "\n")
    return path


def test_cancel_between_writes_keeps_what_was_committed_only(qtbot, window, project, tmp_path):
    first = dataset(tmp_path / "a.jsonl", "A1")
    second = big_dataset(tmp_path / "b.jsonl")  # its write takes long enough to be stopped
    job = file_actions.start_import(window, [str(first), str(second)])
    # The user presses Cancel as the first file's write commits: the second file's write,
    # begun meanwhile, is stopped and rolled back.
    qtbot.waitUntil(lambda: job.committed_steps >= 1, timeout=60_000)
    job.dialog.findChild(QPushButton).click()
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert job.wait(10)
    qtbot.wait(50)
    assert job.state == "cancelled" and job.committed_steps == 1
    assert [d.title for d in project.q.document_infos()] == ["A1"]
    assert "nothing more" in window.statusBar().currentMessage()


def test_the_window_keeps_painting_while_a_big_file_is_written(qtbot, window, project,
                                                               tmp_path):
    data = big_dataset(tmp_path / "big.jsonl")
    ticks = {"reading": 0, "writing": 0}
    job = file_actions.start_import(window, [str(data)])
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(job.state, ticks.get(job.state, 0) + 1))
    timer.start(10)
    locked = []
    probe = QTimer()
    probe.timeout.connect(lambda: locked.append(write_lock_taken(project.path)))
    probe.start(20)
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    timer.stop()
    probe.stop()
    assert job.state == "done", job.error
    assert project.q.annotation_count() == 400 * 100
    # While the write held the file's lock, this (GUI) thread went on running its timers.
    assert any(locked), "the write was too quick to be seen"
    assert ticks["writing"] >= 10, ticks
    assert window.corpus.model.rowCount() == 400  # the commit reached the views


def test_cancel_while_a_big_file_is_written_rolls_it_back(qtbot, window, project, tmp_path):
    data = big_dataset(tmp_path / "big.jsonl", documents=800)
    before = state(project)
    job = file_actions.start_import(window, [str(data)])
    qtbot.waitUntil(lambda: job.state == "writing" and write_lock_taken(project.path),
                    timeout=60_000)
    job.dialog.findChild(QPushButton).click()
    assert job.state == "cancelled" and not visible_progress_dialogs(window)
    assert job.wait(30)  # the writer stops inside SQLite, it does not finish the file first
    qtbot.wait(50)
    assert job.committed_steps == 0
    assert state(project) == before
    conn = sqlite3.connect(project.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
    finally:
        conn.close()
    assert "nothing was imported" in window.statusBar().currentMessage()


def test_a_second_import_waits_for_the_first(qtbot, window, folder, slow_reader):
    job = file_actions.start_import(window, [str(folder)])
    assert file_actions.start_import(window, [str(folder)]) is None
    assert "already running" in window.statusBar().currentMessage()
    job.cancel()
    assert job.wait(10)


def test_closing_the_window_cancels_the_import(qtbot, window, project, folder, slow_reader):
    calls, _ = slow_reader
    before = state(project)
    job = file_actions.start_import(window, [str(folder)])
    qtbot.waitUntil(lambda: len(calls) >= 3, timeout=10_000)
    window.close()
    assert job.state == "cancelled"
    assert job.wait(10)
    QApplication.processEvents()
    assert state(project) == before


def test_read_inputs_is_pure_and_cancellable(folder):
    dataset(folder / "d.jsonl", "D1")
    (folder / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    seen = []
    read = import_worker.read_inputs([folder], progress=lambda d, t, name: seen.append(d))
    assert len(read.articles) == N_ARTICLES and len(read.datasets) == 1
    assert read.files == N_ARTICLES + 3
    assert any("broken.pdf" in r for r in read.refused)
    assert any("bad.jsonl" in r for r in read.refused)
    assert seen[0] == 0 and seen[-1] == read.files
    with pytest.raises(import_worker.Cancelled):
        import_worker.read_inputs([folder], cancelled=lambda: len(seen) > 5,
                                  progress=lambda d, t, name: seen.append(d))
