"""Print / PDF of a coded document: the PDF from File → Export coded document as PDF…, from
printing to a PDF printer, and from ``print-document --output f.pdf``, read back with pypdf."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from pypdf import PdfReader

from desk_annotator.project import Project

TEXT = ("Export controls were tightened in spring and loosened in summer.\n\n"
        "Critics called the licence deal a toll booth.")


def _pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


@pytest.fixture
def project(tmp_path, home):
    p = Project(tmp_path / "pdf.sqlite")
    coder = p.ensure_coder("coder-1")
    crit = p.add_label("stance", "critical", color="#d95f02")
    p.add_documents([SimpleNamespace(title="Toll booth", text=TEXT, metadata={})])
    doc = p.q.document_infos()[0].id
    p.add_annotation(doc, coder.id, 66, 111, stance_id=crit.id,
                     note="Footnote: irony marker, check with coder-2")
    yield p, doc
    p.close()


@pytest.fixture
def window(qtbot, project):
    from desk_annotator.gui.main_window import MainWindow

    proj, doc = project
    win = MainWindow(proj, coder_name="coder-1")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_document(doc)
    return win


def test_export_pdf_from_the_window(window, tmp_path) -> None:
    from desk_annotator.gui.print_document import ask_export_pdf

    assert "export_document_pdf" in window.actions_by_name
    out = tmp_path / "coded.pdf"
    assert ask_export_pdf(window, str(out)) == str(out)
    text = _pdf_text(out)
    assert "Toll booth" in text and "Footnote: irony marker, check with coder-2" in text
    assert "Legend" in text and "critical" in text and "coder-1" in text


def test_print_to_a_pdf_printer(window, tmp_path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from desk_annotator.gui.print_document import ask_print

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert ask_print(window, printer)
    del printer
    assert "irony marker" in _pdf_text(out)


def test_cli_writes_a_pdf(project, run_cli, tmp_path) -> None:
    proj, _doc = project
    path = proj.path
    proj.close()
    out = tmp_path / "cli.pdf"
    code, stdout, err = run_cli("--project", path, "print-document", "Toll", "--coder",
                                "coder-1", "--output", out)
    assert code == 0, err
    assert stdout.startswith("1 page written to") and stdout.strip().endswith(", 1 note")
    assert "irony marker" in _pdf_text(out)
