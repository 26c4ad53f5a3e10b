"""Find in document (Ctrl+F) and the codebook's Definition section, through the real widgets."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.settings import Settings
from desk_annotator.project import Project

# Emoji (2 UTF-16 units each) and CJK before the matches: offsets must be code points.
TEXT = ("Intro 😀😀 about 中文字符 chips policy first.\n"
        "Then 🚀 more on Policy and 한국어 words.\n"
        "Last line: POLICY, and policy again 🙂 end.")
DEFINITION = "Coverage that favours the measure."


@dataclass
class Article:
    title: str
    text: str
    metadata: dict[str, str | None] = field(default_factory=dict)


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_label("stance", "supportive", color="#1b9e77", key="1", description=DEFINITION)
    proj.add_label("stance", "critical", color="#d95f02", key="2")
    proj.add_label("themes", "chips", color="#56B4E9", key="x", description="Semiconductors.")
    proj.add_documents([Article("Mixed scripts", TEXT), Article("Other", "No needle here.")])
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    win.open_document(next(d.id for d in project.q.document_infos() if d.title == "Mixed scripts"))
    return win


def occurrences(text: str, needle: str) -> list[int]:
    """Independent of the code under test: every case-insensitive start (ASCII needle)."""
    low = text.lower()
    return [i for i in range(len(text)) if low.startswith(needle.lower(), i)]


def open_find(qtbot, window: MainWindow, needle: str) -> None:
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
    assert QApplication.focusWidget() is window.find_bar.field
    qtbot.keyClicks(window.find_bar.field, needle)  # ASCII only
    qtbot.waitUntil(lambda: window.find_bar.matches != [], timeout=2000)


def test_find_counts_selects_tags_wraps_and_closes(qtbot, project, window):
    starts = occurrences(TEXT, "policy")
    assert len(starts) == 4 and TEXT[starts[1]:starts[1] + 6] == "Policy"
    open_find(qtbot, window, "policy")
    bar = window.find_bar
    # Every match is highlighted in the view, at code point offsets.
    assert window.view.search_matches() == [(s, s + 6) for s in starts]
    assert bar.count_label.text() == "1 of 4"

    # Enter: the next match is selected; the count follows.
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count_label.text() == "2 of 4"
    assert window.view.textCursor().selectedText() == "Policy"

    # A stance key in the text tags exactly that match (code points, past emoji and CJK).
    window.view.setFocus()
    qtbot.keyClick(window.view, "1")
    [ann] = project.q.annotations(window.view.document_id, [window.coder.id])
    assert (ann.start, ann.end, ann.quote) == (starts[1], starts[1] + 6, "Policy")
    supportive = next(lb for lb in project.q.labels() if lb.name == "supportive")
    assert ann.stance_id == supportive.id
    # ... and the Definition section now explains the key just used.
    assert DEFINITION in window.codebook.definition.text.toPlainText()

    # F3 continues after the tagged passage; Shift+F3 goes back.
    qtbot.keyClick(window.view, Qt.Key.Key_F3)
    assert window.view.selection_span() == (starts[2], starts[2] + 6)
    assert bar.count_label.text() == "3 of 4"
    qtbot.keyClick(window.view, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.selection_span() == (starts[1], starts[1] + 6)

    # Previous wraps from the first match to the last.
    bar.field.setFocus()
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.selection_span() == (starts[0], starts[0] + 6)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.selection_span() == (starts[3], starts[3] + 6)
    assert bar.count_label.text() == "4 of 4"
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # and Next wraps back to the first
    assert bar.count_label.text() == "1 of 4"

    # Case-sensitive: only the lower-case occurrences.
    qtbot.mouseClick(bar.case_button, Qt.MouseButton.LeftButton)
    lower = [s for s in starts if TEXT[s:s + 6] == "policy"]
    assert window.view.search_matches() == [(s, s + 6) for s in lower]
    assert bar.count_label.text().endswith(f"of {len(lower)}")

    # Esc: bar and highlights gone, the match stays selected in the focused text.
    selected = window.view.selection_span()
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.view.search_matches() == []
    assert window.view.selection_span() == selected
    assert QApplication.focusWidget() is window.view


def test_no_match_and_document_switch(qtbot, project, window):
    open_find(qtbot, window, "chips")
    assert window.view.search_matches() == [(TEXT.index("chips"), TEXT.index("chips") + 5)]
    qtbot.keyClicks(window.find_bar.field, "zz")
    qtbot.waitUntil(lambda: window.find_bar.count_label.text() == "No matches", timeout=2000)
    assert window.view.search_matches() == []
    # Opening another document re-runs the search there.
    window.find_bar.field.setText("needle")
    window.find_bar.search()
    assert window.find_bar.matches == []
    other = next(d.id for d in project.q.document_infos() if d.title == "Other")
    window.open_document(other)
    assert window.view.search_matches() == [(3, 9)]


def test_document_filter_moved_to_ctrl_l(qtbot, window):
    qtbot.keyClick(window.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.corpus.search
    assert not window.find_bar.isVisible()
    assert window.actions_by_name["search"].shortcut().toString() == "Ctrl+Shift+F"


def test_definition_section_follows_clicks_hover_and_folds(qtbot, project, window):
    panel = window.codebook
    labels = {lb.name: lb for lb in project.q.labels()}
    shown = panel.definition.text
    assert panel.definition.expanded and shown.isVisible()

    # Click a label (nothing selected: no annotation is made, the definition is shown).
    qtbot.mouseClick(panel.buttons[labels["supportive"].id], Qt.MouseButton.LeftButton)
    assert DEFINITION in shown.toPlainText()
    assert "supportive" in shown.toPlainText() and "key 1" in shown.toPlainText()

    # Hovering another label shows its definition; leaving returns to the clicked one.
    chips_button = panel.buttons[labels["chips"].id]
    QApplication.sendEvent(chips_button, QEnterEvent(QPoint(5, 5), QPoint(5, 5), QPoint(5, 5)))
    assert "Semiconductors." in shown.toPlainText()
    QApplication.sendEvent(chips_button, QEvent(QEvent.Type.Leave))
    assert DEFINITION in shown.toPlainText()
    # A label without a definition says so.
    qtbot.mouseClick(panel.buttons[labels["critical"].id], Qt.MouseButton.LeftButton)
    assert "No definition yet" in shown.toPlainText()

    # Fold it: the text goes, and the choice is remembered in the settings file.
    qtbot.mouseClick(panel.definition.toggle, Qt.MouseButton.LeftButton)
    assert not panel.definition.expanded and not shown.isVisible()
    assert Settings().get("definition_open") is False
    again = MainWindow(project, coder_name="alice")
    qtbot.addWidget(again)
    assert not again.codebook.definition.expanded
    qtbot.mouseClick(panel.definition.toggle, Qt.MouseButton.LeftButton)
    assert shown.isVisible()
