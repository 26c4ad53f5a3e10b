"""Secondary windows driven as a user would, with the results checked in the project store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desk_annotator.project import Project

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


# -- compare view ------------------------------------------------------------------------

@pytest.fixture
def coded(project):
    """Alice and Bob code the first article differently in three places."""
    alice, bob = project.coder_by_name("alice").id, project.coder_by_name("bob").id
    doc = doc_ids(project)[0]
    sup, crit = label_id(project, "stance", "supportive"), label_id(project, "stance", "critical")
    open_source = label_id(project, "themes", "open source")
    # 0..47 "The plan backs open models 🚀 and cheap compute." (emoji before later offsets)
    project.add_annotation(doc, alice, 0, 47, stance_id=sup, theme_ids=[open_source])
    project.add_annotation(doc, bob, 0, 47, stance_id=crit, theme_ids=[open_source])
    project.add_annotation(doc, alice, 48, 86, stance_id=crit)   # "Critics say ... allies."
    project.add_annotation(doc, bob, 48, 70, stance_id=crit)     # shorter: boundary
    project.add_annotation(doc, bob, 87, 123, stance_id=sup)     # only Bob
    return SimpleNamespace(doc=doc, alice=alice, bob=bob)


@pytest.fixture
def bridge(project, qtbot):
    from desk_annotator.gui.bridge import ProjectBridge

    return ProjectBridge(project)


def expected_passages(project, coded):
    from desk_annotator.compare import disagreements

    doc = project.q.document(coded.doc)
    return disagreements(len(doc.text), project.q.annotations(doc.id, [coded.alice]),
                         project.q.annotations(doc.id, [coded.bob]))


def test_compare_next_previous_follow_the_core_passages(qtbot, project, bridge, coded):
    from desk_annotator.gui.compare_view import CompareWindow

    window = CompareWindow(project, bridge, coded.doc, "alice", "bob")
    qtbot.addWidget(window)
    expected = expected_passages(project, coded)
    assert [d.kind for d in expected] == ["stance", "boundary", "only_b"]
    assert window.passage_list.count() == 3
    assert window.coder_ids == (coded.alice, coded.bob)

    seen = []
    for _ in range(3):
        window.next_button.click()
        seen.append(window.selected_range())
        # Both panes select the same passage (same UTF-16 cursor).
        assert window.pane_a.textCursor().selectionStart() == window.pane_b.textCursor().selectionStart()
    assert seen == [(d.start, d.end) for d in expected]
    window.next_button.click()  # wraps around
    assert window.selected_range() == (expected[0].start, expected[0].end)
    window.previous_button.click()
    assert window.selected_range() == (expected[2].start, expected[2].end)
    assert window.count_label.text() == "3 of 3"
    assert window.passage_list.currentRow() == 2


def test_compare_shortcut_show_passage_and_live_refresh(qtbot, project, bridge, coded):
    from desk_annotator.gui.compare_view import CompareWindow

    window = CompareWindow(project, bridge)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_passage(coded.doc, 90, 95)
    expected = expected_passages(project, coded)
    assert window.selected_range() == (expected[2].start, expected[2].end)
    window.activateWindow()
    qtbot.waitActive(window)
    window.pane_a.setFocus()
    # Through the window handle, as a real key press (QTest on a widget skips shortcuts).
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert window.selected_range() == (expected[1].start, expected[1].end)

    # Bob agrees on the stance now: the first disagreement disappears from the view.
    first_bob = project.q.annotations(coded.doc, [coded.bob])[0]
    project.update_annotation(first_bob.id, stance_id=label_id(project, "stance", "supportive"))
    assert window.passage_list.count() == 2
    assert [(d.start, d.end) for d in window.passages] == [
        (d.start, d.end) for d in expected_passages(project, coded)]

    window.overlay_check.setChecked(True)
    assert not window.box_b.isVisibleTo(window)
    # Overlay: Bob's spans are drawn into pane A as well.
    assert len(window.pane_a.extraSelections()) == len(project.q.annotations(coded.doc))


# -- corpus search -----------------------------------------------------------------------

def test_search_activate_and_accept_one_suggestion(qtbot, project):
    from desk_annotator.gui.search_dialog import CorpusSearchDialog

    opened: list[tuple[str, int, int]] = []
    alice = project.coder_by_name("alice").id
    dialog = CorpusSearchDialog(project, lambda *args: opened.append(args), alice)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.query_edit, "CHIPS")
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    chips_doc = doc_ids(project)[1]
    assert dialog.results.rowCount() == 3
    assert "<b>chips</b>" in dialog.results.item(0, 1).text()
    assert dialog.status_label.text() == "3 matches in 1 document"

    dialog.results.cellActivated.emit(1, 0)
    first = TEXT_B.index("chips")
    second = TEXT_B.index("chips", first + 1)
    assert opened[-1] == (chips_doc, second, second + 5)

    assert dialog.search("chips", case_sensitive=True) == 3
    assert dialog.search("Chips", case_sensitive=True) == 0
    dialog.search("cheap compute")  # after the emoji: offsets stay code points
    start = TEXT_A.index("cheap compute")
    dialog.code_button.click()
    assert opened[-1] == (doc_ids(project)[0], start, start + len("cheap compute"))
    dialog.accept_button.click()  # no label chosen yet: refused, nothing stored
    assert project.q.annotations(coder_ids=[alice]) == []
    assert "Choose a stance" in dialog.coding_error.text()

    sup, theme = label_id(project, "stance", "supportive"), label_id(project, "themes", "open source")
    dialog.set_suggestion_labels(sup, [theme])
    dialog.accept_button.click()
    (ann,) = project.q.annotations(coder_ids=[alice])
    assert (ann.start, ann.end, ann.quote) == (start, start + 13, "cheap compute")
    assert ann.stance_id == sup and ann.theme_ids == [theme]
    assert dialog.suggestion_label.text().startswith("Done: 1 of 1")
    assert not (project.undo_description() or "").startswith("Tag")  # alice's, not project-wide
    project.undo(alice)
    assert project.q.annotations(coder_ids=[alice]) == []


def test_search_skip_moves_on_without_coding(qtbot, project):
    from desk_annotator.gui.search_dialog import CorpusSearchDialog

    bob = project.coder_by_name("bob").id
    dialog = CorpusSearchDialog(project, lambda *args: None, bob)
    qtbot.addWidget(dialog)
    dialog.search("chips")
    dialog.start_coding()
    dialog.set_suggestion_labels(label_id(project, "stance", "neutral"))
    dialog.skip_button.click()
    dialog.accept_button.click()
    dialog.skip_button.click()
    stored = project.q.annotations(coder_ids=[bob])
    second = TEXT_B.index("chips", TEXT_B.index("chips") + 1)
    assert [(a.start, a.end) for a in stored] == [(second, second + 5)]
    assert not dialog.skip_button.isEnabled()


# -- agreement window --------------------------------------------------------------------

def test_agreement_window_lays_out_the_real_report(qtbot, project, bridge, coded):
    from desk_annotator.gui.agreement_window import AgreementWindow
    from desk_annotator.project_io import agreement_report

    opened: list[tuple[str, int, int]] = []
    window = AgreementWindow(project, bridge, lambda *args: opened.append(args))
    qtbot.addWidget(window)
    report = agreement_report(project, bootstrap=window.bootstrap)
    stance = report["stance"]
    assert window.overview.rowCount() == 1 + len(report["themes"])
    assert window.overview.item(0, 0).text() == "Stance"
    shown_alpha = window.overview.item(0, 1).text()
    assert shown_alpha == ("—" if stance["alpha"] is None else f"{stance['alpha']:.3f}")
    assert window.overview.item(0, 6).text() == stance["interpretation"]
    where = stance["binary_u_alpha"]  # where coders marked text, beside what they gave (cuα)
    assert window.overview.item(0, 7).text() == ("—" if where is None else f"{where:.3f}")
    assert window.overview.item(0, 8).toolTip() == (stance["reasons"].get("cu_alpha") or "") \
        or stance["cu_alpha"] is not None
    assert window.pairs.rowCount() == len(stance["pairs"]) == 1
    assert window.pairs.item(0, 0).text() == "alice × bob"
    assert window.chart.bars[0][0] == "supportive"
    # Double-clicking a document opens the compare view on it.
    assert window.documents.rowCount() == len(stance["documents"]) >= 1
    window.documents.cellDoubleClicked.emit(0, 0)
    assert opened == [(stance["documents"][0]["id"], 0, 0)]


def test_agreement_window_renders_a_given_report_and_debounces(qtbot, project, bridge, monkeypatch):
    from desk_annotator.gui import agreement_window as module

    window = module.AgreementWindow(project, bridge, lambda *args: None)
    qtbot.addWidget(window)
    fake = {  # a hand-written report in the DESIGN §5 shape, to check the layout only
        "coders": ["c1", "c2", "c3"], "documents": 4, "documents_excluded": 1,
        "thresholds": {"reliable": 0.8, "tentative": 0.667},
        "stance": {"alpha": 0.7123, "ci95": [0.61, 0.83], "alpha_u": 0.5, "fleiss_kappa": None,
                   "percent_agreement": 0.9, "reasons": {"fleiss_kappa": "no shared characters"},
                   "per_label": {"pro": {"alpha": 0.9}, "contra": {"alpha": None}},
                   "pairs": [{"coders": ["c1", "c2"], "cohen_kappa": 0.7},
                             {"coders": ["c1", "c3"], "cohen_kappa": None}],
                   "documents": [{"id": "D1", "title": "One", "alpha": 0.2}]},
        "themes": {"chips": {"alpha": 0.85, "pairs": [], "documents": []},
                   "rights": {"alpha": 0.1, "interpretation": "poor (custom wording)"}},
    }
    window.show_report(fake)
    assert [window.overview.item(r, 6).text() for r in range(3)] == [
        "tentative", "reliable", "poor (custom wording)"]
    assert window.overview.item(0, 2).text() == "[0.610, 0.830]"
    assert window.overview.item(0, 4).text() == "—"
    assert window.overview.item(0, 4).toolTip() == "no shared characters"
    assert [(n, v) for n, v, _c in window.chart.bars] == [
        ("pro", 0.9), ("contra", None), ("chips", 0.85), ("rights", 0.1)]
    assert window.pairs.rowCount() == 2
    window.scheme_combo.setCurrentIndex(window.scheme_combo.findData("themes:chips"))
    assert window.pairs.rowCount() == 0
    assert "3 coders" in window.summary_label.text()

    calls: list[int] = []
    monkeypatch.setattr(window, "refresh", lambda: calls.append(1))
    window._debounce.timeout.disconnect()
    window._debounce.timeout.connect(window.refresh)
    window._debounce.setInterval(50)
    alice = project.coder_by_name("alice").id
    doc = doc_ids(project)[0]
    for start in (0, 10, 20):
        project.add_annotation(doc, alice, start, start + 5)
    assert calls == []
    qtbot.waitUntil(lambda: calls == [1], timeout=2000)


def test_agreement_window_per_document_set(qtbot, project, bridge, coded):
    """Documents → Set: the report of that set's documents only, as the CLI's --set gives;
    a set made later appears in the choice; All documents goes back."""
    from desk_annotator.gui.agreement_window import AgreementWindow
    from desk_annotator.ops_sets import CreateSet
    from desk_annotator.project_io import agreement_report

    docs = doc_ids(project)
    crit = label_id(project, "stance", "critical")
    project.add_annotation(docs[1], coded.alice, 0, 20, stance_id=crit)
    project.add_annotation(docs[1], coded.bob, 0, 20, stance_id=crit)
    window = AgreementWindow(project, bridge, lambda *args: None)
    qtbot.addWidget(window)
    everything = window.report
    assert {d["id"] for d in everything["stance"]["documents"]} == set(docs)
    project.run(CreateSet(name="chips only", document_ids=[docs[1]]))
    assert window.set_combo.findData("chips only") > 0  # refreshed from the notification
    window.choose_set("chips only")
    shown = window.report
    assert {d["id"] for d in shown["stance"]["documents"]} == {docs[1]}
    expected = agreement_report(project, document_ids=[docs[1]], bootstrap=window.bootstrap)
    assert shown["stance"]["alpha"] == expected["stance"]["alpha"]
    assert window.document_ids == [docs[1]]
    window.set_combo.setCurrentIndex(0)  # All documents
    assert window.document_ids is None
    assert {d["id"] for d in window.report["stance"]["documents"]} == set(docs)
