"""The analysis exports of File → Export… (the data matrix and the document variables), as
functions of a project or of an export thread's read-only reader. Each returns the one-line
summary the window shows; the CLI writes the same files with ``matrix`` and
``variable export``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import DeskAnnotatorError

MATRIX_ROWS = ("documents", "passages")


def write_matrix_file(project: Any, path: str | Path, *, rows: str = "documents",
                      coder: str | None = None, safe: bool = False) -> str:
    """The wide data matrix (analysis/matrix.py) as .csv .xlsx .sav .dta with its codebook."""
    from .analysis.matrix import build_matrix
    from .analysis.matrix_writers import matrix_format, write_matrix

    if rows not in MATRIX_ROWS:
        raise DeskAnnotatorError(f"matrix rows are one of {', '.join(MATRIX_ROWS)}")
    matrix_format(path)  # an unknown extension: one line before any work
    matrix = build_matrix(project, rows=rows, coder=coder)  # type: ignore[arg-type]
    written = write_matrix(path, matrix, safe=safe)
    extra = f" (codebook: {written[1].name})" if len(written) > 1 else " (codebook on sheet 2)"
    return (f"{len(matrix.rows)} rows × {len(matrix.columns)} columns written to "
            f"{written[0]}{extra}")


def write_variables_file(project: Any, path: str | Path,
                         document_ids: list[str] | None = None) -> str:
    """The document variables table (variables_io.export_variables) as .csv or .xlsx."""
    from .variables_io import export_variables

    n = export_variables(project, str(path), document_ids)
    return f"variables of {n} document{'s' if n != 1 else ''} written to {path}"
