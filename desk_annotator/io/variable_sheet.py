"""Read and write a plain table (a header row, then rows) as CSV or XLSX: the file side of
``variable import`` / ``variable export``. XLSX goes through openpyxl; a text cell that
starts with "=" is written as text, never as a formula."""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..atomic import atomic_path
from ..errors import FormatError

SUFFIXES = (".csv", ".xlsx")


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FormatError(f"{path}: a variable table is a .csv or .xlsx file")
    return suffix


# A byte-order mark says which encoding a spreadsheet's "Unicode text" export used.
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _decode_csv(path: Path) -> str:
    """The CSV's text: UTF-8, or UTF-16 when a byte-order mark says so. Anything else is one
    FormatError naming where it went wrong (guessing cp1252 would silently misspell values)."""
    data = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and b"\0" in data[:8192]:
        raise FormatError(f"{path}: not a CSV text file (it contains NUL bytes: binary data?)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FormatError(f"{path}: line {line} is not {encoding.upper().removesuffix('-SIG')}"
                          f" text (byte 0x{data[exc.start]:02x}); save the sheet as "
                          f"\"CSV UTF-8\" or as XLSX") from None
    if "\0" in text:
        raise FormatError(f"{path}: not a CSV text file (it contains NUL characters)")
    return text


def _xlsx_table(path: Path, data_only: bool) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=data_only)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, EOFError,
            IndexError) as exc:
        raise FormatError(f"{path}: not a readable XLSX file ({exc})") from None


def _uncached_formulas(path: Path, table: list[list[Any]]) -> list[str]:
    """A formula cell carries the result the spreadsheet last computed; a file written by a
    program that never computed it has none, and the cell would silently import as empty."""
    if not any(c is None for r in table for c in r):
        return []
    formulas = _xlsx_table(path, data_only=False)
    header = [str(c or "") for c in (formulas[0] if formulas else [])]
    out = []
    for r, (seen, raw) in enumerate(zip(table, formulas), start=1):
        for c, (value, text) in enumerate(zip(seen, raw)):
            if value is None and isinstance(text, str) and text.startswith("="):
                name = header[c] if c < len(header) else f"column {c + 1}"
                out.append(f"row {r}, column {name!r}: a formula with no saved result; left "
                           "empty (open and save the file in a spreadsheet first)")
    return out


def read_sheet(path: str | Path, notes: list[str] | None = None
               ) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of the file's first sheet; rows padded to the header's width, blank
    rows left out. Formulas count by their saved result, never by their text; ``notes``
    gets a line per formula cell that has none."""
    path = Path(path)
    if _kind(path) == ".xlsx":
        table = _xlsx_table(path, data_only=True)
        if notes is not None:
            notes += _uncached_formulas(path, table)
    else:
        text = _decode_csv(path)
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        table = [list(r) for r in csv.reader(text.splitlines(), dialect)]
    table = [r for r in table if any(c not in (None, "") for c in r)]
    if not table:
        raise FormatError(f"{path}: the file has no header row")
    header = [" ".join(str(c).split()) if c is not None else "" for c in table[0]]
    width = len(header)
    rows = [(r + [None] * width)[:width] for r in table[1:]]
    return header, rows


def _cell(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.date()
    return value


def write_sheet(path: str | Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    """Write atomically; returns the number of rows."""
    path = Path(path)
    kind = _kind(path)
    n = 0
    with atomic_path(path) as tmp:
        if kind == ".xlsx":
            from openpyxl import Workbook
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

            book = Workbook()
            sheet = book.active
            sheet.title = "variables"
            for r, values in enumerate([header, *rows], start=1):
                for c, value in enumerate(values, start=1):
                    if isinstance(value, str):
                        value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    cell = sheet.cell(row=r, column=c, value=_cell(value))
                    if isinstance(value, str):
                        cell.data_type = "s"  # "=..." stays text
                n += 1
            book.save(tmp)
            n -= 1
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                for values in rows:
                    writer.writerow(["" if v is None else v for v in values])
                    n += 1
    return n
