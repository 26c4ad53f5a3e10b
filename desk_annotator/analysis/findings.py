"""The findings report: one self-contained HTML file of the tables and charts a content
analysis reports (issue 12).

Sections: label frequencies per coder; stance by a variable (outlet by default) with
chi-square and Cramér's V; stance × themes; theme co-occurrence (same passage); the stance
timeline; and, when at least two coders coded the same documents, a short summary of the
agreement report (the agreement engine's own result, project_io.agreement_report).

Self-contained: the CSS is inline, the charts are inline SVG (analysis/charts.py, text kept as
text), there is no script and nothing is fetched. Every name and value from the project is
HTML-escaped; matplotlib escapes the text it writes into the SVG.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from pathlib import Path
from typing import Any

from ..atomic import atomic_path
from ..errors import DeskAnnotatorError, OperationError
from . import charts, tables

_CSS = ("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
        "max-width:1100px;color:#222;line-height:1.4;padding:0 1em}"
        "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}"
        "table{border-collapse:collapse;margin:.8em 0 1.2em;font-size:.9em}"
        "th,td{border:1px solid #ccc;padding:.2em .55em}th{background:#f1f1f1;text-align:left}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}"
        ".stats{background:#f6f8fa;padding:.5em .8em;border-left:3px solid #4e79a7}"
        ".warn{color:#8a4b00}.chart svg{max-width:100%;height:auto}.meta{color:#555}"
        ".scroll{overflow-x:auto}")
_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, float):
        return f'<td class="n">{value:.4g}</td>'
    if isinstance(value, int):
        return f'<td class="n">{value}</td>'
    return f"<td>{_e(value)}</td>"


def _table(table: tables.Table, caption: str | None = None) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table></div>"


def _svg(result: tables.Result, values: str = "counts") -> str:
    svg = charts.svg_text(result, values=values)
    svg = _SVG_METADATA.sub("", _SVG_PROLOGUE.sub("", svg, count=1))
    return f'<div class="chart" role="img" aria-label="{_e(result.title)}">{svg}</div>'


def _statistics(result: tables.Result) -> str:
    s = result.statistics
    if s.get("chi2") is None:
        line = f"n = {s.get('n', 0)}; the chi-square test is not defined for this table."
    else:
        line = (f"n = {s['n']}; Pearson χ² = {s['chi2']:.3f}, df = {s['df']}, "
                f"p = {s['p']:.3g}; Cramér's V = {s['cramers_v']:.3f}")
    return f'<p class="stats">{_e(line)}</p>'


def _warnings(result: tables.Result) -> str:
    if not result.warnings:
        return ""
    return "<ul>" + "".join(f'<li class="warn">{_e(w)}</li>' for w in result.warnings) + "</ul>"


def _table_named(result: tables.Result, name: str) -> tables.Table:
    return next(t for t in result.tables if t.name == name)


def _section(title: str, intro: str, body: list[str]) -> str:
    return f"<section><h2>{_e(title)}</h2><p>{_e(intro)}</p>{''.join(body)}</section>"


def _measure(value: Any, interval: Any = None) -> str:
    if not isinstance(value, (int, float)):
        return "undefined"
    text = f"{value:.3f}"
    if isinstance(interval, list) and len(interval) == 2 and None not in interval:
        text += f" [{interval[0]:.3f}, {interval[1]:.3f}]"
    return text


def _agreement_section(report: dict[str, Any]) -> str:
    stance = report.get("stance") or {}
    rows = [["stance", _measure(stance.get("alpha"), stance.get("ci95")),
             _measure(stance.get("alpha_u")), str(stance.get("interpretation") or "")]]
    for name, block in (report.get("themes") or {}).items():
        rows.append([f"theme: {name}", _measure(block.get("alpha"), block.get("ci95")),
                     _measure(block.get("alpha_u")), str(block.get("interpretation") or "")])
    table = tables.Table("agreement", "agreement", ["scheme", "α (95% interval)", "αU",
                                                    "reading"], rows)
    coders = ", ".join(report.get("coders") or [])
    intro = (f"Krippendorff's α over characters for {coders} on {report.get('documents')} "
             "documents coded by at least two of them, from the agreement report "
             "(desk-annotator agreement gives every measure). The reading is taken from the "
             "interval's lower bound: reliable ≥ .800, tentative ≥ .667.")
    return _section("Agreement between coders", intro, [_table(table)])


def findings_html(project: Any, *, coder: str | None = None, set_name: str | None = None,
                  by: str = "outlet", bootstrap: int = 1000, title: str | None = None) -> str:
    """The report as one HTML document (see the module docstring)."""
    coders = None if coder is None else [coder]
    who = "all coders" if coder is None else coder
    where = "all documents" if set_name is None else f"document set {set_name}"
    options = {"coders": coders, "set_name": set_name}
    with project.reading():  # every section describes one state of the project
        freq = tables.frequencies(project, **options)
        cross = tables.crosstab(project, labels="stance", by=by, **options)
        stance_themes = tables.crosstab(project, labels="stance", by="themes", **options)
        cooc = tables.cooccurrence(project, mode="passage", **options)
        line = tables.timeline(project, **options)
        agreement = _agreement(project, set_name, bootstrap)
    heading = title or "Findings"
    sections = [
        _section("Label frequencies per coder",
                 "Passages (one per label a passage carries), characters and documents.",
                 [_svg(freq), _table(freq.tables[0])]),
        _section(f"Stance by {by}",
                 "Stance passages per value of the variable; documents without a value are "
                 "left out.",
                 [_svg(cross), _table(_table_named(cross, "counts"), "counts"),
                  _table(_table_named(cross, "column_percent"), f"% of each {by}"),
                  _statistics(cross), _warnings(cross)]),
        _section("Stance × themes", "Passages that carry both a stance and the theme.",
                 [_svg(stance_themes), _table(_table_named(stance_themes, "counts")),
                  _statistics(stance_themes), _warnings(stance_themes)]),
        _section("Theme co-occurrence",
                 "How many passages carry both themes (diagonal: passages with the theme), "
                 "and the Jaccard index n(a and b) / n(a or b).",
                 [_svg(cooc), _table(_table_named(cooc, "counts"), "counts"),
                  _table(_table_named(cooc, "jaccard"), "Jaccard index")]),
        _section("Stance over time", "Share of each stance among the stance passages, by "
                 "month of the document's date, per outlet.",
                 [_svg(line), _table(line.tables[0]), _warnings(line)]),
    ]
    if agreement is not None:
        sections.append(_agreement_section(agreement))
    today = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = f"{who}; {where}; written {today} by desk-annotator"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(heading)}</h1>", f'<p class="meta">{_e(meta)}</p>', *sections,
        "</body></html>", ""])


def _agreement(project: Any, set_name: str | None, bootstrap: int) -> dict[str, Any] | None:
    """The agreement report of the coders (all but gold, as ``agreement``), or None when
    fewer than two of them coded the same documents."""
    from ..document_sets import restrict_to_set
    from ..project_io import agreement_report

    document_ids = None if set_name is None else restrict_to_set(project, set_name, None)
    try:
        report = agreement_report(project, document_ids=document_ids, bootstrap=bootstrap)
    except DeskAnnotatorError:
        return None
    if len(report.get("coders") or []) < 2 or not report.get("documents"):
        return None
    return report


def write_findings(project: Any, output: str | Path, **options: Any) -> Path:
    """Write the findings report to ``output`` (.html), atomically."""
    path = Path(output)
    if path.suffix.lower() not in (".html", ".htm"):
        raise OperationError(f"cannot write {path.name}: the findings report is .html")
    text = findings_html(project, **options)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8", newline="\n")
    return path
