"""Import with options: a preview of what will be added (labels per scheme, coders,
documents new or already present) before anything is written; "add missing labels" from the
window (issue 11)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from desk_annotator.gui import file_actions  # noqa: E402
from desk_annotator.import_files import read_inputs  # noqa: E402
from desk_annotator.import_preview import preview_import  # noqa: E402
from desk_annotator.project import Project  # noqa: E402

KNOWN = "Officials welcomed talks in Beijing on Monday."
NEW = "Farmers asked for water rights along the river."


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "lead.sqlite")
    proj.add_documents([SimpleNamespace(title="Talks", text=KNOWN, metadata={})])
    proj.add_label("stance", "critical", color="#d95f02")
    proj.ensure_coder("alice")
    yield proj
    proj.close()


@pytest.fixture
def dataset(tmp_path):
    def ann(text: str, word: str, coder: str, stance: str | None, themes: list[str]) -> dict:
        start = text.index(word)
        return {"start": start, "end": start + len(word), "quote": word, "coder": coder,
                "stance": stance, "themes": themes, "note": None}

    records = [
        {"title": "Talks", "text": KNOWN, "metadata": {}, "status": {"alice": "done"},
         "annotations": [ann(KNOWN, "welcomed", "alice", "critical", [])]},
        {"title": "Water", "text": NEW, "metadata": {}, "status": {"carol": "doing"},
         "annotations": [ann(NEW, "water rights", "carol", "alarmed", ["water", "rural"])]},
    ]
    path = tmp_path / "team.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    "utf-8")
    return path


@pytest.fixture
def win(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    window = MainWindow(project, coder_name="alice")
    qtbot.addWidget(window)
    yield window
    window.close()


def label_names(project: Project) -> set[tuple[str, str]]:
    return {(lb.scheme, lb.name) for lb in project.q.labels()}


def test_preview_is_computed_without_writing(project, dataset) -> None:
    before = project.store.data_version(), label_names(project)
    preview = preview_import(project, read_inputs([dataset]))
    (entry,) = preview.files
    assert entry.refused and "stance: alarmed" in entry.refused
    assert entry.labels_added == {"stance": ["alarmed"], "themes": ["water", "rural"]}
    assert (entry.documents_added, entry.documents_present) == (1, 1)
    assert entry.coders_added == ["carol"] and entry.coders_present == ["alice"]
    allowed = preview_import(project, read_inputs([dataset]), add_missing_labels=True)
    assert allowed.files[0].refused is None
    assert allowed.labels_added["stance"] == ["alarmed"]
    assert (project.store.data_version(), label_names(project)) == before


def test_refusal_points_at_the_option(qtbot, win, project, dataset) -> None:
    report = file_actions.import_files(win, [str(dataset)])
    assert report is not None and report.refused
    assert "Add labels the codebook lacks" in report.refused[0]
    assert "allow adding missing labels" not in report.refused[0]


def test_preview_lists_missing_labels_then_the_import_adds_them(qtbot, win, project,
                                                                dataset) -> None:
    job = file_actions.start_import(win, [str(dataset)], preview=True)
    assert job is not None
    qtbot.waitUntil(lambda: job.preview_dialog is not None and job.preview_dialog.isVisible(),
                    timeout=20000)
    dialog = job.preview_dialog
    details = dialog.details.toPlainText()
    assert "refused: it uses labels the codebook lacks (stance: alarmed; themes: water, rural)" \
        in details
    assert "Add labels the codebook lacks" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()  # nothing could be imported as it is
    assert ("stance", "alarmed") not in label_names(project)  # nothing written yet
    assert len(project.q.document_infos()) == 1

    dialog.add_missing.click()  # the option, in the preview itself
    details = dialog.details.toPlainText()
    assert "refused" not in details
    assert "stance labels to add: alarmed" in details
    assert "theme labels to add: water, rural" in details
    assert "carol (new)" in details and "1 new, 1 already in the project" in details
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert job.state == "done" and job.report.labels_added == 3
    assert {("stance", "alarmed"), ("themes", "water"), ("themes", "rural")} <= \
        label_names(project)
    assert len(project.q.document_infos()) == 2
    assert project.q.coder_by_name("carol") is not None


def test_cancel_in_the_preview_writes_nothing(qtbot, win, project, dataset) -> None:
    before = label_names(project)
    job = file_actions.start_import(win, [str(dataset)], add_missing_labels=True,
                                    preview=True)
    qtbot.waitUntil(lambda: job.preview_dialog is not None and job.preview_dialog.isVisible(),
                    timeout=20000)
    assert job.preview_dialog.add_missing.isChecked()
    job.preview_dialog.reject()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert job.state == "cancelled" and label_names(project) == before
    assert len(project.q.document_infos()) == 1


def test_options_dialog_carries_the_preview_choice(qtbot) -> None:
    from desk_annotator.gui.import_options import ImportOptionsDialog

    dialog = ImportOptionsDialog(stance_names=["critical"])
    qtbot.addWidget(dialog)
    assert dialog.show_preview() and not dialog.add_missing_labels()
    dialog.add_missing.setChecked(True)
    dialog.preview.setChecked(False)
    assert dialog.add_missing_labels() and not dialog.show_preview()
