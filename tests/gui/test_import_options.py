"""File → Import with options: the dialog's choices reach the readers (issue 9)."""

from __future__ import annotations

from pathlib import Path

from desk_annotator.gui import file_actions
from desk_annotator.gui.import_options import ImportOptionsDialog
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.project import Project


def test_dialog_builds_read_options(qtbot) -> None:
    dialog = ImportOptionsDialog(stance_names=["pro", "contra"])
    qtbot.addWidget(dialog)
    dialog.positions.setCurrentIndex(dialog.positions.findData("utf16-crlf"))
    dialog.stance_labels.setText("pro, contra ,")
    dialog.encoding.setText("no-such-codec")
    dialog._accept()
    assert "Unknown encoding" in dialog.error.text() and not dialog.result()
    dialog.encoding.setText("cp1252")
    options = dialog.options()
    assert options.positions == "utf16-crlf"
    assert options.stance_labels == {"pro", "contra"} and options.encoding == "cp1252"


def test_forced_encoding_reaches_the_article_reader(qtbot, tmp_path: Path) -> None:
    from desk_annotator.import_files import ReadOptions

    text = "Déjà vu – “quoted” text, naïve café"
    article = tmp_path / "legacy.txt"
    article.write_bytes(f"Legacy\n\n{text}\n".encode("cp1252"))
    project = Project(tmp_path / "p.sqlite")
    win = MainWindow(project, "ana")
    qtbot.addWidget(win)
    report = file_actions.import_files(win, [str(article)],
                                       options=ReadOptions(encoding="cp1252"))
    assert report is not None and report.documents_added == 1
    doc = project.q.document(project.q.document_infos()[0].id)
    assert text in doc.text
    win.close()
    project.close()
