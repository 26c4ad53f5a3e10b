"""Edit → Document variables…: cells edited as a user would, checked in the project store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from desk_annotator.ops_variables import DefineVariable
from desk_annotator.project import Project
from desk_annotator.variables import variable_table


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    proj = Project(tmp_path / "p.sqlite")
    proj.add_documents([SimpleNamespace(title="One", text="First text.", metadata={"outlet": "A"}),
                        SimpleNamespace(title="Two", text="Second text.", metadata={})])
    proj.run(DefineVariable("tone", "category", "neg,pos"))
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.variables_window import VariablesWindow

    win = VariablesWindow(project, ProjectBridge(project))
    qtbot.addWidget(win)
    return win


def values(project):
    return dict(variable_table(project))


def test_editing_a_cell_stores_it_and_undo_shows_the_old_value(window, project) -> None:
    col = window.names.index("tone") + 1
    assert window.table.horizontalHeaderItem(col).text() == "tone (category)"
    window.table.item(0, col).setText("POS")
    doc = window.document_id(0)
    assert values(project)[doc]["tone"] == "pos"
    assert window.table.item(0, col).text() == "pos"  # reloaded in canonical form
    outlet = window.names.index("outlet") + 1
    window.table.item(1, outlet).setText("Weekly")
    assert values(project)[window.document_id(1)]["outlet"] == "Weekly"
    project.undo()
    project.undo()
    assert window.table.item(0, col).text() == "" and values(project)[doc]["tone"] is None


def test_a_bad_value_is_refused_with_its_line(window, project) -> None:
    col = window.names.index("tone") + 1
    window.table.item(0, col).setText("angry")
    assert "tone is a category: 'angry' is not one of neg, pos" in window.message.text()
    assert window.table.item(0, col).text() == ""
    assert values(project)[window.document_id(0)]["tone"] is None


def test_define_import_and_export(window, project, tmp_path) -> None:
    window.name_edit.setText("words")
    window.type_box.setCurrentText("number")
    assert window.define_from_fields()
    assert "words (number)" in [window.table.horizontalHeaderItem(c).text()
                                for c in range(window.table.columnCount())]
    window.name_edit.setText("words")
    assert not window.define_from_fields()
    assert "already a variable" in window.message.text()
    out = tmp_path / "v.xlsx"
    assert window.ask_export(str(out)) == 2
    sheet = tmp_path / "in.csv"
    sheet.write_text("title,words\nTwo,12\nThree,4\n", encoding="utf-8")
    lines = window.ask_import(str(sheet))
    assert lines[0].startswith("1 row(s) matched") and "unmatched: row 3 (title 'Three')" in lines
    assert window.table.item(1, window.names.index("words") + 1).text() == "12"


def test_a_sheet_saved_in_cp1252_is_one_red_line(window, project, tmp_path) -> None:
    """Before, the decoding error escaped the slot: a traceback on stderr, nothing on screen."""
    before = values(project)
    sheet = tmp_path / "ansi.csv"
    sheet.write_bytes("title,tone\nTwo,pos – ok\n".encode("cp1252"))
    lines = window.ask_import(str(sheet))
    assert lines == [(f'{sheet}: line 2 is not UTF-8 text (byte 0x96); save the sheet as '
                      '"CSV UTF-8" or as XLSX')]
    assert window.message.text() == lines[0]
    assert values(project) == before

def test_the_edit_menu_opens_it_and_it_follows_other_changes(qtbot, project) -> None:
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.variables_window import VariablesWindow
    from desk_annotator.ops_variables import SetVariableValue

    main = MainWindow(project, coder_name="alice")
    qtbot.addWidget(main)
    main.actions_by_name["variables"].trigger()
    opened = [w for w in main.findChildren(VariablesWindow)]
    assert len(opened) == 1 and opened[0].isVisible()
    doc = opened[0].document_id(0)
    project.run(SetVariableValue(doc, "tone", "neg"))  # e.g. the CLI or a script
    assert opened[0].table.item(0, opened[0].names.index("tone") + 1).text() == "neg"
