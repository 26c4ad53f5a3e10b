"""Custom document variables in the document list: optional columns chosen from the header's
menu (values shown, remembered per project, refreshed after a value is set and after undo) and
``name:value`` terms in the search box (category, number, built-in, unknown names, non-ASCII)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desk_annotator.gui.corpus_list import COLUMNS, SEARCH_TIP
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.ops_variables import DefineVariable, SetVariableValues
from desk_annotator.project import Project

DOCS = [("Chips ban", "Le Monde"), ("Chips deal", "Guardian"), ("Open models", "Guardian"),
        ("Summit", "Die Zeit")]


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path / "v.sqlite")
    project.add_documents([SimpleNamespace(title=t, text=f"Text of {t}.",
                                           metadata={"outlet": o, "language": "de"
                                                     if o == "Die Zeit" else "en",
                                                     "date": f"2024-0{n + 1}-05"})
                           for n, (t, o) in enumerate(DOCS)])
    project.run(DefineVariable("genre", "category", "Nachricht,Kommentar,Reportage"))
    project.run(DefineVariable("pages", "number"))
    project.run(DefineVariable("Région", "text"))
    ids = {d.title: d.id for d in project.q.document_infos()}
    project.run(SetVariableValues([
        (ids["Chips ban"], "genre", "Kommentar"), (ids["Chips deal"], "genre", "nachricht"),
        (ids["Summit"], "genre", "Kommentar"),
        (ids["Chips ban"], "pages", "3"), (ids["Open models"], "pages", "12"),
        (ids["Chips deal"], "pages", "3.0"),
        (ids["Summit"], "Région", "Île-de-France")]))
    yield project
    project.close()


@pytest.fixture
def win(qtbot, project, home):
    window = MainWindow(project, coder_name="alice")
    qtbot.addWidget(window)
    yield window
    window.close()


def ids_of(win) -> dict[str, str]:
    return {d.title: d.id for d in win.project.q.document_infos()}


def shown(win) -> list[str]:
    by_id = {d.id: d.title for d in win.project.q.document_infos()}
    return [by_id[d] for d in win.corpus.visible_document_ids()]


def column(win, name: str) -> dict[str, str]:
    """title -> the cell text of variable column ``name``."""
    model = win.corpus.model
    col = len(COLUMNS) + model.variable_columns().index(name)
    assert model.headerData(col, Qt.Orientation.Horizontal) == name
    return {model.row_data(r)["title"]: model.index(r, col).data() for r in range(model.rowCount())}


def check(win, text: str, on: bool = True) -> None:
    menu = win.corpus_variables.menu()
    action = next(a for a in menu.actions() if a.text().startswith(text + " ("))
    action.setChecked(on)
    menu.deleteLater()


def test_columns_from_the_header_menu_persist_and_refresh(qtbot, win, project, home):
    model = win.corpus.model
    assert model.columnCount() == len(COLUMNS)  # none shown at first
    menu = win.corpus_variables.menu()
    assert [a.text() for a in menu.actions()] == ["genre (category)", "pages (number)",
                                                  "Région (text)"]
    check(win, "genre")
    check(win, "Région")
    assert model.variable_columns() == ["genre", "Région"]
    assert column(win, "genre") == {"Chips ban": "Kommentar", "Chips deal": "Nachricht",
                                    "Open models": "", "Summit": "Kommentar"}
    assert column(win, "Région")["Summit"] == "Île-de-France"
    # A value set by the op behind `variable set`, then undone: the cell follows both.
    ids = ids_of(win)
    project.run(SetVariableValues([(ids["Open models"], "genre", "Reportage")]), win.coder_id())
    assert column(win, "genre")["Open models"] == "Reportage"
    project.undo(win.coder_id())
    assert column(win, "genre")["Open models"] == ""
    check(win, "Région", on=False)
    assert model.variable_columns() == ["genre"]
    # Remembered for the project: a new window shows the same column.
    second = MainWindow(project, coder_name="alice")
    qtbot.addWidget(second)
    assert second.corpus.model.variable_columns() == ["genre"]
    assert column(second, "genre")["Chips deal"] == "Nachricht"
    second.close()


def test_number_column_sorts_as_numbers(win):
    check(win, "pages")
    col = len(COLUMNS) + win.corpus.model.variable_columns().index("pages")
    assert column(win, "pages") == {"Chips ban": "3", "Chips deal": "3", "Open models": "12",
                                    "Summit": ""}
    win.corpus.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    assert shown(win)[0] == "Summit" and shown(win)[-1] == "Open models"  # 3 < 12, unset first


def test_filter_terms_category_number_builtin_and_free_text(win):
    box = win.corpus.search
    box.setText("genre:kommentar")
    assert shown(win) == ["Chips ban", "Summit"]
    box.setText("genre=kommentar chips")  # with a free-text word
    assert shown(win) == ["Chips ban"]
    box.setText("pages:3")  # 3 and 3.0 are the same number
    assert shown(win) == ["Chips ban", "Chips deal"]
    box.setText("pages:3.5")
    assert shown(win) == []
    box.setText("outlet:guardian")
    assert shown(win) == ["Chips deal", "Open models"]
    box.setText("date:2024-03")  # a date starts with the term
    assert shown(win) == ["Open models"]
    box.setText("language:DE")
    assert shown(win) == ["Summit"]
    box.setText("models")
    assert shown(win) == ["Open models"]
    assert box.toolTip() == SEARCH_TIP
    # A value set while the filter is on: the filter reads it anew.
    box.setText("genre:reportage")
    assert shown(win) == []
    win.project.run(SetVariableValues([(ids_of(win)["Open models"], "genre", "Reportage")]))
    assert shown(win) == ["Open models"]


def test_non_ascii_names_and_values(win):
    box = win.corpus.search
    box.setText("région:île")  # name and value folded: É/é, Î/î
    assert shown(win) == ["Summit"]
    box.setText('"RÉGION":ÎLE-DE-FRANCE')
    assert shown(win) == ["Summit"]
    check(win, "Région")
    assert column(win, "Région")["Summit"] == "Île-de-France"


def test_unknown_variable_gives_a_hint_and_is_searched_as_text(win):
    box = win.corpus.search
    box.setText("colour:red")
    assert shown(win) == []
    assert "No variable named 'colour'" in box.toolTip()
    assert "genre" in box.toolTip() and "outlet" in box.toolTip()
    win.project.run(DefineVariable("colour", "text"))  # now it exists: the hint goes
    assert "No variable" not in box.toolTip()
    box.setText("")
    assert box.toolTip() == SEARCH_TIP
    assert len(shown(win)) == 4


def test_export_filter_choice_follows_variable_terms(win):
    win.corpus.search.setText("genre:kommentar")
    ids = ids_of(win)
    assert win.corpus.visible_document_ids() == [ids["Chips ban"], ids["Summit"]]
