"""Agreement window → Export report…: the report of DESIGN §5 as HTML, Markdown, CSV or JSON.

The file is written by project_io.write_agreement_report (the CLI's ``agreement --output``)
for the window's selection (coders, documents, done only), in a worker thread on a read-only
connection of its own (gui/export_job.py), with the CLI's number of bootstrap resamples.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from .export_job import ExportJob

if TYPE_CHECKING:
    from .agreement_window import AgreementWindow

REPORT_FORMATS = [("HTML report", ".html"), ("Markdown", ".md"), ("CSV (tidy rows)", ".csv"),
                  ("JSON (full precision)", ".json")]
REPORT_FILTER = ";;".join(f"{title} (*{suffix})" for title, suffix in REPORT_FORMATS)
EXPORT_BOOTSTRAP = 1000  # the CLI's default; the window itself shows fewer for speed


def ask_export_report(window: AgreementWindow) -> ExportJob | None:
    start = str(Path.home() / "agreement-report.html")
    path, chosen = QFileDialog.getSaveFileName(window, "Export agreement report", start,
                                               REPORT_FILTER)
    if not path:
        return None
    suffix = next((s for title, s in REPORT_FORMATS if chosen.startswith(title)), ".html")
    if Path(path).suffix.lower() not in {s for _t, s in REPORT_FORMATS} | {".htm", ".markdown"}:
        path += suffix
    return export_report(window, path)


def export_report(window: AgreementWindow, path: str | Path) -> ExportJob:
    """Write the window's report to ``path`` (the suffix chooses the format) off the GUI
    thread; the one-line result, or why it failed, appears under the tables."""
    from ..project_io import write_agreement_report

    path = Path(path)
    options = dict(coder_names=window.coder_names, document_ids=window.document_ids,
                   done_only=window.done_only_check.isChecked(), bootstrap=EXPORT_BOOTSTRAP)

    def work(reader: object) -> str:
        write_agreement_report(reader, path, **options)  # type: ignore[arg-type]
        return f"agreement report written to {path}"

    job = ExportJob(window.project, work, window, title="Agreement report",
                    label=f"Computing and writing {path.name}…")
    window.export_job = job
    job.finished.connect(lambda summary: _finished(window, job, summary))
    job.start()
    return job


def _finished(window: AgreementWindow, job: ExportJob, summary: str | None) -> None:
    if summary is None:
        window.export_label.setStyleSheet("color: #b00020;")
        window.export_label.setText(f"Report not written: {job.error}")
    else:
        window.export_label.setStyleSheet("")
        window.export_label.setText(summary)
