"""``desk-annotator print-document DOC --coder NAME --output FILE``: one coded document as
self-contained HTML (.html) or as a PDF (.pdf), with highlights, a legend of the labels,
the coders and the passage notes as numbered footnotes (io.coded_document_html).

The PDF is laid out by Qt (gui/print_document), which this module never imports: the
command gets the writer from the CLI context, which imports it only when a PDF is asked for
(offscreen when there is no display), as the ``gui`` command opens the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_memos import document_by_id_or_title
from .errors import DeskAnnotatorError
from .io.coded_document_html import coded_document, render_coded_document_html
from .io.exchange_common import atomic_text_writer


@click.command("print-document")
@click.argument("document")
@click.option("--coder", "coders", multiple=True,
              help="Whose codings (repeat, or comma-separate, for several; default: every "
                   "coder with codings on the document).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The file: .html (self-contained) or .pdf (A4).")
@click.pass_obj
def print_document_cmd(obj: Any, document: str, coders: tuple[str, ...], output: str) -> None:
    """Write DOCUMENT (its id, a unique start of it, or its title) with its codings, a
    legend and the notes as footnotes, as HTML or PDF."""
    path = Path(output)
    kind = path.suffix.lower()
    if kind not in (".html", ".htm", ".pdf"):
        raise DeskAnnotatorError(f"{path}: the output is a .html or a .pdf file")
    project = obj.project()
    doc = document_by_id_or_title(project, document)
    names = [n.strip() for c in coders for n in c.split(",") if n.strip()] or None
    page = coded_document(project, doc.id, names)
    html = render_coded_document_html(page)
    if kind == ".pdf":
        pages = obj.pdf_writer()(html, path, page.title)
        what = f"{pages} page{'s' * (pages != 1)}"
    else:
        with atomic_text_writer(path) as handle:
            handle.write(html)
        what = "HTML"
    notes = sum(1 for a in page.annotations if a.note and a.note.strip())
    click.echo(f"{what} written to {path}: {len(page.annotations)} coded passages by "
               f"{', '.join(page.coders) or 'no coder'}, {notes} note{'s' * (notes != 1)}")
