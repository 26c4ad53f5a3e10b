"""Writers for the results of analysis/tables.py: .csv .xlsx .md .html .json, and plain text.

- CSV: every table as a block (its title on a line of its own, the header, the rows, one empty
  line), then one ``warning`` line per warning. Numbers are written unrounded.
- XLSX: one sheet per table plus a ``notes`` sheet (title, unit, warnings); values only, never
  a formula (a text that starts with "=" stays text).
- Markdown / HTML (self-contained, no scripts, no external files) / text: numbers shown with 4
  significant digits. JSON: the structured result (``Result.to_json``), unrounded.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path
from typing import Any

from ..atomic import atomic_path
from ..errors import OperationError
from .tables import Result

FORMATS = (".csv", ".xlsx", ".md", ".html", ".json")


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def to_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for table in result.tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows([["" if v is None else v for v in row] for row in table.rows])
        writer.writerow([])
    for warning in result.warnings:
        writer.writerow(["warning", warning])
    return out.getvalue()


def to_markdown(result: Result) -> str:
    def cell(value: Any) -> str:
        return _show(value).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {result.title}", "", f"Unit: {result.unit}", ""]
    for table in result.tables:
        lines += [f"## {table.title}", "", "| " + " | ".join(map(cell, table.columns)) + " |",
                  "|" + "---|" * len(table.columns)]
        lines += ["| " + " | ".join(map(cell, row)) + " |" for row in table.rows]
        lines.append("")
    if result.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in result.warnings] + [""]
    return "\n".join(lines)


_CSS = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin-bottom:1.5em}"
        "th,td{border:1px solid #bbb;padding:.25em .6em}td.n{text-align:right}"
        "th{background:#eee}.warn{color:#8a4b00}")


def to_html(result: Result) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(result.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(result.title)}</h1>", f"<p>Unit: {e(result.unit)}</p>"]
    for table in result.tables:
        parts.append(f"<h2>{e(table.title)}</h2><table><thead><tr>"
                     + "".join(f"<th>{e(str(c))}</th>" for c in table.columns)
                     + "</tr></thead><tbody>")
        for row in table.rows:
            parts.append("<tr>" + "".join(
                f'<td class="n">{e(_show(v))}</td>' if isinstance(v, (int, float))
                else f"<td>{e(_show(v))}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
    if result.warnings:
        parts.append("<h2>Warnings</h2><ul>"
                     + "".join(f'<li class="warn">{e(w)}</li>' for w in result.warnings)
                     + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_json(result: Result) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2)


def to_text(result: Result) -> str:
    lines = [result.title, f"unit: {result.unit}", ""]
    for table in result.tables:
        shown = [[_show(c) for c in table.columns]] + [[_show(v) for v in r] for r in table.rows]
        widths = [max(len(r[i]) for r in shown) for i in range(len(table.columns))]
        lines.append(table.title)
        for row in shown:
            lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                                   for i, (v, w) in enumerate(zip(row, widths))).rstrip())
        lines.append("")
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines).rstrip() + "\n"


def _write_xlsx(result: Result, target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def put(ws: Any, row: list[Any]) -> None:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=…" stays text, never a formula

    wb = Workbook()
    notes = wb.active
    notes.title = "notes"
    for row in (["title", result.title], ["unit", result.unit],
                *[["warning", w] for w in result.warnings]):
        put(notes, row)
    used = {"notes"}
    for table in result.tables:
        name = table.name[:31]
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        ws = wb.create_sheet(name)
        put(ws, [table.title])
        put(ws, list(table.columns))
        for row in table.rows:
            put(ws, list(row))
    wb.save(target)


def write(result: Result, path: str | Path) -> Path:
    """Write ``result`` in the format its extension names (atomically)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OperationError(f"cannot write {path.name}: use one of {', '.join(FORMATS)}")
    with atomic_path(path) as tmp:
        if suffix == ".xlsx":
            _write_xlsx(result, Path(tmp))
        else:
            text = {".csv": to_csv, ".md": to_markdown, ".html": to_html,
                    ".json": to_json}[suffix](result)
            Path(tmp).write_text(text, encoding="utf-8", newline="")
    return path
