"""The window notices other programs' commits, undoes only the coder's own actions, lists the
history with undo/redo by name, and opens a read-only project as a viewer (issue 8).

Other programs are real processes (the CLI, a python script using Project); every step is
checked against the store.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt

from desk_annotator.gui import coder_dialog, file_actions
from desk_annotator.gui.banner import Banner
from desk_annotator.gui.history_dialog import HistoryDialog
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.read_only import WRITE_ACTIONS
from desk_annotator.project import Project

TEXT = "Officials said the plan backs open models. Critics disagree about export rules."
POLL_TIMEOUT_MS = 2500  # the window polls every 500 ms; the issue asks for "within a second"


@dataclass
class Article:
    title: str
    text: str
    metadata: dict[str, str | None] = field(default_factory=dict)


def make_project(path):
    proj = Project(path)
    proj.add_label("stance", "supportive", color="#1b9e77", key="1")
    proj.add_label("themes", "open source", color="#E69F00", key="o")
    proj.add_documents([Article(f"Article {n}", f"{TEXT} Number {n}.") for n in range(30)])
    return proj


@pytest.fixture
def path(tmp_path):
    return tmp_path / "shared.sqlite"


@pytest.fixture
def project(path, home):
    proj = make_project(path)
    yield proj
    proj.close()


@pytest.fixture
def asked(monkeypatch):
    """The coder question, answered by the test (a modal dialog would block)."""
    calls: list[list[str]] = []
    answer: list[str | None] = [None]

    def fake(names, current=None, parent=None):
        calls.append(list(names))
        return answer[0]

    monkeypatch.setattr(coder_dialog, "ask_coder", fake)
    return calls, answer


@pytest.fixture
def window(qtbot, project, asked):
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    return win


def run_elsewhere(path, body: str) -> None:
    """Python in another process, with ``p`` the project."""
    script = "from desk_annotator.project import Project\n" \
             f"p = Project({str(path)!r}, check_integrity=False)\n" + textwrap.dedent(body) \
             + "\np.close()\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def titles(win) -> list[str]:
    return [win.corpus.model.row_data(r)["title"] for r in range(win.corpus.model.rowCount())]


def doc_id(project, title: str) -> str:
    return next(d.id for d in project.q.document_infos() if d.title == title)


def label_id(project, name: str) -> str:
    return next(lb.id for lb in project.q.labels() if lb.name == name)


# -- other programs' commits ---------------------------------------------------------------

def test_cli_import_and_an_annotation_from_another_process_show_up(qtbot, window, project,
                                                                  path, tmp_path):
    window.set_show_all_coders(True)
    keep = doc_id(project, "Article 20")
    window.open_document(keep)
    table = window.corpus.table
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum())
    scroll = table.verticalScrollBar().value()

    article = tmp_path / "from-terminal.txt"
    article.write_text("From the terminal\n\nImported while the window was open.\n",
                       encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "desk_annotator.cli", "--project", str(path),
                           "import", str(article)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: "From the terminal" in titles(window), timeout=POLL_TIMEOUT_MS)
    assert window.view.document_id == keep  # the open document, selection and scroll stay
    assert window.corpus.table.selectionModel().selectedRows()[0].data(
        Qt.ItemDataRole.UserRole) == keep
    assert table.verticalScrollBar().value() == scroll

    run_elsewhere(path, f"""
        doc = next(d.id for d in p.q.document_infos() if d.title == "Article 20")
        bob = p.ensure_coder("bob")
        p.add_annotation(doc, bob.id, 0, 9, note="bob's")
    """)
    qtbot.waitUntil(lambda: window.view.annotation_count() == 1, timeout=POLL_TIMEOUT_MS)
    assert window.annotations.model.rowCount() == 1
    assert "bob" in [a.text() for a in window.coder_menu.actions()]
    assert window.annotations.coder_filter.findText("bob") >= 0


def test_other_windows_follow_external_changes(qtbot, window, project, path):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog
    from desk_annotator.gui.compare_view import CompareWindow

    editor = CodebookEditorDialog(project, window)
    qtbot.addWidget(editor)
    compare = CompareWindow(project, window.bridge, doc_id(project, "Article 1"), parent=window)
    qtbot.addWidget(compare)
    run_elsewhere(path, """
        p.add_label("stance", "critical", color="#d95f02")
        p.ensure_coder("carol")
    """)
    qtbot.waitUntil(lambda: editor.lists["stance"].count() == 2, timeout=POLL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: compare.coder_b_combo.findText("carol") >= 0,
                    timeout=POLL_TIMEOUT_MS)
    assert "critical" in [b.label.name for b in window.codebook.buttons.values()]
    compare.close()
    editor.reject()


def test_the_open_document_and_the_coder_deleted_elsewhere(qtbot, window, project, path,
                                                           asked):
    calls, _answer = asked
    window.open_document(doc_id(project, "Article 3"))
    run_elsewhere(path, """
        doc = next(d.id for d in p.q.document_infos() if d.title == "Article 3")
        p.delete_documents([doc])
        entry = next(h for h in p.history() if h["description"] == "Add coder alice")
        p.undo_entry(entry["id"])
    """)
    qtbot.waitUntil(lambda: window.view.document_id is None, timeout=POLL_TIMEOUT_MS)
    assert "Article 3" not in titles(window)
    qtbot.waitUntil(lambda: bool(calls), timeout=1000)  # asked who is coding, once
    assert window.coder is None and project.coder_by_name("alice") is None
    assert window.coder_status.text() == "No coder"
    assert window.coding.apply_label(label_id(project, "supportive")) is None  # no crash


def test_the_poll_timer_stops_with_the_window(qtbot, window):
    assert window.external.timer.isActive()
    window.close()
    assert not window.external.timer.isActive()


# -- undo per coder, history ---------------------------------------------------------------

def select(win, start: int, end: int) -> None:
    cursor = win.view.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, cursor.MoveMode.KeepAnchor)
    win.view.setTextCursor(cursor)


def test_ctrl_z_undoes_only_the_coders_own_action(qtbot, window, project):
    doc = doc_id(project, "Article 0")
    window.open_document(doc)
    select(window, 0, 9)
    mine = window.coding.apply_label(label_id(project, "supportive"))
    assert mine is not None
    bob = project.ensure_coder("bob")
    theirs = project.add_annotation(doc, bob.id, 10, 14)
    assert window.actions_by_name["undo"].text().startswith("Undo Tag passage")
    window.actions_by_name["undo"].trigger()
    assert project.q.annotation(mine.id) is None
    assert project.q.annotation(theirs.id) is not None
    assert window.actions_by_name["redo"].isEnabled()
    assert window.actions_by_name["redo"].text().startswith("Redo Tag passage")
    assert not window.actions_by_name["undo"].isEnabled()  # nothing else of alice's


def test_a_refused_undo_is_one_line_and_changes_nothing(qtbot, window, project):
    doc = doc_id(project, "Article 0")
    window.open_document(doc)
    select(window, 0, 9)
    theme = label_id(project, "open source")
    mine = window.coding.apply_label(theme)
    project.delete_label(theme, force=True)  # project-wide, later: it depends on the tag
    window.undo()
    title, text = window.last_message
    assert title == "Undo refused" and "\n" not in text and "Tag passage" in text
    assert window.last_box.isVisible()
    assert project.q.annotation(mine.id) is not None


def test_history_lists_every_action_and_undoes_one_by_name(qtbot, window, project):
    dialog = HistoryDialog(window)
    qtbot.addWidget(dialog)
    entries = project.history()
    assert dialog.table.rowCount() == len(entries)
    assert dialog.table.item(0, 2).text() == entries[0]["description"]
    imported = next(i for i, e in enumerate(dialog.entries)
                    if e["description"] == "Import 30 documents")
    assert dialog.table.item(imported, 1).text() == "(project-wide)"
    dialog.table.selectRow(imported)
    assert dialog.undo_button.isEnabled() and not dialog.redo_button.isEnabled()
    assert dialog.step_selected(redo=False)
    assert project.q.document_count() == 0 and window.corpus.model.rowCount() == 0
    row = next(i for i, e in enumerate(dialog.entries) if e["description"] == "Import 30 documents")
    assert dialog.table.item(row, 3).text() == "undone"
    assert dialog.redo_button.isEnabled()
    dialog.redo_button.click()
    assert project.q.document_count() == 30 and window.corpus.model.rowCount() == 30

    # Another coder's action: not this coder's to step.
    bob = project.ensure_coder("bob")
    project.add_annotation(doc_id(project, "Article 0"), bob.id, 0, 5)
    dialog.select_entry(project.history()[0]["id"])
    assert not dialog.undo_button.isEnabled() and "bob" in dialog.hint.text()

    # Undoing "add coder" of the coder at work is refused, with one line.
    added = next(e for e in project.history() if e["description"] == "Add coder alice")
    dialog.select_entry(added["id"])
    assert not dialog.step_selected(redo=False)
    assert "coder you are working as" in dialog.error_label.text()
    assert window.coder is not None and project.coder_by_name("alice") is not None
    assert window.actions_by_name["history"].isEnabled()


# -- read-only projects --------------------------------------------------------------------

@pytest.fixture
def read_only_project(path, home):
    proj = make_project(path)
    alice = proj.ensure_coder("alice")
    proj.add_annotation(doc_id(proj, "Article 0"), alice.id, 0, 9,
                        stance_id=label_id(proj, "supportive"))
    proj.close()
    ro = Project(path, read_only=True)
    assert ro.read_only
    yield ro
    ro.close()


def test_read_only_project_opens_as_a_viewer(qtbot, read_only_project, asked, tmp_path):
    project = read_only_project
    calls, _ = asked
    win = MainWindow(project, coder_name="newbie")  # a new coder cannot be added: no crash
    qtbot.addWidget(win)
    win.show()
    qtbot.wait(20)
    assert win.coder is None and calls == []  # a viewer: not asked for a coder
    banner = next(b for b in win.banners if b.kind == "read_only")
    assert isinstance(banner, Banner) and banner.isVisible()
    assert banner.text().startswith("Read-only: ")
    assert banner.label.textFormat() == Qt.TextFormat.PlainText
    for key in WRITE_ACTIONS:
        assert not win.actions_by_name[key].isEnabled(), key
    assert not win.tag_menu.isEnabled()
    for key in ("export", "search", "agreement", "compare", "history"):
        assert win.actions_by_name[key].isEnabled(), key

    win.open_document(doc_id(project, "Article 0"))
    select(win, 0, 5)
    before = len(project.history())
    assert win.coding.apply_label(label_id(project, "supportive")) is None
    assert "Read-only" in win.statusBar().currentMessage()
    win.undo()
    assert len(project.history()) == before

    # Browsing and exporting work.
    win.switch_coder("alice")
    assert win.coder is not None and win.coder.name == "alice"
    assert win.view.annotation_count() == 1
    out = tmp_path / "out.jsonl"
    assert file_actions.export_to(win, str(out)) is not None and out.exists()
    win.switch_coder("nobody")
    assert win.last_message[0] == "Coder not added" and win.coder.name == "alice"


def test_read_only_secondary_windows(qtbot, read_only_project, asked):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog
    from desk_annotator.gui.search_dialog import CorpusSearchDialog

    project = read_only_project
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    editor = CodebookEditorDialog(project, win)
    qtbot.addWidget(editor)
    assert not editor.add_button.isEnabled() and not editor.delete_button.isEnabled()
    assert editor.name_edit.isReadOnly()
    assert editor.add_label("stance", "new one") is None
    assert "Read-only" in editor.error_label.text()
    assert win.codebook.edit_button.text() == "View codebook…"

    search = CorpusSearchDialog(project, win.show_passage, win.coder_id(), win)
    qtbot.addWidget(search)
    assert search.search("Officials") == 30
    assert not search.code_button.isEnabled()

    history = HistoryDialog(win)
    qtbot.addWidget(history)
    history.table.selectRow(0)
    assert not history.undo_button.isEnabled() and "Read-only" in history.hint.text()

    win.open_compare(doc_id(project, "Article 0"))
    compare = win._child_windows[-1]
    assert not compare.adjudication.accept_agreed_button.isEnabled()
    compare.close()


def test_storage_warning_shows_once(qtbot, project, asked):
    project.storage_warning = f"{project.path}: the project is on a network share; be careful"
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.show()
    (banner,) = win.banners
    assert banner.kind == "warning" and "network share" in banner.text()
    assert banner.isVisible() and "network share" in win.statusBar().currentMessage()
    banner.close_button.click()
    assert not banner.isVisible()


def test_the_edit_menu_follows_an_undo_made_elsewhere(qtbot, window, project, path):
    window.open_document(doc_id(project, "Article 0"))
    select(window, 0, 9)
    assert window.coding.apply_label(label_id(project, "supportive")) is not None
    assert window.actions_by_name["undo"].text().startswith("Undo Tag passage")
    run_elsewhere(path, """
        p.undo(p.coder_by_name("alice").id)   # alice's own session in a terminal
    """)
    qtbot.waitUntil(lambda: window.actions_by_name["redo"].isEnabled(), timeout=POLL_TIMEOUT_MS)
    assert window.actions_by_name["redo"].text().startswith("Redo Tag passage")
    assert not window.actions_by_name["undo"].isEnabled()
    assert window.view.annotation_count() == 0
