"""Import document variable values from a CSV/XLSX sheet, and export the variable table.

A sheet has a header row. Its key columns say which document a row is (``id``, ``sha256``,
``title``, ``source_file`` / ``file``); every other column names a variable (custom or
built-in) and holds its values. ``match`` picks the key: ``auto`` tries, per row, id, then
sha256, then title, then file name, and takes the first that names exactly one document.
Rows that match no document, or several, are reported and left out; a blank cell leaves
the value as it is. All values are checked before anything is written, and the import is
one undoable step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath, PureWindowsPath
from typing import Any

from .errors import OperationError
from .io.variable_sheet import read_sheet, write_sheet
from .ops_variables import SetVariableValues
from .store import variable_queries as vq
from .variables import RESERVED, find_variable, variable_names, variable_table

MATCH_MODES = ("auto", "id", "sha256", "title", "file")
_KEY_HEADERS = {
    "id": ("id", "document_id", "document id", "doc_id"),
    "sha256": ("sha256", "sha-256"),
    "title": ("title",),
    "file": ("source_file", "source file", "file", "filename", "file name"),
}


@dataclass
class VariableImport:
    """What an import found and did."""

    matched: int = 0
    changed: int = 0
    unmatched: list[str] = field(default_factory=list)   # one line per row
    ambiguous: list[str] = field(default_factory=list)   # one line per row
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.matched} row(s) matched, {self.changed} value(s) changed"]
        out += [f"ignored column {c!r}: not a variable (define it with: variable define "
                f"{c!r} --type ...)" for c in self.ignored_columns]
        out += _first(self.unmatched, "unmatched")
        out += _first(self.ambiguous, "ambiguous")
        out += self.warnings
        return out


REPORTED_ROWS = 20  # a sheet of a wrong corpus would otherwise print every one of its rows


def _first(rows: list[str], kind: str) -> list[str]:
    out = [f"{kind}: {line}" for line in rows[:REPORTED_ROWS]]
    if len(rows) > REPORTED_ROWS:
        out.append(f"{kind}: ... and {len(rows) - REPORTED_ROWS} more row(s)")
    return out


def _fold(value: Any) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _file_keys(source_file: str | None) -> set[str]:
    if not source_file:
        return set()
    keys = set()
    for pure in (PurePath(source_file), PureWindowsPath(source_file)):
        keys |= {_fold(pure.name), _fold(pure.stem)}
    return keys - {""}


class _Index:
    def __init__(self, q: Any) -> None:
        self.by: dict[str, dict[str, list[str]]] = {k: {} for k in _KEY_HEADERS}
        for row in vq.document_keys(q):
            self.by["id"].setdefault(_fold(row["id"]), []).append(row["id"])
            self.by["sha256"].setdefault(_fold(row["sha256"]), []).append(row["id"])
            self.by["title"].setdefault(_fold(row["title"]), []).append(row["id"])
            for key in _file_keys(row["source_file"]):
                self.by["file"].setdefault(key, []).append(row["id"])

    def find(self, mode: str, value: Any) -> list[str]:
        if mode == "file":
            hits: list[str] = []
            for key in _file_keys(str(value)) if value not in (None, "") else ():
                hits += [h for h in self.by["file"].get(key, []) if h not in hits]
            return hits
        return list(self.by[mode].get(_fold(value), [])) if value not in (None, "") else []


def _key_columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for col, name in enumerate(header):
        for mode, names in _KEY_HEADERS.items():
            if name.casefold() in names and mode not in found:
                found[mode] = col
    return found


def plan_import(project: Any, header: list[str], rows: list[list[Any]], match: str = "auto"
                ) -> tuple[list[tuple[str, str, Any]], VariableImport]:
    """(document id, variable, raw value) to set, and the report (nothing is written)."""
    if match not in MATCH_MODES:
        raise OperationError(f"--match is one of {', '.join(MATCH_MODES)}, not {match!r}")
    keys = _key_columns(header)
    modes = [m for m in (MATCH_MODES[1:] if match == "auto" else (match,)) if m in keys]
    if not modes:
        wanted = (", ".join(n for names in _KEY_HEADERS.values() for n in names[:1])
                  if match == "auto" else _KEY_HEADERS[match][0])
        raise OperationError(f"the sheet has no column to match documents by (a header "
                             f"named {wanted})")
    report = VariableImport()
    key_cols = set(keys.values())
    value_cols: list[tuple[int, str]] = []
    for col, name in enumerate(header):
        if col in key_cols or not name:
            continue
        if name.casefold() in RESERVED and name.casefold() not in variable_names(project):
            report.ignored_columns.append(name)
            continue
        try:
            value_cols.append((col, find_variable(project, name).name))
        except OperationError:
            report.ignored_columns.append(name)
    index = _Index(project.q)
    values: list[tuple[str, str, Any]] = []
    first_row: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        doc_id, tried = _match_row(index, modes, keys, row)
        label = f"row {n} ({tried})"
        if doc_id is None:
            report.unmatched.append(label)
            continue
        if isinstance(doc_id, list):
            report.ambiguous.append(f"{label} matches {len(doc_id)} documents")
            continue
        if doc_id in first_row:
            report.warnings.append(f"row {n} is the same document as row {first_row[doc_id]}: "
                                   "its values win")
        first_row.setdefault(doc_id, n)
        report.matched += 1
        for col, name in value_cols:
            if row[col] not in (None, ""):
                values.append((doc_id, name, row[col]))
    return values, report


def _match_row(index: _Index, modes: list[str], keys: dict[str, int],
               row: list[Any]) -> tuple[str | list[str] | None, str]:
    ambiguous: list[str] | None = None
    tried = []
    for mode in modes:
        value = row[keys[mode]]
        if value in (None, ""):
            continue
        tried.append(f"{mode} {str(value)[:60]!r}")
        hits = index.find(mode, value)
        if len(hits) == 1:
            return hits[0], tried[-1]
        if len(hits) > 1 and ambiguous is None:
            ambiguous = hits
    return ambiguous, ", ".join(tried) or "no key given"


def import_variables(project: Any, path: str, match: str = "auto") -> VariableImport:
    notes: list[str] = []
    header, rows = read_sheet(path, notes)
    values, report = plan_import(project, header, rows, match)
    report.warnings += _first(notes, "warning")
    if values:
        report.changed = project.run(SetVariableValues(
            values, f"Import variables from {PurePath(path).name}"))
    return report


def export_variables(project: Any, path: str, document_ids: list[str] | None = None) -> int:
    """The variable table (id, title, sha256, source_file, then every variable) as .csv or
    .xlsx; re-importing the file matches by id. Returns the number of documents."""
    with project.reading():
        table = variable_table(project, document_ids, typed_values=True)
        infos = {d.id: d for d in project.q.document_infos(document_ids)}
    names = variable_names(project)
    for _, row in table:
        names += [k for k in row if k not in names]
    header = ["id", "title", "sha256", "source_file", *names]
    rows = ([doc_id, infos[doc_id].title, infos[doc_id].sha256,
             infos[doc_id].metadata.get("source_file"), *(row.get(k) for k in names)]
            for doc_id, row in table)
    return write_sheet(path, header, rows)
