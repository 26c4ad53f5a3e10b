"""File → Export… through the real dialog (issue 11): format, coders (gold included),
documents (selected / filter / status), positions; written in a worker thread, one line back.
Agreement report export from the Agreement window in each format."""

from __future__ import annotations

import csv
import json
import zipfile
from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from desk_annotator.gui import file_actions  # noqa: E402
from desk_annotator.models import GOLD_CODER  # noqa: E402
from desk_annotator.project import Project  # noqa: E402

TEXTS = {"Plan": "The plan backs open models 🚀 and cheap compute. Critics object.",
         "Chips": "A short article about chips, chips and more chips.",
         "Talks": "Officials welcomed talks in Beijing on Monday."}


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "lead.sqlite")
    proj.add_documents([SimpleNamespace(title=t, text=x, metadata={}) for t, x in TEXTS.items()])
    crit = proj.add_label("stance", "critical", color="#d95f02").id
    sup = proj.add_label("stance", "supportive", color="#1b9e77").id
    theme = proj.add_label("themes", "chips", color="#56b4e9").id
    docs = {d.title: d.id for d in proj.q.document_infos()}
    alice, bob = proj.ensure_coder("alice"), proj.ensure_coder("bob")
    gold = proj.ensure_coder(GOLD_CODER)
    for title, doc_id in docs.items():
        proj.add_annotation(doc_id, alice.id, 0, 3, stance_id=crit)
        proj.add_annotation(doc_id, bob.id, 0, 3, stance_id=sup, theme_ids=[theme])
        proj.add_annotation(doc_id, gold.id, 4, 8, stance_id=crit)
    proj.set_status(docs["Chips"], alice.id, "done")
    proj.set_status(docs["Talks"], bob.id, "doing")
    yield proj
    proj.close()


@pytest.fixture
def win(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    window = MainWindow(project, coder_name="alice")
    qtbot.addWidget(window)
    yield window
    window.close()


def doc_id(project: Project, title: str) -> str:
    return next(d.id for d in project.q.document_infos() if d.title == title)


def set_coders(dialog, names: set[str]) -> None:
    for i in range(dialog.coders.count()):
        item = dialog.coders.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) in names
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def press_export(qtbot, dialog) -> str | None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job is not None, dialog.error.text()
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=20000)
    return dialog.job.summary


def test_csv_of_gold_for_the_selected_document(qtbot, win, project, tmp_path) -> None:
    win.corpus.select_document(doc_id(project, "Chips"))
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("csv")
    assert dialog.path.text().endswith(".csv") and not dialog.positions.isEnabled()
    set_coders(dialog, {GOLD_CODER})
    dialog.doc_buttons["selected"].setChecked(True)
    out = tmp_path / "gold-chips"  # the suffix is added
    dialog.path.setText(str(out))
    summary = press_export(qtbot, dialog)
    assert summary and "1 annotations written" in summary
    assert summary in win.statusBar().currentMessage()
    with open(tmp_path / "gold-chips.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["title"], r["coder"], r["quote"]) for r in rows] == [("Chips", GOLD_CODER,
                                                                     "ort ")]


