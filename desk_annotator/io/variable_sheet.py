"""Read and write a plain table (a header row, then rows) as CSV or XLSX: the file side of
``variable import`` / ``variable export``. XLSX goes through openpyxl; a text cell that
starts with "=" is written as text, never as a formula."""

from __future__ import annotations

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


def read_sheet(path: str | Path) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of the file's first sheet; rows padded to the header's width, blank
    rows left out."""
    path = Path(path)
    if _kind(path) == ".xlsx":
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise FormatError(f"{path}: not a readable XLSX file ({exc})") from None
        try:
            table = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    else:
        text = path.read_text(encoding="utf-8-sig")
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
