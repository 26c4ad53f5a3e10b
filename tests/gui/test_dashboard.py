"""The lead's workflow in the app: the dashboard through its real widgets, the blind-mode lock
through the real Show-all-coders action, the compare view hiding others' work until done, and
the whole lead flow (import, assign with 20% overlap to three coders, packages, merge, progress)
without the command line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desk_annotator.assignments import assign, current_plan
from desk_annotator.blind import set_lead, set_locked
from desk_annotator.project import Project


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "lead.sqlite")
    proj.add_documents([SimpleNamespace(title=f"Article {i}", text=f"Article {i} says a lot.",
                                        metadata={}) for i in range(5)])
    proj.add_label("stance", "supportive", color="#1b9e77")
    yield proj
    proj.close()


def open_window(qtbot, project, coder: str):
    from desk_annotator.gui.main_window import MainWindow

    win = MainWindow(project, coder_name=coder)
    qtbot.addWidget(win)
    return win


def tag(project: Project, coder: str, doc_id: str) -> None:
    who = project.ensure_coder(coder)
    project.add_annotation(doc_id, who.id, 0, 7, stance_id=project.q.labels()[0].id)


def first_doc(project: Project) -> str:
    return project.q.document_infos()[0].id


def dashboard_of(win):
    win.actions_by_name["dashboard"].trigger()  # Team → Dashboard…
    from desk_annotator.gui.dashboard import DashboardWindow

    return next(w for w in win._child_windows if isinstance(w, DashboardWindow))


def cell_of(board, doc_id: str, coder_name: str):
    col = [board.table.horizontalHeaderItem(c).text()
           for c in range(board.table.columnCount())].index(coder_name)
    row = next(r for r in range(1, board.table.rowCount())
               if board.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == doc_id)
    return row, col, board.table.item(row, col)


# -- blind mode locked by the lead -----------------------------------------------------------

def test_locked_blind_mode_disables_the_real_toggle(qtbot, project):
    doc = first_doc(project)
    tag(project, "bob", doc)
    set_lead(project, "lead")
    win = open_window(qtbot, project, "alice")
    win.open_document(doc)
    show_all = win.actions_by_name["show_all"]
    show_all.trigger()  # not locked yet: alice may look at everyone's work
    assert win.show_all_coders and win.view.annotation_count() == 1
    show_all.trigger()
    assert win.view.annotation_count() == 0

    set_locked(project, True, "lead")  # the notification reaches the window
    assert not show_all.isEnabled()
    assert "locked by the lead (lead)" in show_all.toolTip()
    assert "locked" in win.mode_status.text()
    show_all.trigger()  # a disabled action does nothing, nor does its shortcut
    assert win.view.annotation_count() == 0 and not show_all.isChecked()
    win.set_show_all_coders(True)  # even a direct call cannot show bob's work
    assert win.view.annotation_count() == 0

    win.switch_coder("lead")  # the lead sees everything
    assert show_all.isEnabled() and show_all.isChecked()
    assert win.view.annotation_count() == 1
    set_locked(project, False, "lead")
    win.switch_coder("alice")
    assert show_all.isEnabled()


def test_lock_made_by_another_program_reaches_the_window(qtbot, project, tmp_path):
    set_lead(project, "lead")
    win = open_window(qtbot, project, "alice")
    with Project(tmp_path / "lead.sqlite") as other:  # e.g. `desk-annotator blind lock`
        set_locked(other, True, "lead")
    assert project.poll_external_changes()
    assert not win.actions_by_name["show_all"].isEnabled()


def test_compare_view_shows_others_only_after_done(qtbot, project):
    doc = first_doc(project)
    tag(project, "bob", doc)
    tag(project, "alice", doc)
    set_lead(project, "lead")
    set_locked(project, True, "lead")
    win = open_window(qtbot, project, "alice")
    win.open_document(doc)
    win.open_compare(doc)
    from desk_annotator.gui.compare_view import CompareWindow

    compare = next(w for w in win._child_windows if isinstance(w, CompareWindow))
    compare.coder_b_combo.setCurrentIndex(compare.coder_b_combo.findText("bob"))
    assert "hidden" in compare.heading_b.text() and "(0 spans)" in compare.heading_b.text()
    assert "(1 spans)" in compare.heading_a.text()  # alice's own work
    win.actions_by_name["done"].trigger()  # Document → Mark done
    assert "(1 spans)" in compare.heading_b.text() and "hidden" not in compare.heading_b.text()


# -- the dashboard ---------------------------------------------------------------------------

def test_dashboard_matrix_filter_and_refresh(qtbot, project, tmp_path):
    plan = assign(project, ["alice", "bob"], 0.4, seed=3)
    assert len(plan.overlap) == 2
    doc = plan.by_coder["alice"][0]
    tag(project, "alice", doc)
    project.set_status(doc, project.require_coder("alice").id, "done")
    win = open_window(qtbot, project, "lead")
    board = dashboard_of(win)
    _, _, cell = cell_of(board, doc, "alice")
    assert cell.text().split("·")[0].strip().endswith("● done")
    assert cell.text().split("·")[1].strip() == "1"  # one annotation
    assert cell.font().bold()  # assigned
    unassigned = next(d for d in plan.by_coder["bob"] if d not in plan.by_coder["alice"])
    _, _, other = cell_of(board, unassigned, "alice")
    assert other.text() == "—" and not other.font().bold()
    overlap_doc = plan.overlap[0]
    assert cell_of(board, overlap_doc, "bob")[2].text().startswith("∗")
    alice_col = cell_of(board, doc, "alice")[1]
    total = board.table.item(0, alice_col).text()
    assert total.startswith(f"1/{len(plan.by_coder['alice'])} done")

    board.filter_combo.setCurrentIndex(board.filter_combo.findData("done"))
    assert board.visible_document_ids() == [doc]
    board.filter_combo.setCurrentIndex(board.filter_combo.findData(None))
    assert len(board.visible_document_ids()) == 5

    bob = project.require_coder("bob")
    with Project(tmp_path / "lead.sqlite") as other:  # another program marks bob's work
        other.set_status(overlap_doc, bob.id, "doing")
    assert project.poll_external_changes()
    qtbot.waitUntil(lambda: "◐ doing" in cell_of(board, overlap_doc, "bob")[2].text(),
                    timeout=3000)


def test_dashboard_double_click_opens_for_that_coder(qtbot, project):
    doc = first_doc(project)
    tag(project, "bob", doc)
    win = open_window(qtbot, project, "lead")
    board = dashboard_of(win)
    row, col, item = cell_of(board, doc, "bob")
    board.table.scrollToItem(item)
    rect = board.table.visualItemRect(item)
    qtbot.waitExposed(board)
    # a press first: Qt's item views act on a double click only on the pressed cell
    qtbot.mouseClick(board.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(board.table.viewport(), Qt.MouseButton.LeftButton,
                      pos=rect.center())
    qtbot.waitUntil(lambda: bool(board.viewers))
    viewer = board.viewers[-1]
    assert viewer.coder_id == project.require_coder("bob").id
    assert viewer.view.isReadOnly() and viewer.view.annotation_count() == 1
    assert "(read-only)" in viewer.windowTitle()
    # the lead's own column opens the document in the workbench
    board.open_for_coder(project.q.document_infos()[1].id, win.coder_id())
    assert win.view.document_id == project.q.document_infos()[1].id


def test_dashboard_lock_checkbox_only_for_the_lead(qtbot, project):
    set_lead(project, "lead")
    win = open_window(qtbot, project, "alice")
    board = dashboard_of(win)
    assert not board.lock_check.isEnabled() and not board.assign_button.isEnabled()
    win.switch_coder("lead")
    board.refresh()
    assert board.lock_check.isEnabled()
    board.lock_check.click()
    from desk_annotator.blind import is_locked

    assert is_locked(project.q)


# -- the lead's whole flow, without the command line -----------------------------------------

def test_lead_flow_import_assign_packages_merge_progress(qtbot, tmp_path, home):
    from desk_annotator.gui import file_actions, team_actions

    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(10):
        (folder / f"a{i}.txt").write_text(f"Title: Piece {i}\n\nPiece {i} on AI policy.\n",
                                          encoding="utf-8")
    lead_path = tmp_path / "lead.sqlite"
    project = Project(lead_path)
    try:
        project.add_label("stance", "critical", color="#d95f02")
        win = open_window(qtbot, project, "lead")
        report = file_actions.import_files(win, [str(folder)])
        assert report is not None and report.documents_added == 10
        board = dashboard_of(win)
        board.coders_edit.setText("ann, ben, cat")
        board.overlap_spin.setValue(0.2)
        board.seed_spin.setValue(7)
        qtbot.mouseClick(board.assign_button, Qt.MouseButton.LeftButton)
        plan = current_plan(project)
        assert len(plan.overlap) == 2 and sorted(plan.by_coder) == ["ann", "ben", "cat"]
        assert sum(len(v) for v in plan.by_coder.values()) == 2 * 3 + 8

        for name in ("ann", "ben", "cat"):
            path = str(tmp_path / f"{name}.sqlite")
            assert team_actions.export_package(win, path, name) is not None
            with Project(path) as package:  # the coder codes at home
                ids = sorted(i.id for i in package.q.document_infos())
                assert ids == plan.by_coder[name]
                me = package.require_coder(name)
                for doc_id in ids:
                    package.add_annotation(doc_id, me.id, 0, 5,
                                           stance_id=package.q.labels()[0].id)
                    package.set_status(doc_id, me.id, "done")
        merged = team_actions.merge_files(win, [str(tmp_path / f"{n}.sqlite")
                                                for n in ("ann", "ben", "cat")])
        assert merged is not None and merged.annotations_added == 14
        board.refresh()
        for name in ("ann", "ben", "cat"):
            col = [board.table.horizontalHeaderItem(c).text()
                   for c in range(board.table.columnCount())].index(name)
            n = len(plan.by_coder[name])
            assert board.table.item(0, col).text().startswith(f"{n}/{n} done")
        win.switch_coder("ann")
        n = len(plan.by_coder["ann"])
        assert win.progress_status.text() == f"{n}/{n} assigned done"
    finally:
        project.close()
