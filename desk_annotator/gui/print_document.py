"""File → Print coded document… and File → Export coded document as PDF…: the page of
io.coded_document_html laid out by Qt's rich text engine (QTextDocument) onto a QPrinter or a
QPdfWriter. :func:`write_pdf` is also what ``desk-annotator print-document --output f.pdf``
uses (through cli.py, which imports it only then, offscreen when there is no display).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import (
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextDocument,
)

from ..atomic import atomic_path
from ..errors import DeskAnnotatorError
from ..io.coded_document_html import coded_document, render_coded_document_html

PDF_FILTER = "PDF (*.pdf)"
_APP: list[Any] = []  # the application a command line run had to make, kept alive


def ensure_application() -> None:
    """A QGuiApplication for text layout; offscreen when nothing can be displayed."""
    if QGuiApplication.instance() is not None:
        return
    if (not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux")
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _APP.append(QGuiApplication(["desk-annotator"]))


def _document(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc


def write_pdf(html: str, path: str | Path, title: str = "") -> int:
    """Lay ``html`` out on A4 pages into a PDF at ``path`` (built under a temporary name,
    renamed into place). Returns the number of pages."""
    ensure_application()
    with atomic_path(Path(path)) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setTitle(title)
        writer.setCreator("desk-annotator")
        writer.setResolution(300)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(18, 16, 18, 16),
                                         QPageLayout.Unit.Millimeter))
        doc = _document(html)
        # No page size of our own: print_() then lays out on the writer's page at its
        # resolution, so 11 pt text prints as 11 pt.
        doc.print_(writer)
        del writer  # the file is finished when the writer goes
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise DeskAnnotatorError(f"{path}: the PDF could not be written")
        from pypdf import PdfReader  # already what PDF articles are read with
        return len(PdfReader(str(tmp)).pages)


def _current(win: Any) -> tuple[str, list[str] | None] | None:
    doc_id = win.view.document_id
    if not doc_id:
        win.flash("Open a document first.")
        return None
    show_all = getattr(win, "show_all_coders", False)
    coders = None if show_all or win.coder is None else [win.coder.name]
    return doc_id, coders


def ask_export_pdf(win: Any, path: str | None = None) -> str | None:
    """Export the open document, coded by the current coder (every coder when all are
    shown), as a PDF."""
    current = _current(win)
    if current is None:
        return None
    doc_id, coders = current
    if path is None:
        from PySide6.QtWidgets import QFileDialog
        path, _ = QFileDialog.getSaveFileName(win, "Export coded document as PDF",
                                              "coded-document.pdf", PDF_FILTER)
        if not path:
            return None
    try:
        page = coded_document(win.project, doc_id, coders)
        pages = write_pdf(render_coded_document_html(page), path, page.title)
    except DeskAnnotatorError as exc:
        win.flash(str(exc))
        return None
    win.flash(f"{pages} page{'s' * (pages != 1)} written to {path}")
    return path


def ask_print(win: Any, printer: Any = None) -> bool:
    """Print the open document with its codings (the system's print dialog)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    current = _current(win)
    if current is None:
        return False
    doc_id, coders = current
    try:
        page = coded_document(win.project, doc_id, coders)
    except DeskAnnotatorError as exc:
        win.flash(str(exc))
        return False
    if printer is None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, win)
        dialog.setWindowTitle("Print coded document")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
    printer.setDocName(page.title)
    _document(render_coded_document_html(page)).print_(printer)
    return True
