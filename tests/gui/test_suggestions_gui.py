"""Suggested codings in the GUI (issue 13): the Suggestions window trains and runs the built-in
engine off the main thread; the reading view's layer shows the open document's suggestions;
F9 / F7 / F8 / Shift+F8 accept, reject and move across documents; Ctrl+Z undoes; Cancel stops
a run with nothing stored; bulk acceptance is refused until a dry run, then done once the user
confirms. Checked in the project store."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")
pytest.importorskip("sklearn")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desk_annotator.project import Project
from desk_annotator.store import suggestion_queries as sq

EXPORT = "Chip export controls were tightened again."
OPEN = "The model weights were released openly."
OTHER = "The weather was mild on Tuesday."
CODED = 8  # the teacher codes the first 8 documents; 3 are left to suggest on


class _Art:
    def __init__(self, title: str, text: str) -> None:
        self.title, self.text, self.metadata = title, text, {}


@pytest.fixture
def project(tmp_path, home):
    p = Project(tmp_path / "suggest.sqlite")
    teacher = p.ensure_coder("coder-1")
    p.ensure_coder("coder-2")
    crit = p.add_label("stance", "critical")
    exp = p.add_label("themes", "export")
    opn = p.add_label("themes", "open")
    texts = []
    for i in range(CODED + 3):
        parts = [EXPORT, OTHER, OPEN] if i % 2 else [OPEN, EXPORT, OTHER]
        texts.append(" ".join(parts) + f"\nNo. {i}.")
    p.add_documents([_Art(f"D{i}", t) for i, t in enumerate(texts)])
    docs = [d.id for d in p.q.document_infos()]
    for doc_id, text in list(zip(docs, texts, strict=True))[:CODED]:
        for sentence, stance, themes in ((EXPORT, crit.id, [exp.id]), (OPEN, None, [opn.id])):
            at = text.find(sentence)
            p.add_annotation(doc_id, teacher.id, at, at + len(sentence), stance_id=stance,
                             theme_ids=themes)
    yield p, {"docs": docs, "texts": texts, "crit": crit.id, "export": exp.id,
              "open": opn.id}
    p.close()


@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    proj, _ids = project
    win = MainWindow(proj, coder_name="coder-2")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _suggestions_window(qtbot, win):
    win.actions_by_name["suggestions_window"].trigger()
    sw = win.suggestions_window
    sw.teacher_box.setCurrentText("coder-1")
    sw.scope_box.setCurrentIndex(sw.scope_box.findData("uncoded"))
    return sw


def _run(qtbot, sw) -> None:
    qtbot.mouseClick(sw.run_button, Qt.MouseButton.LeftButton)  # trains first, then scores
    qtbot.waitUntil(lambda: sw.job is None and sw.model is not None
                    and "stored" in sw.message.text(), timeout=15000)


def _back_to(qtbot, win) -> None:
    """The workbench's keys work in the workbench: make it the active window again."""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)


def _status(proj, ann_id) -> str:
    return sq.suggestion(proj.q, ann_id)["status"]


