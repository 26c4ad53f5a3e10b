"""Analysis → Findings report…: pick coder, document set and the crosstab's variable, then
the report (analysis/findings.py, the ``report findings`` code path) is written off the GUI
thread by an ExportJob."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QWidget,
)

from ..analysis.tables_groups import variable_choices
from ..document_sets import set_names
from .coder_choices import offered_coders
from .export_job import ExportJob

ALL_CODERS = "All coders"
ALL_DOCUMENTS = "All documents"


class FindingsDialog(QDialog):
    def __init__(self, project: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Findings report")
        self.coder_box = QComboBox()
        self.coder_box.addItems(offered_coders(parent, project, ALL_CODERS))
        self.set_box = QComboBox()
        self.set_box.addItems([ALL_DOCUMENTS, *set_names(project)])
        self.by_box = QComboBox()
        self.by_box.addItems(variable_choices(project))
        self.by_box.setCurrentText("outlet")
        form = QFormLayout(self)
        form.addRow("Coder", self.coder_box)
        form.addRow("Documents", self.set_box)
        form.addRow("Stance by", self.by_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> dict[str, Any]:
        coder, set_name = self.coder_box.currentText(), self.set_box.currentText()
        return {"coder": None if coder == ALL_CODERS else coder,
                "set_name": None if set_name == ALL_DOCUMENTS else set_name,
                "by": self.by_box.currentText() or "outlet"}


def write_findings_job(win: Any, path: str | Path, options: dict[str, Any]) -> ExportJob:
    """Start writing the report to ``path``; the status bar says how it went."""
    from ..analysis.findings import write_findings

    path = Path(path)

    def work(reader: Any) -> str:
        write_findings(reader, path, **options)
        return f"findings report written to {path}"

    job = ExportJob(win.project, work, win, title="Findings report",
                    label=f"Computing and writing {path.name}…")
    win.findings_job = job

    def finished(summary: str | None) -> None:
        status = getattr(win, "statusBar", None)
        if callable(status):
            status().showMessage(summary or f"Report not written: {job.error}", 10000)

    job.finished.connect(finished)
    job.start()
    return job


def open_findings_report(win: Any) -> ExportJob | None:
    dialog = FindingsDialog(win.project, win)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    path, _ = QFileDialog.getSaveFileName(win, "Findings report", "findings.html",
                                          "HTML (*.html)")
    if not path:
        return None
    if not path.lower().endswith((".html", ".htm")):
        path += ".html"
    return write_findings_job(win, path, dialog.options())
