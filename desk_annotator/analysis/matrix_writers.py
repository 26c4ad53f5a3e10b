"""Write a :class:`~desk_annotator.analysis.matrix.Matrix`: CSV, XLSX, SPSS ``.sav``, Stata
``.dta``, each with its codebook (an XLSX second sheet, else ``NAME.codebook.csv`` beside it).

- CSV: UTF-8, a header of the readable column keys. ``spreadsheet_safe``: a text cell a
  spreadsheet would evaluate (starting with ``= + - @``, a tab or a carriage return) is
  written with a leading apostrophe, which spreadsheets read as "this is text".
- XLSX: every text cell is stored as a string, never as a formula (openpyxl would take a
  string starting with ``=`` for one); characters XML cannot hold become U+FFFD, and a text
  longer than Excel's cell limit (32,767 characters) is cut there, ending in "…".
- SAV/DTA: variable names derived from the keys (:func:`statistical_names`: ASCII letters,
  digits and ``_``, starting with a letter, not a reserved word, unique ignoring case, at most
  64 characters for SPSS and 28 for Stata), the full label as variable label (Stata: its
  first 80 characters), stance and 0/1 columns numeric with value labels.

Every file goes through :func:`desk_annotator.atomic.atomic_path`.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from ..atomic import atomic_path
from ..errors import FormatError
from .matrix import Column, Matrix

FORMATS = (".csv", ".xlsx", ".sav", ".dta")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Stata allows 32 characters, but pyreadstat names a variable's value-label set after it plus
# a counter (which must fit in 32 too): 28 leaves room for 9,999 labelled variables.
NAME_LIMITS = {".sav": 64, ".dta": 28, ".csv": None, ".xlsx": None}
SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to",
                 "with"}
STATA_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int",
                  "long", "_n", "_pi", "_pred", "_rc", "_skip", "strl", "using", "with",
                  "_se", "_n"}
STATA_LABEL_LIMIT = 80
XLSX_CELL_LIMIT = 32_767
CODEBOOK_HEADER = ("variable", "column", "label", "type", "values")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def codebook_path(path: Path) -> Path:
    """``study.sav`` → ``study.codebook.csv`` (the companion of CSV, SAV and DTA files)."""
    return path.with_name(f"{path.stem}.codebook.csv")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def statistical_names(keys: list[str], limit: int) -> list[str]:
    """Valid, unique variable names for SPSS (limit 64) or Stata (limit 32), one per key."""
    reserved = SPSS_RESERVED | STATA_RESERVED
    used: set[str] = set()
    names = []
    for key in keys:
        ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
        base = re.sub(r"[^A-Za-z0-9]+", "_", ascii_key).strip("_") or "var"
        if not base[0].isalpha() or base.lower() in reserved:
            base = "v_" + base
        base = base[:limit].rstrip("_")
        name, n = base, 2
        while name.lower() in used:
            suffix = f"_{n}"
            name, n = base[:limit - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names.append(name)
    return names


def _values_text(column: Column) -> str:
    return "; ".join(f"{code} = {name}" for code, name in (column.values or {}).items())


def _kind_text(column: Column, numeric_stance: bool) -> str:
    if column.kind in ("stance", "category"):
        return "numeric, labelled" if numeric_stance else "text (label name)"
    return {"binary": "0/1, labelled", "integer": "integer", "number": "number",
            "text": "text"}[column.kind]


def codebook_rows(matrix: Matrix, names: list[str], numeric_stance: bool) -> list[list[str]]:
    return [[name, c.key, c.label, _kind_text(c, numeric_stance), _values_text(c)]
            for name, c in zip(names, matrix.columns)]


def _write_csv_file(path: Path, header: list[str], rows: list[list[Any]], safe: bool) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "x", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([spreadsheet_safe(h) if safe else h for h in header])
            for row in rows:
                writer.writerow([spreadsheet_safe(v) if safe else v for v in row])


def _xlsx_text(value: str) -> str:
    value = _XML_ILLEGAL.sub("\ufffd", value)
    return value if len(value) <= XLSX_CELL_LIMIT else value[:XLSX_CELL_LIMIT - 1] + "…"


def _write_xlsx(path: Path, matrix: Matrix) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]]) -> None:
        ws = workbook.create_sheet(title)
        for row in [header, *rows]:
            cells = []
            for value in row:
                if isinstance(value, str):
                    cell = WriteOnlyCell(ws, value=_xlsx_text(value))
                    cell.data_type = "s"  # a string that looks like a formula stays a string
                else:
                    cell = WriteOnlyCell(ws, value=value)
                cells.append(cell)
            ws.append(cells)

    keys = [c.key for c in matrix.columns]
    sheet("matrix", keys, matrix.display_rows())
    sheet("codebook", list(CODEBOOK_HEADER), codebook_rows(matrix, keys, False))
    with atomic_path(path) as tmp:
        workbook.save(tmp)


def _frame(matrix: Matrix, names: list[str]) -> Any:
    import pandas as pd

    data: dict[str, Any] = {}
    for i, (name, column) in enumerate(zip(names, matrix.columns)):
        values = [row[i] for row in matrix.rows]
        if column.kind == "text":
            data[name] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
        elif column.kind in ("stance", "category", "number"):
            data[name] = pd.Series([math.nan if v is None else float(v) for v in values],
                                   dtype="float64")
        else:
            data[name] = pd.Series([int(v) for v in values], dtype="int64")
    return pd.DataFrame(data, columns=names)


def _write_statistical(path: Path, matrix: Matrix, names: list[str]) -> None:
    import pyreadstat

    frame = _frame(matrix, names)
    stata = path.suffix.lower() == ".dta"
    labels = [c.label[:STATA_LABEL_LIMIT] if stata else c.label for c in matrix.columns]
    value_labels = {name: {float(k) if not stata else k: v for k, v in c.values.items()}
                    for name, c in zip(names, matrix.columns) if c.values}
    with atomic_path(path) as tmp:
        if stata:
            pyreadstat.write_dta(frame, str(tmp), column_labels=labels,
                                 variable_value_labels=value_labels)
        else:
            measure = {name: ("nominal" if c.kind in ("stance", "category", "binary", "text")
                              else "scale")
                       for name, c in zip(names, matrix.columns)}
            pyreadstat.write_sav(frame, str(tmp), column_labels=labels,
                                 variable_value_labels=value_labels, variable_measure=measure)


def matrix_format(path: str | Path) -> str:
    """The format (extension) of ``path``; FormatError when it is not one of FORMATS."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise FormatError(f"{path}: the matrix is written as .csv, .xlsx, .sav or .dta")
    return suffix


def write_matrix(path: str | Path, matrix: Matrix, *, safe: bool = False) -> list[Path]:
    """Write ``matrix`` in the format of ``path``'s extension; returns the files written
    (the matrix, then its codebook file when it is a separate one)."""
    path = Path(path)
    suffix = matrix_format(path)
    if suffix == ".xlsx":
        _write_xlsx(path, matrix)
        return [path]
    keys = [c.key for c in matrix.columns]
    limit = NAME_LIMITS[suffix]
    if limit is None:
        names = keys
        _write_csv_file(path, keys, matrix.display_rows(), safe)
    else:
        names = statistical_names(keys, limit)
        _write_statistical(path, matrix, names)
    companion = codebook_path(path)
    _write_csv_file(companion, list(CODEBOOK_HEADER),
                    codebook_rows(matrix, names, limit is not None), safe)
    return [path, companion]