def test_jsonl_by_status_and_qdpx_in_utf16(qtbot, win, project, tmp_path) -> None:
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("jsonl")
    set_coders(dialog, {"alice", "bob"})
    dialog.doc_buttons["status"].setChecked(True)
    dialog.status_checks["doing"].setChecked(True)  # done is checked already
    dialog.path.setText(str(tmp_path / "worked.jsonl"))
    assert press_export(qtbot, dialog)
    records = [json.loads(line) for line in
               (tmp_path / "worked.jsonl").read_text("utf-8").splitlines()]
    assert sorted(r["title"] for r in records) == ["Chips", "Talks"]
    assert {a["coder"] for r in records for a in r["annotations"]} == {"alice", "bob"}

    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("qdpx")
    assert dialog.positions.isEnabled()
    dialog.positions.setCurrentIndex(dialog.positions.findData("utf16"))
    dialog.path.setText(str(tmp_path / "all.qdpx"))
    summary = press_export(qtbot, dialog)
    assert summary and "UTF-16" in summary
    with zipfile.ZipFile(tmp_path / "all.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    # alice 1, bob 2 (stance and theme), gold 1 coding on each of the three documents
    assert qde.count("<Coding ") == 12 and 'name="gold"' in qde


def test_filtered_documents_to_brat_and_label_studio(qtbot, win, project, tmp_path) -> None:
    win.corpus.search.setText("chips")
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("brat")
    dialog.doc_buttons["filtered"].setChecked(True)
    set_coders(dialog, {"bob"})
    dialog.path.setText(str(tmp_path / "brat.out"))  # a folder, whatever its name
    assert press_export(qtbot, dialog)
    assert sorted(p.name for p in (tmp_path / "brat.out").iterdir()
                  if p.suffix == ".ann") != []
    anns = "".join(p.read_text("utf-8") for p in (tmp_path / "brat.out").glob("*.ann"))
    txts = [p.read_text("utf-8") for p in (tmp_path / "brat.out").glob("*.txt")]
    assert txts == [TEXTS["Chips"]] and "supportive" in anns and "critical" not in anns

    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("label-studio")
    dialog.path.setText(str(tmp_path / "codebook-study.json"))  # not taken for a codebook
    assert press_export(qtbot, dialog)
    tasks = json.loads((tmp_path / "codebook-study.json").read_text("utf-8"))
    assert isinstance(tasks, list) and len(tasks) == 3


def test_codebook_formats_and_refusals(qtbot, win, project, tmp_path) -> None:
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("codebook-json")
    assert not dialog.coders.isEnabled() and not dialog.doc_buttons["all"].isEnabled()
    dialog.path.setText(str(tmp_path / "book"))
    assert press_export(qtbot, dialog) == f"codebook written to {tmp_path / 'book.json'}"
    book = json.loads((tmp_path / "book.json").read_text("utf-8"))
    assert [lb["name"] for lb in book["stance"]["labels"]] == ["critical", "supportive"]

    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    win.corpus.table.clearSelection()
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("csv")
    dialog.doc_buttons["selected"].setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.job is None and "No document is selected" in dialog.error.text()
    dialog.doc_buttons["all"].setChecked(True)
    set_coders(dialog, set())
    dialog.export_button.click()
    assert dialog.job is None and "at least one coder" in dialog.error.text()

    # A failure is one line in a message, nothing written.
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine", "utf-8")
    dialog = file_actions.export_dialog(win)
    qtbot.addWidget(dialog)
    dialog.choose("brat")
    dialog.path.setText(str(tmp_path / "taken"))
    assert press_export(qtbot, dialog) is None
    title, text = win.last_message
    assert title == "Export failed" and "\n" not in text and "taken" in text
    assert (tmp_path / "taken" / "keep.txt").read_text("utf-8") == "mine"


# -- the agreement report from the Agreement window -------------------------------------------

@pytest.mark.parametrize("suffix", [".html", ".md", ".csv", ".json"])
def test_agreement_report_export_in_each_format(qtbot, win, project, tmp_path, monkeypatch,
                                                suffix) -> None:
    from PySide6.QtWidgets import QFileDialog

    from desk_annotator.gui.agreement_window import AgreementWindow
    from desk_annotator.gui.report_export import REPORT_FORMATS

    window = AgreementWindow(project, win.bridge, lambda *_: None)
    qtbot.addWidget(window)
    # The window's selection: alice and bob on two of the three documents.
    window.coder_names = ["alice", "bob"]
    window.document_ids = [doc_id(project, "Plan"), doc_id(project, "Chips")]
    window.refresh()
    assert window.report["documents"] == 2
    target = tmp_path / "report"  # no suffix: the chosen filter's is added
    title = next(t for t, s in REPORT_FORMATS if s == suffix)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), f"{title} (*{suffix})"))
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    job = window.export_job
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    out = tmp_path / f"report{suffix}"
    assert job.summary == f"agreement report written to {out}", job.error
    assert window.export_label.text() == job.summary
    text = out.read_text("utf-8")
    if suffix == ".json":
        report = json.loads(text)
        assert report["coders"] == ["alice", "bob"] and report["documents"] == 2
        assert report["stance"]["alpha"] == pytest.approx(window.report["stance"]["alpha"])
    elif suffix == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        assert {(r["coder_a"], r["coder_b"]) for r in rows if r["coder_a"]} == {("alice", "bob")}
        titles = {r["document_title"] for r in rows if r["document_title"]}
        assert titles == {"Plan", "Chips"}
    else:
        assert "alice" in text and "bob" in text and "Talks" not in text
        assert "gold" not in text


def test_agreement_report_export_failure_is_one_line(qtbot, win, project, tmp_path) -> None:
    from desk_annotator.gui import report_export
    from desk_annotator.gui.agreement_window import AgreementWindow

    window = AgreementWindow(project, win.bridge, lambda *_: None)
    qtbot.addWidget(window)
    (tmp_path / "a-file").write_text("x", "utf-8")
    job = report_export.export_report(window, tmp_path / "a-file" / "r.html")
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    assert job.summary is None and "\n" not in (job.error or "\n")
    assert window.export_label.text().startswith("Report not written:")