def test_train_run_layer_keys_and_undo(qtbot, window, project) -> None:
    proj, ids = project
    sw = _suggestions_window(qtbot, window)
    _run(qtbot, sw)
    rows = sq.suggestions(proj.q)
    uncoded = ids["docs"][CODED:]
    # Every uncoded document got its export and open sentences suggested, nothing else.
    by_doc = {d: sorted(proj.q.document(d).text[r["start"]:r["end"]]
                        for r in rows if r["document_id"] == d) for d in uncoded}
    assert by_doc == {d: sorted([EXPORT, OPEN]) for d in uncoded}
    assert "model:tfidf: 6 open, 0 accepted, 0 rejected" in sw.counts_label.text()
    assert not sw.model_stale  # storing its own suggestions teaches the model nothing

    # The layer shows the open document's suggestions; the model coder is no coder to pick.
    layer = window.suggestion_layer
    window.open_document(uncoded[0])
    assert [r["annotation_id"] for r in layer.rows] == \
        [r["annotation_id"] for r in sq.suggestions(proj.q, document_id=uncoded[0])]
    assert len(layer.rows) == 2
    window.view.viewport().grab()  # paints the dashed layer
    assert "model:tfidf" not in [a.text() for a in window.coder_menu.actions()]
    coder_filter = window.annotations.coder_filter
    assert [coder_filter.itemText(i) for i in range(coder_filter.count())] == \
        ["Any coder", "coder-1", "coder-2"]
    window.set_show_all_coders(True)
    assert window.view.annotation_count() == 0  # suggestions are not ordinary annotations

    # F8: the first suggestion of the open document becomes current, its labels shown.
    _back_to(qtbot, window)
    window.view.place_cursor(0)
    qtbot.keyClick(window.view, Qt.Key.Key_F8)
    first = layer.current()
    assert first is not None and first["document_id"] == uncoded[0]
    assert "model:tfidf" in layer.status.text() and "p=" in layer.status.text()
    # F9 accepts: coder-2's annotation, same span and labels, with provenance.
    qtbot.keyClick(window.view, Qt.Key.Key_F9)
    assert _status(proj, first["annotation_id"]) == "accepted"
    accepted_as = sq.suggestion(proj.q, first["annotation_id"])["accepted_as"]
    mine = proj.q.annotation(accepted_as)
    assert (mine.coder_id, mine.start, mine.end, mine.stance_id, sorted(mine.theme_ids)) == \
        (window.coder_id(), first["start"], first["end"], first["stance_id"],
         sorted(first["theme_ids"]))
    assert sq.provenance(proj.q, [accepted_as]) == {accepted_as: "accepted from model:tfidf"}
    # ... and moves to the next open suggestion; F7 rejects it.
    second = layer.current()
    assert second is not None and second["annotation_id"] != first["annotation_id"]
    qtbot.keyClick(window.view, Qt.Key.Key_F7)
    assert _status(proj, second["annotation_id"]) == "rejected"
    assert proj.q.annotation(second["annotation_id"]) is not None  # the model's stays
    # Both suggestions of the first document are resolved: the next one is in the next.
    third = layer.current()
    assert third["document_id"] == uncoded[1] and window.view.document_id == uncoded[1]
    qtbot.keyClick(window.view, Qt.Key.Key_F8)
    assert layer.current()["document_id"] == uncoded[1]
    qtbot.keyClick(window.view, Qt.Key.Key_F8)
    assert window.view.document_id == uncoded[2]
    qtbot.keyClick(window.view, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.document_id == uncoded[1]

    assert sw.model_stale and "Run retrains first" in sw.model_label.text()

    # Ctrl+Z undoes the reject, then the accept.
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _status(proj, second["annotation_id"]) == "suggested"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _status(proj, first["annotation_id"]) == "suggested"
    assert proj.q.annotation(accepted_as) is None
    assert sq.counts(proj.q) == {"suggested": 6, "accepted": 0, "rejected": 0}
    window.open_document(uncoded[0])  # the layer shows both open again
    assert {r["annotation_id"] for r in layer.rows} == {first["annotation_id"],
                                                         second["annotation_id"]}
    qtbot.keyClick(window.view, Qt.Key.Key_F7)  # reject in place: the layer drops it at once
    assert len(layer.rows) == 1
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(layer.rows) == 2


def test_keys_are_listed_and_the_toggle_is_kept(qtbot, window) -> None:
    from desk_annotator.gui.menus import shortcut_help

    keys = {n: window.actions_by_name[n].shortcut().toString()
            for n in ("suggestion_accept", "suggestion_reject", "suggestion_next",
                      "suggestion_prev")}
    assert keys == {"suggestion_accept": "F9", "suggestion_reject": "F7",
                    "suggestion_next": "F8", "suggestion_prev": "Shift+F8"}
    assert "F9 / F7 / F8 / Shift+F8" in shortcut_help(window.actions_by_name)
    window.actions_by_name["show_suggestions"].setChecked(False)
    assert window.settings.get("show_suggestions") is False
    assert window.suggestion_layer.rows == []


def test_cancel_stores_nothing(qtbot, window, project) -> None:
    proj, _ids = project
    sw = _suggestions_window(qtbot, window)
    qtbot.mouseClick(sw.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sw.job is None and sw.model is not None, timeout=15000)
    history = proj.store.db.execute("SELECT count(*) FROM history").fetchone()[0]
    qtbot.mouseClick(sw.run_button, Qt.MouseButton.LeftButton)
    assert sw.cancel_button.isEnabled()
    qtbot.mouseClick(sw.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sw.job is None, timeout=15000)
    assert sw.message.text() == "Cancelled: nothing was stored."
    assert sq.counts(proj.q) == {"suggested": 0, "accepted": 0, "rejected": 0}
    assert proj.store.db.execute("SELECT count(*) FROM history").fetchone()[0] == history
    assert sw.run_button.isEnabled() and not sw.cancel_button.isEnabled()


def test_bulk_accept_needs_a_dry_run_and_a_yes(qtbot, window, project, monkeypatch) -> None:
    proj, _ids = project
    sw = _suggestions_window(qtbot, window)
    _run(qtbot, sw)
    sw.bulk_threshold.setValue(0.5)
    assert not sw.accept_button.isEnabled()
    assert sw.accept_above(confirm=True) == 0
    assert sw.message.text().startswith("Refused")
    assert sq.counts(proj.q)["accepted"] == 0

    qtbot.mouseClick(sw.dry_run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sw.job is None, timeout=15000)
    assert sw.message.text() == "Dry run recorded."
    recorded = sq.dry_run(proj.q, "tfidf")
    # Held out, each of the 8 coded documents has its 2 coded sentences proposed with the
    # teacher's labels, and nothing else: 16 proposals, all right.
    assert (recorded["threshold"], recorded["precision"], recorded["support"]) == (0.5, 1.0, 16)
    assert "precision 100.0% over 16 proposals" in sw.dry_run_label.text()
    assert sw.accept_button.isEnabled()
    # The question is asked; No accepts nothing.
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    qtbot.mouseClick(sw.accept_button, Qt.MouseButton.LeftButton)
    assert sq.counts(proj.q)["accepted"] == 0
    expected = len(sq.suggestions(proj.q, min_probability=0.5))
    assert expected == 6  # the 2 sentences of each of the 3 uncoded documents
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(sw.accept_button, Qt.MouseButton.LeftButton)
    assert sq.counts(proj.q)["accepted"] == expected
    mine = proj.q.annotations(coder_ids=[window.coder_id()])
    assert len(mine) == expected
    window.undo()  # one undo step takes them all back
    assert sq.counts(proj.q)["accepted"] == 0


def test_code_next_and_more_like_this_jump(qtbot, window, project) -> None:
    _proj, ids = project
    sw = _suggestions_window(qtbot, window)
    _run(qtbot, sw)
    sw.code_next.refresh()
    qtbot.waitUntil(lambda: sw.job is None, timeout=15000)
    assert sw.code_next.table.rowCount() > 0
    sw.code_next.jump(0)
    doc_id, start, end = sw.code_next.table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    assert window.view.document_id == doc_id and window.view.selection_span() == (start, end)
    window.open_document(ids["docs"][CODED])
    _back_to(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_F8)
    sw.similar.refresh()
    qtbot.waitUntil(lambda: sw.job is None, timeout=15000)
    assert sw.similar.table.rowCount() > 0
    texts = [sw.similar.table.item(r, 1).text() for r in range(sw.similar.table.rowCount())]
    assert texts[0] == window.suggestion_layer.current()["quote"]  # the same sentence elsewhere


def test_endpoint_settings_show_the_privacy_sentence(qtbot, window) -> None:
    from desk_annotator.suggest import llm_settings

    window.actions_by_name["model_endpoint"].trigger()
    panel = window.suggestions_window.endpoint
    assert window.suggestions_window.tabs.currentWidget() is panel
    shown = panel.findChild(type(panel.note), "privacySentence")
    assert shown.text() == llm_settings.PRIVACY_SENTENCE
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)  # nothing configured
    assert panel.job is None and "nothing was sent" in panel.note.text()
    panel.endpoint.setText("ftp://nowhere")
    assert not panel.save()
    panel.endpoint.setText("http://127.0.0.1:9/v1")
    panel.model.setText("tiny")
    assert panel.save()
    saved = llm_settings.load_settings()
    assert (saved.endpoint, saved.model) == ("http://127.0.0.1:9/v1", "tiny")


