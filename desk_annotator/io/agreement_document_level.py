"""The document-level (article coding) section of the agreement report in CSV, Markdown and
HTML; the JSON report carries ``document_level`` as computed (agreement/document_level.py).

Called by io/agreement_report.py, which owns the tables' look; a report without the section
(an older one read back) gives nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from desk_annotator.io.agreement_report import (
    CSV_COLUMNS,
    _cell,
    _e,
    _html_rows,
    _html_table,
    _md_table,
    md_escape,
)

MEASURES = ["alpha", "ci95", "fleiss_kappa", "ci95_fleiss_kappa", "gwet_ac1", "ci95_gwet_ac1",
            "percent_agreement", "ci95_percent_agreement"]
PAIR_MEASURES = ["cohen_kappa", "ci95_cohen_kappa", "scott_pi", "gwet_ac1", "percent_agreement"]
HEADER = ["scheme / theme", "α", "95% CI", "reading", "Fleiss κ", "95% CI", "AC1", "95% CI",
          "% agreement", "95% CI", "documents"]
NOTE = ("Units are documents: each coder's stance of the article as a whole and, per theme, "
        "whether the coder gave the article that theme; only documents that two or more "
        "selected coders coded at article level count. Intervals: bootstrap over documents "
        "(expanded percentile).")


def _blocks(report: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    section = report.get("document_level") or {}
    if "stance" in section:
        yield "document_stance", "", section["stance"]
    for name, block in section.get("themes", {}).items():
        yield "document_themes", name, block


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []

    def add(scheme: str, label: str, measure: str, value: Any, reason: str,
            a: str = "", b: str = "") -> None:
        if isinstance(value, float):
            value = round(value, 6)
        rows.append(dict(zip(CSV_COLUMNS, [scheme, label, measure, a, b, "", "",
                                           "" if value is None else value, reason])))

    def cells(obj: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, Any, str]]:
        reasons = obj.get("reasons", {})
        for key in keys:
            if key not in obj:
                continue
            if key.startswith("ci95"):
                low, high = obj[key] or (None, None)
                yield f"{key}_low", low, reasons.get(key, "")
                yield f"{key}_high", high, reasons.get(key, "")
            else:
                yield key, obj[key], reasons.get(key, "") if obj[key] is None else ""

    for scheme, label, block in _blocks(report):
        for measure, value, reason in cells(block, MEASURES):
            add(scheme, label, measure, value, reason)
        for pair in block.get("pairs", []):
            for measure, value, reason in cells(pair, PAIR_MEASURES):
                add(scheme, label, measure, value, reason, *pair["coders"])
    return rows


def _row(label: str, b: dict[str, Any]) -> list[Any]:
    return [label, b["alpha"], b["ci95"], b["interpretation"], b["fleiss_kappa"],
            b.get("ci95_fleiss_kappa"), b["gwet_ac1"], b.get("ci95_gwet_ac1"),
            b["percent_agreement"], b.get("ci95_percent_agreement"), b["n_units"]]


def markdown_parts(report: dict[str, Any]) -> list[str]:
    blocks = list(_blocks(report))
    if not blocks:
        return []
    section = report["document_level"]
    parts = ["## Article level (documents as units)\n",
             (f"Documents coded at article level by two or more coders: {section['documents']}."
             f" {NOTE}\n"),
             _md_table(HEADER, [_row(label or "stance", b) for _, label, b in blocks])]
    stance = section["stance"]
    parts += ["### Article stance — coder pairs\n", _md_table(
        ["coders"] + PAIR_MEASURES,
        [[" × ".join(p["coders"])] + [p.get(m) for m in PAIR_MEASURES]
         for p in stance["pairs"]])]
    for warning in section.get("warnings", []):
        parts.append(f"- {md_escape(warning)}\n")
    return parts


def html_part(report: dict[str, Any]) -> str:
    blocks = list(_blocks(report))
    if not blocks:
        return ""
    section = report["document_level"]
    stance = section["stance"]
    pairs = _html_table(["coders"] + PAIR_MEASURES, [
        f"<tr><td>{_e(' × '.join(p['coders']))}</td>"
        + "".join(_cell(p.get(m), p.get("reasons", {}).get(m)) for m in PAIR_MEASURES)
        + "</tr>" for p in stance["pairs"]])
    warnings = "".join(f"<li>{_e(w)}</li>" for w in section.get("warnings", []))
    return ("<h2>Article level (documents as units)</h2>"
            f"<p>Documents coded at article level by two or more coders: "
            f"{_e(section['documents'])}.</p>"
            + _html_rows(HEADER, [_row(label or "stance", b) for _, label, b in blocks])
            + f'<p class="note">{_e(NOTE)}</p><h3>Article stance — coder pairs</h3>' + pairs
            + (f"<ul>{warnings}</ul>" if warnings else ""))
