"""``desk-annotator matrix OUTPUT``: the wide data matrix for statistics packages.

Format from the extension: .csv, .xlsx (codebook on a second sheet), .sav (SPSS) or .dta
(Stata), the last three with value labels; CSV, SAV and DTA get ``NAME.codebook.csv`` beside
them. See desk_annotator/analysis/matrix.py for what each column holds.
"""

from __future__ import annotations

import click

from .analysis.matrix import build_matrix
from .analysis.matrix_writers import matrix_format, write_matrix


@click.command("matrix")
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--rows", type=click.Choice(["documents", "passages"]), default="documents",
              show_default=True, help="One row per document (and coder) or per passage.")
@click.option("--coder", help="Only this coder's coding (e.g. gold); default: every coder.")
@click.option("--set", "set_name", help="Only the documents of this document set (see: set list).")
@click.option("--spreadsheet-safe", is_flag=True,
              help="CSV: write text cells starting with = + - @, tab or CR with a leading "
                   "apostrophe, so a spreadsheet does not evaluate them.")
@click.pass_obj
def matrix_cmd(obj, output: str, rows: str, coder: str | None, set_name: str | None,
               spreadsheet_safe: bool) -> None:
    """Write the data matrix to OUTPUT (.csv .xlsx .sav .dta) with its codebook."""
    matrix_format(output)  # an unknown extension: one line before any work
    matrix = build_matrix(obj.project(), rows=rows, coder=coder,  # type: ignore[arg-type]
                          set_name=set_name)
    written = write_matrix(output, matrix, safe=spreadsheet_safe)
    extra = f" (codebook: {written[1]})" if len(written) > 1 else " (codebook on sheet 2)"
    click.echo(f"{len(matrix.rows)} rows × {len(matrix.columns)} columns written to "
               f"{written[0]}{extra}")