def test_model_endpoint_run_in_a_worker_and_cancel(qtbot, window, project) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from llm_server import ScriptedServer, answer

    from desk_annotator.store.model_request_queries import model_requests

    proj, ids = project
    sw = _suggestions_window(qtbot, window)
    panel = sw.endpoint
    proposal = answer([{"quote": EXPORT, "stance": "critical", "themes": ["export"]},
                       {"quote": "Not in the text at all.", "stance": None, "themes": []}])
    with ScriptedServer([proposal]) as server:
        panel.endpoint.setText(server.url)
        panel.model.setText("test-model")
        assert panel.save()
        window.open_document(ids["docs"][CODED])
        sw.scope_box.setCurrentIndex(sw.scope_box.findData("open"))
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.job is None, timeout=15000)
    [row] = sq.suggestions(proj.q, engine="llm:test-model")
    assert (row["quote"], row["stance_id"], row["theme_ids"]) == \
        (EXPORT, ids["crit"], [ids["export"]])
    assert [r["annotation_id"] for r in window.suggestion_layer.rows] == [row["annotation_id"]]
    assert "1 suggestion(s) from 1 of 1 document(s)" in sw.message.text()
    assert len(model_requests(proj.q)) == 1

    # Cancel while the first of three documents is being asked: that one is stored whole
    # (its request audited), the others are never sent.
    from llm_server import Reply

    slow = Reply(proposal.content, delay=0.6)
    with ScriptedServer([slow]) as server:
        panel.endpoint.setText(server.url)
        assert panel.save()
        sw.scope_box.setCurrentIndex(sw.scope_box.findData("uncoded"))
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(sw.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.job is None, timeout=15000)
        sent = len(server.chat_requests)
    assert sent == 1
    assert len(model_requests(proj.q)) == 2
    assert "from 1 of 3 document(s)" in sw.message.text()


