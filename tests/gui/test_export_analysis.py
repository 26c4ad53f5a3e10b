"""File → Export…: the analysis exports (data matrix as SPSS .sav / Stata .dta / CSV, document
variables) and a document set as the documents to export, through the real dialog and its
worker thread. Expected values are worked out from the fixture by hand."""

from __future__ import annotations

import csv
import zipfile
from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")
pyreadstat = pytest.importorskip("pyreadstat")

from PySide6.QtCore import Qt

from desk_annotator.gui import file_actions
from desk_annotator.models import GOLD_CODER
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project

TEXTS = {"Plan": "The plan backs open models and cheap compute.",
         "Chips": "A short article about chips, chips and more chips.",
         "Talks": "Officials welcomed talks in Beijing on Monday."}


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "lead.sqlite")
    proj.add_documents([SimpleNamespace(title=t, text=x, metadata={"outlet": f"{t} Post"})
                        for t, x in TEXTS.items()])
    crit = proj.add_label("stance", "critical").id
    sup = proj.add_label("stance", "supportive").id
    chips = proj.add_label("themes", "chips").id
    docs = {d.title: d.id for d in proj.q.document_infos()}
    alice, gold = proj.ensure_coder("alice"), proj.ensure_coder(GOLD_CODER)
    proj.add_annotation(docs["Plan"], gold.id, 0, 3, stance_id=sup)
    proj.add_annotation(docs["Chips"], gold.id, 2, 7, stance_id=crit, theme_ids=[chips])
    proj.add_annotation(docs["Chips"], gold.id, 22, 27, stance_id=crit, theme_ids=[chips])
    proj.add_annotation(docs["Talks"], alice.id, 0, 9, stance_id=sup)
    proj.run(CreateSet("two", [docs["Plan"], docs["Talks"]]))
    yield proj
    proj.close()


@pytest.fixture
def win(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    window = MainWindow(project, coder_name="alice")
    qtbot.addWidget(window)
    yield window
    window.close()


def press_export(qtbot, dialog) -> str | None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job is not None, dialog.error.text()
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=20000)
    assert dialog.job.error is None, dialog.job.error
    return dialog.job.summary


def test_spss_matrix_of_gold_with_value_labels(qtbot, win, tmp_path) -> None:
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("matrix-sav")
    assert dialog.path.text().endswith(".sav")
    assert dialog.matrix_rows.isEnabled() and not dialog.coders.isEnabled()
    dialog.matrix_coder.setCurrentIndex(dialog.matrix_coder.findData(GOLD_CODER))
    dialog.path.setText(str(tmp_path / "gold"))  # the suffix is added
    summary = press_export(qtbot, dialog)
    assert summary and summary.startswith("3 rows")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "gold.sav"))
    by_title = {row["title"]: row for _, row in frame.iterrows()}
    assert set(by_title) == set(TEXTS) and set(frame["coder"]) == {GOLD_CODER}
    assert [by_title[t]["passages"] for t in ("Plan", "Chips", "Talks")] == [1, 2, 0]
    # The majority stance is coded 1..k in codebook order, with its names as value labels.
    stance_column = next(n for n in meta.column_names if "majority" in n)
    labels = meta.variable_value_labels[stance_column]
    assert labels == {1.0: "critical", 2.0: "supportive"}
    assert labels[by_title["Chips"][stance_column]] == "critical"
    assert labels[by_title["Plan"][stance_column]] == "supportive"
    assert (tmp_path / "gold.codebook.csv").exists()


def test_passage_rows_as_spreadsheet_safe_csv(qtbot, win, tmp_path) -> None:
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("matrix-csv-safe")
    dialog.matrix_rows.setCurrentIndex(dialog.matrix_rows.findData("passages"))
    dialog.path.setText(str(tmp_path / "passages.csv"))
    assert press_export(qtbot, dialog)
    with open(tmp_path / "passages.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted((r["title"], r["coder"]) for r in rows) == [
        ("Chips", GOLD_CODER), ("Chips", GOLD_CODER), ("Plan", GOLD_CODER), ("Talks", "alice")]


def test_a_set_restricts_variables_and_qdpx(qtbot, win, project, tmp_path) -> None:
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("variables-csv")
    assert not dialog.coders.isEnabled() and dialog.doc_buttons["set"].isEnabled()
    dialog.doc_buttons["set"].setChecked(True)
    assert dialog.set_box.currentText() == "two (2)"
    dialog.path.setText(str(tmp_path / "vars.csv"))
    assert press_export(qtbot, dialog) == f"variables of 2 documents written to {tmp_path / 'vars.csv'}"
    with open(tmp_path / "vars.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["title"], r["outlet"]) for r in rows] == [("Plan", "Plan Post"),
                                                         ("Talks", "Talks Post")]
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("qdpx")
    dialog.doc_buttons["set"].setChecked(True)
    dialog.path.setText(str(tmp_path / "two.qdpx"))
    assert press_export(qtbot, dialog)
    with zipfile.ZipFile(tmp_path / "two.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert qde.count("<TextSource ") == 2 and 'name="Chips"' not in qde
    assert '<Set guid="' in qde and 'name="two"' in qde  # the set itself rides along
