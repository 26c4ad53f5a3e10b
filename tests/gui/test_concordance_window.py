"""Analysis → Concordance and word frequencies: lines found with the search's options,
left/right sorting from the headers, a set filter, jumping, CSV/XLSX export, and word
frequencies per set with stop words. Expected lines are found here with str.find / regex."""

from __future__ import annotations

import csv
import re
from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desk_annotator.gui.concordance_window import ConcordanceWindow
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project

TEXTS = {
    "One": "The chip ban. A new chip rule! Old Chip makers.",
    "Two": "Zebra chip fans. Chips are not a chip.",
    "Three": "Die Regeln und die Chips: der chip und das Werk.",
}


@pytest.fixture
def opened(qtbot, tmp_path, home):
    project = Project(tmp_path / "c.sqlite")
    project.add_documents([SimpleNamespace(title=t, text=x, metadata={"language": "de" if t ==
                                                                      "Three" else "en"})
                           for t, x in TEXTS.items()])
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.show()
    win.actions_by_name["concordance"].trigger()
    window = win.findChildren(ConcordanceWindow)[0]
    yield project, win, window
    window.close()
    project.close()


def expected_lines(pattern: str, titles=TEXTS):
    out = []
    for title in titles:
        for m in re.finditer(pattern, TEXTS[title]):
            out.append((title, m.start(), m.end()))
    return out


def test_lines_options_sorting_and_jump(qtbot, opened):
    _project, win, window = opened
    window.options.boxes["whole_word"].setChecked(True)
    window.options.boxes["case_sensitive"].setChecked(False)
    window.width_box.setValue(10)
    qtbot.keyClicks(window.pattern_edit, "chip")
    qtbot.keyClick(window.pattern_edit, Qt.Key.Key_Return)
    found = [(ln.title, ln.start, ln.end) for ln in window.lines]
    assert found == expected_lines(r"(?i)\bchip\b")  # "Chips" is not the whole word
    assert window.kwic_count.text() == f"{len(found)} lines"
    # Right header: sorted by the text after the match (case-folded).
    window.kwic_table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    rights = [window.kwic_model.rows[i][3].lstrip().casefold()
              for i in range(window.kwic_model.rowCount())]
    assert rights == sorted(rights)
    # Left header: sorted by the text before the match read backwards.
    window.kwic_table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    lefts = [window.kwic_model.rows[i][1].rstrip().casefold()[::-1]
             for i in range(window.kwic_model.rowCount())]
    assert lefts == sorted(lefts)
    # Double-click opens the place.
    index = window.kwic_model.index(2, 2)
    line = window.lines[2]
    qtbot.mouseClick(window.kwic_table.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.kwic_table.visualRect(index).center())
    qtbot.mouseDClick(window.kwic_table.viewport(), Qt.MouseButton.LeftButton,
                      pos=window.kwic_table.visualRect(index).center())
    assert win.view.document_id == line.document_id
    assert win.view.selection_span() == (line.start, line.end)
    # A bad regular expression is one line, nothing listed.
    window.options.boxes["regex"].setChecked(True)
    window.pattern_edit.setText("chip(")
    window.find()
    assert window.lines == [] and window.message.text()


def test_set_filter_and_exports(opened, tmp_path):
    project, _win, window = opened
    ids = {d.title: d.id for d in project.q.document_infos()}
    project.run(CreateSet("english", [ids["One"], ids["Two"]]))
    assert window.set_box.findText("english") > 0  # the change notification
    window.options.boxes["whole_word"].setChecked(False)
    window.options.boxes["case_sensitive"].setChecked(False)
    window.pattern_edit.setText("chip")
    window.set_box.setCurrentText("english")
    expected = expected_lines(r"(?i)chip", ["One", "Two"])
    assert [(ln.title, ln.start, ln.end) for ln in window.lines] == expected
    out = tmp_path / "kwic.csv"
    job = window.ask_export_lines(str(out), wait=True)
    assert job.error is None, job.error
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["title"], int(r["start"]), int(r["end"])) for r in rows] == expected
    assert all(r["match"].casefold() == "chip" for r in rows)
    out_xlsx = tmp_path / "kwic.xlsx"
    assert window.ask_export_lines(str(out_xlsx), wait=True).error is None
    from openpyxl import load_workbook

    sheet = load_workbook(out_xlsx).active
    assert sheet.max_row == len(expected) + 1


def test_word_frequencies_per_set_with_stop_words(opened, tmp_path):
    project, _win, window = opened
    window.tabs.setCurrentIndex(1)
    window.language_box.setCurrentIndex(window.language_box.findData(None))  # own language
    window.count_words()
    counts = {w: (n, d) for w, n, d in window.words_model.rows}
    # "chip": One has 3 (chip, chip, Chip), Two 2, Three 1 -> 6 in 3 documents.
    assert counts["chip"] == (6, 3)
    assert counts["chips"] == (2, 2)
    assert "the" not in counts and "und" not in counts and "die" not in counts  # stop words
    ids = {d.title: d.id for d in project.q.document_infos()}
    project.run(CreateSet("german", [ids["Three"]]))
    window.set_box.setCurrentText("german")
    counts = {w: (n, d) for w, n, d in window.words_model.rows}
    assert counts["chip"] == (1, 1) and counts["regeln"] == (1, 1) and "zebra" not in counts
    window.language_box.setCurrentIndex(window.language_box.findData("none"))
    window.count_words()
    assert {w for w, _n, _d in window.words_model.rows} >= {"die", "und"}
    out = tmp_path / "words.csv"
    assert window.ask_export_words(str(out), wait=True).error is None
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["word"]: int(r["count"]) for r in rows}["die"] == 2
