"""The one matcher through the real find bar (Ctrl+F) and the corpus search dialog: case folding,
quote folding, whole word, regex, invalid regex, options remembered, "Code all matches"."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt

from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.search_dialog import CorpusSearchDialog
from desk_annotator.gui.settings import Settings
from desk_annotator.project import Project

TURKISH = "😀 Ankara: KÜME of chips. China's plan, Die STRAßE.\r\nMore KÜME."
CURLY = "China’s export rules 中文 and küme again; Chinaʼs third."
PLAIN = "Nothing to see here."


@dataclass
class Article:
    title: str
    text: str
    metadata: dict[str, str | None] = field(default_factory=dict)


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    proj.add_label("stance", "supportive", color="#1b9e77", key="1")
    proj.add_label("themes", "chips", color="#56B4E9", key="x")
    proj.add_documents([Article("Turkish", TURKISH), Article("Curly", CURLY),
                        Article("Plain", PLAIN)])
    yield proj
    proj.close()


def doc_id(project, title):
    return next(d.id for d in project.q.document_infos() if d.title == title)


@pytest.fixture
def window(qtbot, project, home):
    win = MainWindow(project, coder_name="alice", settings=Settings(home / "settings.json"))
    qtbot.addWidget(win)
    win.resize(1300, 800)
    win.show()
    qtbot.waitExposed(win)
    win.open_document(doc_id(project, "Turkish"))
    return win


def open_find(qtbot, win, needle):
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert win.find_bar.isVisible()
    win.find_bar.field.setText(needle)  # non-ASCII: through the widget API
    win.find_bar.search()


def texts(win):
    text = win.view.text
    return [text[s:e] for s, e in win.view.search_matches()]


def test_find_bar_folds_case_and_quotes_and_maps_offsets(qtbot, project, window):
    bar = window.find_bar
    open_find(qtbot, window, "küme")
    assert texts(window) == ["KÜME", "KÜME"]  # after an emoji and CRLF: code points
    assert bar.count_label.text() == "1 of 2"
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    stored = project.q.document(window.view.document_id).text  # CRLF stored as LF
    assert stored == TURKISH.replace("\r\n", "\n")
    second = stored.rindex("KÜME")
    assert window.view.selection_span() == (second, second + 4)

    bar.field.setText("strasse")
    bar.search()
    assert texts(window) == ["STRAßE"]

    # A label key tags exactly the selected (folded) match.
    window.view.setFocus()
    qtbot.keyClick(window.view, "1")
    [ann] = project.q.annotations(window.view.document_id, [window.coder.id])
    assert ann.quote == "STRAßE"

    # Case checkbox (clicked for real): the folded match goes away.
    qtbot.mouseClick(bar.case_button, Qt.MouseButton.LeftButton)
    assert bar.case_button.isChecked() and texts(window) == []
    assert bar.count_label.text() == "No matches"
    bar.case_button.setChecked(False)

    window.open_document(doc_id(project, "Curly"))
    bar.field.setText("China's")
    bar.search()
    assert texts(window) == ["China’s", "Chinaʼs"]
    bar.option_row.boxes["fold_quotes"].click()
    assert texts(window) == []


def test_find_bar_whole_word_regex_and_invalid_regex(qtbot, project, window):
    bar = window.find_bar
    open_find(qtbot, window, "chip")
    assert texts(window) == ["chip"]
    bar.option_row.boxes["whole_word"].click()
    assert texts(window) == [] and bar.count_label.text() == "No matches"
    bar.option_row.boxes["whole_word"].click()

    bar.option_row.boxes["regex"].click()
    bar.field.setText(r"k\w+e")
    bar.search()
    assert texts(window) == ["KÜME", "KÜME"]
    bar.field.setText("(unclosed")
    bar.search()
    assert bar.matches == [] and window.view.search_matches() == []
    assert bar.count_label.text().startswith("Invalid regular expression")
    bar.next_match()  # stepping with a broken pattern keeps the message, raises nothing
    assert bar.count_label.text().startswith("Invalid regular expression")


def test_find_bar_options_are_remembered(qtbot, project, home):
    settings = Settings(home / "settings.json")
    win = MainWindow(project, coder_name="alice", settings=settings)
    qtbot.addWidget(win)
    win.find_bar.option_row.boxes["regex"].click()
    win.find_bar.option_row.boxes["fold_dashes"].click()
    assert Settings(home / "settings.json").get("find_options")["regex"] is True

    again = MainWindow(project, coder_name="alice", settings=Settings(home / "settings.json"))
    qtbot.addWidget(again)
    options = again.find_bar.options
    assert options.regex and not options.fold_dashes and options.fold_quotes
    assert not options.case_sensitive and not options.whole_word


def test_search_dialog_counts_and_codes_what_it_lists(qtbot, project, window):
    alice = window.coder_id()
    dialog = CorpusSearchDialog(project, window.show_passage, alice, window)
    qtbot.addWidget(dialog)
    dialog.query_edit.setText("küme")
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert dialog.results.rowCount() == 3
    assert dialog.status_label.text() == "3 matches in 2 documents"
    assert "<b>KÜME</b>" in dialog.results.item(0, 1).text()

    # Code all matches: every listed hit, the KÜME ones included.
    dialog.code_button.click()
    supportive = next(lb.id for lb in project.q.labels() if lb.name == "supportive")
    dialog.set_suggestion_labels(supportive)
    while dialog.current_suggestion() is not None:
        assert dialog.accept_suggestion()
    coded = project.q.annotations(coder_ids=[alice])
    assert sorted(a.quote for a in coded) == ["KÜME", "KÜME", "küme"]
    assert {a.document_id for a in coded} == {doc_id(project, "Turkish"),
                                             doc_id(project, "Curly")}
    assert sorted((a.document_id, a.start, a.end) for a in coded) == sorted(
        (h["document_id"], h["start"], h["end"]) for h in dialog.hits)

    # Straight and curly apostrophes give the same count; the box keeps them apart.
    assert dialog.search("China's") == dialog.search("China’s") == 3
    dialog.option_row.boxes["fold_quotes"].click()  # re-searches at once
    assert dialog.results.rowCount() == 1
    assert dialog.search("China's") == 1


def test_search_dialog_regex_whole_word_and_error_line(qtbot, project, window):
    dialog = CorpusSearchDialog(project, window.show_passage, window.coder_id(), window)
    qtbot.addWidget(dialog)
    dialog.query_edit.setText("chip")
    dialog.search_button.click()
    assert dialog.results.rowCount() == 1
    dialog.option_row.boxes["whole_word"].click()
    assert dialog.results.rowCount() == 0
    dialog.option_row.boxes["regex"].click()
    dialog.query_edit.setText(r"chips?|plan")
    dialog.search_button.click()
    assert dialog.results.rowCount() == 2  # "chips" and "plan"
    dialog.query_edit.setText("[unclosed")
    dialog.search_button.click()
    assert dialog.results.rowCount() == 0 and not dialog.code_button.isEnabled()
    assert dialog.status_label.text().startswith("Invalid regular expression")
    assert "\n" not in dialog.status_label.text()

    # The dialog remembers its options in the window's settings.
    reopened = CorpusSearchDialog(project, window.show_passage, window.coder_id(), window)
    qtbot.addWidget(reopened)
    assert reopened.option_row.options().regex and reopened.option_row.options().whole_word
    assert window.settings.get("corpus_search_options")["regex"] is True
