"""File menu work: import (files read off the GUI thread by gui/import_worker.py, written
like project_io.import_paths), export and codebooks (through desk_annotator.project_io, the
CLI's code path), and opening/creating projects. The ``ask_*`` functions show native file dialogs;
the functions they call take plain paths, so tests and scripts use those directly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from ..errors import DeskAnnotatorError
from ..import_files import DATASET_READERS, ReadOptions
from ..io.articles import SUPPORTED_ARTICLE_EXTENSIONS
from ..models import ImportReport, is_model_coder

if TYPE_CHECKING:
    from .export_dialog import ExportDialog, ExportRequest
    from .export_job import ExportJob
    from .import_worker import ImportJob
    from .main_window import MainWindow

IMPORT_FILTER = ("Articles and datasets ("
                 + " ".join(f"*{e}" for e in (*SUPPORTED_ARTICLE_EXTENSIONS, *DATASET_READERS))
                 + ");;All files (*)")
EXPORT_FILTER = ("Dataset JSONL (*.jsonl);;spaCy spans JSONL (*.spacy.jsonl);;CSV (*.csv);;"
                 "REFI-QDA project (*.qdpx);;Codebook REFI-QDA (*.qdc);;"
                 "Label Studio JSON (*.json);;UIMA CAS XMI for INCEpTION (*.xmi.zip)")
CODEBOOK_FILTER = "Codebook (*.json *.qdc)"
MAX_LISTED = 40
PROJECT_FILTER = "desk-annotator project (*.sqlite)"


def start_import(win: MainWindow, paths: list[str], *, options: ReadOptions | None = None,
                 add_missing_labels: bool = False, preview: bool = False) -> ImportJob | None:
    """Import articles/datasets: files are read in a worker thread behind a progress dialog
    with Cancel, then written (one operation per file kind); a summary follows (every refused
    file). preview=True shows what will be added and writes only once the user says Import.
    Returns at once; None when an import is already running."""
    from .import_options import PreviewImportJob
    from .import_worker import ImportJob

    running = win.import_job
    if running is not None and running.running:
        win.flash("An import is already running.")
        return None
    job = (PreviewImportJob if preview else ImportJob)(
        win.project, paths, win, options=options, add_missing_labels=add_missing_labels)
    win.import_job = job
    job.finished.connect(lambda report: _import_finished(win, job, report))
    job.start()
    return job


def import_files(win: MainWindow, paths: list[str], *, options: ReadOptions | None = None,
                 add_missing_labels: bool = False) -> ImportReport | None:
    """:func:`start_import`, then wait (the window stays live) for its report; None when it
    was cancelled or failed. For scripts and tests."""
    job = start_import(win, paths, options=options, add_missing_labels=add_missing_labels)
    if job is None:
        return None
    return job.run_blocking() if job.running else job.report


def _import_finished(win: MainWindow, job: ImportJob, report: ImportReport | None) -> None:
    if job.state == "cancelled":
        win.flash("Import cancelled: nothing more was imported." if job.committed_steps
                  else "Import cancelled: nothing was imported.")
        return
    if report is None:
        win.inform("Import failed", job.error or "the import did not finish", warning=True)
        return
    win.inform("Import finished", summarise(report), warning=bool(report.refused))
    if win.view.document_id is None and win.corpus.model.rowCount():
        win.open_document(win.corpus.model.row_data(0)["id"])


def summarise(report: ImportReport) -> str:
    lines = [f"{report.documents_added} document(s) added"
             + (f", {report.documents_reused} already in the project" if report.documents_reused
                else "")]
    if report.annotations_added or report.annotations_skipped:
        lines.append(f"{report.annotations_added} annotation(s) added"
                     + (f", {report.annotations_skipped} skipped" if report.annotations_skipped
                        else ""))
    if report.coders_added or report.labels_added:
        lines.append(f"{report.coders_added} coder(s) and {report.labels_added} label(s) added")
    if report.refused:
        lines.append(f"\nRefused ({len(report.refused)}):")
        lines += [f"  • {line}" for line in report.refused[:MAX_LISTED]]
        if len(report.refused) > MAX_LISTED:
            lines.append(f"  … and {len(report.refused) - MAX_LISTED} more")
    if report.warnings:
        lines.append(f"\nWarnings ({len(report.warnings)}):")
        lines += [f"  • {line}" for line in report.warnings[:MAX_LISTED]]
    if report.notes:  # e.g. which encoding each legacy text file was read in
        lines.append(f"\nNotes ({len(report.notes)}):")
        lines += [f"  • {line}" for line in report.notes[:MAX_LISTED]]
    return "\n".join(lines)


def export_to(win: MainWindow, path: str, *, positions: str = "codepoints") -> str | None:
    from ..project_io import export_path

    try:
        summary = export_path(win.project, path, positions=positions)
    except (DeskAnnotatorError, OSError) as exc:
        win.inform("Export failed", str(exc), warning=True)
        return None
    win.flash(summary)
    return summary


def import_codebook(win: MainWindow, path: str) -> int | None:
    from ..project_io import import_codebook_reporting

    try:
        added, warnings = import_codebook_reporting(win.project, path)
    except (DeskAnnotatorError, OSError) as exc:
        win.inform("Codebook not imported", str(exc), warning=True)
        return None
    if warnings:  # what the file held that the codebook cannot carry
        win.inform("Codebook imported", f"{added} label(s) added.\n\nWarnings:\n"
                   + "\n".join(f"  • {w}" for w in warnings[:MAX_LISTED]), warning=True)
    else:
        win.flash(f"Codebook imported: {added} label(s) added.")
    return added


def export_codebook(win: MainWindow, path: str) -> bool:
    from ..project_io import export_codebook_file

    try:
        export_codebook_file(win.project, path)
    except (DeskAnnotatorError, OSError) as exc:
        win.inform("Codebook not exported", str(exc), warning=True)
        return False
    win.flash(f"Codebook written to {path}")
    return True


def open_project_path(win: MainWindow, path: str) -> MainWindow | None:
    """Open (or create) a project in a new window that replaces this one."""
    from ..project import Project
    from .main_window import MainWindow

    try:
        project = Project(path, check_integrity="deferred")
    except (DeskAnnotatorError, OSError) as exc:
        win.inform("Project not opened", str(exc), warning=True)
        return None
    win.save_state()
    new = MainWindow(project, win.coder.name if win.coder else None, win.settings)
    new.settings.add_recent(new.project_key)
    app = QApplication.instance()
    if app is not None:
        app.setProperty("desk_main_window", new)  # keeps the new window alive
    new.show()
    win.close()
    win.project.close()
    return new


# -- the native dialogs ------------------------------------------------------------------------

def pick_open_paths(win: MainWindow, title: str, file_filter: str, *,
                    many: bool = False) -> list[str]:
    """A native open dialog that starts in, and remembers, the last folder used."""
    start = win.settings.get("last_dir", str(Path.home()))
    if many:
        paths, _ = QFileDialog.getOpenFileNames(win, title, start, file_filter)
    else:
        path, _ = QFileDialog.getOpenFileName(win, title, start, file_filter)
        paths = [path] if path else []
    if paths:
        win.settings.set("last_dir", str(Path(paths[0]).parent))
    return paths


def pick_save_path(win: MainWindow, title: str, file_filter: str,
                   suggested_name: str = "") -> str:
    """A native save dialog that starts in, and remembers, the last folder used."""
    start = Path(win.settings.get("last_dir", str(Path.home())))
    path, _ = QFileDialog.getSaveFileName(win, title, str(start / suggested_name)
                                          if suggested_name else str(start), file_filter)
    if path:
        win.settings.set("last_dir", str(Path(path).parent))
    return path


def ask_import(win: MainWindow) -> None:
    paths = pick_open_paths(win, "Import articles or datasets", IMPORT_FILTER, many=True)
    if paths:
        start_import(win, paths)


def ask_export_qdpx_utf16(win: MainWindow) -> None:
    """REFI-QDA with positions in UTF-16 units: what QualCoder and NVivo count."""
    path = pick_save_path(win, "Export for QualCoder / NVivo", "REFI-QDA project (*.qdpx)")
    if path:
        if not path.lower().endswith(".qdpx"):
            path += ".qdpx"
        export_to(win, path, positions="utf16")


def ask_import_with_options(win: MainWindow) -> None:
    from .import_options import ImportOptionsDialog

    stances = [lb.name for lb in win.project.q.labels() if lb.scheme == "stance"]
    dialog = ImportOptionsDialog(win, stance_names=stances)
    if not dialog.exec():
        return
    paths = pick_open_paths(win, "Import articles or datasets", IMPORT_FILTER, many=True)
    if paths:
        start_import(win, paths, options=dialog.options(),
                     add_missing_labels=dialog.add_missing_labels(),
                     preview=dialog.show_preview())


def ask_export(win: MainWindow) -> None:
    export_dialog(win).open()


def export_dialog(win: MainWindow) -> ExportDialog:
    """File → Export…, not yet shown: its Export button writes in a worker thread."""
    from .export_dialog import ExportDialog

    table = win.corpus.table
    rows = table.selectionModel().selectedRows() if table.selectionModel() else []
    dialog = ExportDialog(win, coder_names=[c.name for c in win.project.q.coders()
                                            if not is_model_coder(c.name)],  # people only
                          selected_ids=[i.data(Qt.ItemDataRole.UserRole) for i in rows],
                          filtered_ids=win.corpus.visible_document_ids(),
                          total_documents=win.corpus.model.rowCount(),
                          folder=win.settings.get("last_dir", str(Path.home())),
                          base_name=Path(str(win.project.path)).stem or "export",
                          sets=_document_sets(win))
    dialog.requested.connect(lambda request: _export_requested(win, dialog, request))
    return dialog


def _document_sets(win: MainWindow) -> dict[str, list[str]]:
    from ..document_sets import document_sets, set_members

    return {s.name: set_members(win.project, s.name) for s in document_sets(win.project)}


def _export_work(request: ExportRequest):  # type: ignore[no-untyped-def]
    """What the worker thread runs for ``request``: project formats go to export_path, the
    data matrix and the document variables to analysis_exports."""
    from ..export_formats import export_format

    kind = export_format(request.fmt).kind
    if kind == "matrix":
        from ..analysis_exports import write_matrix_file
        return lambda reader: write_matrix_file(reader, request.path, rows=request.matrix_rows,
                                                coder=request.matrix_coder,
                                                safe=request.fmt == "matrix-csv-safe")
    if kind == "variables":
        from ..analysis_exports import write_variables_file
        return lambda reader: write_variables_file(reader, request.path, request.document_ids)
    from ..project_io import export_path
    arguments = request.arguments()
    return lambda reader: export_path(reader, request.path, **arguments)


def _export_requested(win: MainWindow, dialog: ExportDialog, request: ExportRequest) -> None:
    win.settings.set("last_dir", str(request.path.parent))
    dialog.job = start_export(win, request)


def start_export(win: MainWindow, request: ExportRequest) -> ExportJob:
    """Write ``request`` through project_io.export_path in a worker thread; its one-line
    summary goes to the status bar, a failure to one message."""
    from .export_job import ExportJob

    job = ExportJob(win.project, _export_work(request),
                    win, title="Export", label=f"Writing {request.path.name}…")
    job.finished.connect(lambda summary: _export_finished(win, job, summary))
    job.start()
    return job


def _export_finished(win: MainWindow, job: ExportJob, summary: str | None) -> None:
    if summary is None:
        win.inform("Export failed", job.error or "the export did not finish", warning=True)
    else:
        win.flash(summary)


def ask_import_codebook(win: MainWindow) -> None:
    for path in pick_open_paths(win, "Import codebook", CODEBOOK_FILTER):
        import_codebook(win, path)


def ask_export_codebook(win: MainWindow) -> None:
    path = pick_save_path(win, "Export codebook", CODEBOOK_FILTER)
    if path:
        export_codebook(win, path)


def ask_open_project(win: MainWindow) -> None:
    for path in pick_open_paths(win, "Open project", PROJECT_FILTER):
        open_project_path(win, path)


def ask_new_project(win: MainWindow) -> None:
    path = pick_save_path(win, "New project", PROJECT_FILTER)
    if path:
        if not path.endswith(".sqlite"):
            path += ".sqlite"
        open_project_path(win, path)