def test_the_caret_picks_the_suggestion_and_provenance_is_shown(qtbot, window, project) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    proj, ids = project
    sw = _suggestions_window(qtbot, window)
    _run(qtbot, sw)
    doc = ids["docs"][CODED + 1]  # odd: EXPORT first, then OTHER, then OPEN
    window.open_document(doc)
    _back_to(qtbot, window)
    text = proj.q.document(doc).text
    layer = window.suggestion_layer
    window.view.place_cursor(text.find(OPEN) + 3)  # inside the second suggestion
    assert layer.current()["quote"] == OPEN
    window.view.place_cursor(text.find(OTHER) + 3)  # in no suggestion
    assert layer.current() is None
    window.view.place_cursor(text.find(OPEN) + 3)
    # The tooltip over it names what it proposes.
    rect = window.view.cursorRect()
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), window.view.mapToGlobal(rect.center()))
    assert layer.eventFilter(window.view.viewport(), event)
    assert "Suggestion of model:tfidf" in QToolTip.text() and "open" in QToolTip.text()
    qtbot.keyClick(window.view, Qt.Key.Key_F9)
    [mine] = proj.q.annotations(doc, [window.coder_id()])
    assert text[mine.start:mine.end] == OPEN
    assert window.view.document_id == ids["docs"][CODED + 2]  # on to the next suggestion
    window.open_document(doc)
    window.view.place_cursor(mine.start + 1)
    assert window.view.current_annotation_id == mine.id
    assert layer.status.text() == "This annotation was accepted from model:tfidf."


def test_the_leads_blind_lock_hides_suggestions(qtbot, window, project) -> None:
    from desk_annotator import blind

    proj, ids = project
    sw = _suggestions_window(qtbot, window)
    _run(qtbot, sw)
    window.open_document(ids["docs"][CODED])
    assert len(window.suggestion_layer.rows) == 2
    blind.set_lead(proj, "coder-1")
    blind.set_locked(proj, True, "coder-1")  # coder-2 may no longer see coder-1's work
    assert window.suggestion_layer.rows == []
    assert window.suggestion_layer.step(True) is None
    blind.set_locked(proj, False, "coder-1")
    assert len(window.suggestion_layer.rows) == 2


def test_other_windows_offer_no_model_coder(qtbot, window, project) -> None:
    from desk_annotator.gui.findings_dialog import FindingsDialog
    from desk_annotator.gui.tables_window import open_tables_window

    proj, _ids = project
    sw = _suggestions_window(qtbot, window)
    _run(qtbot, sw)
    assert proj.coder_by_name("model:tfidf") is not None
    window.set_show_all_coders(True)  # blind mode offers one's own coding alone
    window.open_compare()
    compare = window._child_windows[-1]
    tables = open_tables_window(window)
    findings = FindingsDialog(proj, window)
    qtbot.addWidget(findings)
    for combo in (compare.coder_a_combo, compare.coder_b_combo, tables.coder_box,
                  findings.coder_box):
        names = [combo.itemText(i) for i in range(combo.count())]
        assert "coder-1" in names and not [n for n in names if n.startswith("model:")], names
