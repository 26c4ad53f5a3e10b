"""Write an agreement report (from `compute_agreement`) as JSON, tidy CSV, Markdown or HTML.

The HTML page is self-contained: inline CSS, inline SVG charts drawn here, no scripts, no
network. With `data` and `text_for`, it also quotes the passages where coders disagree most.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from string import Template
from typing import Any

from desk_annotator.agreement import AgreementData, largest_disagreements
from desk_annotator.errors import FormatError
from desk_annotator.paths import resources_dir

CSV_COLUMNS = ["scheme", "label", "measure", "coder_a", "coder_b", "document_id",
               "document_title", "value", "reason"]
SCHEME_MEASURES = ["alpha", "ci95", "alpha_coded", "alpha_u", "fleiss_kappa", "gwet_ac1",
                   "percent_agreement"]
PAIR_MEASURES = ["cohen_kappa", "scott_pi", "gwet_ac1", "brennan_prediger", "percent_agreement",
                 "f1_exact", "f1_overlap"]
DOC_MEASURES = ["alpha", "alpha_coded", "alpha_u", "percent_agreement", "fleiss_kappa",
                "f1_exact", "f1_overlap"]
LABEL_MEASURES = ["alpha", "ci95", "alpha_u", "share"]
INTERPRETATION = {
    "reliable": "α ≥ .800: reliable (Krippendorff 2004: 241)",
    "tentative": "α ≥ .667: tentative conclusions only",
    "unreliable": "α < .667: unreliable",
    "undefined": "undefined (see reason)",
}


def report_to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _schemes(report: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(scheme, label, block): the stance block, then one block per theme."""
    yield "stance", "", report["stance"]
    for name, block in report.get("themes", {}).items():
        yield "themes", name, block


def _cells(obj: dict[str, Any], measures: list[str]) -> Iterator[tuple[str, Any, str]]:
    reasons = obj.get("reasons", {})
    for key in measures:
        if key not in obj:
            continue
        if key == "ci95":
            low, high = obj[key] if obj[key] else (None, None)
            yield "ci95_low", low, reasons.get(key, "")
            yield "ci95_high", high, reasons.get(key, "")
        else:
            yield key, obj[key], reasons.get(key, "") if obj[key] is None else ""


def tidy_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per measure × scheme/label × pair/document."""
    rows: list[dict[str, Any]] = []

    def add(scheme: str, label: str, measure: str, value: Any, reason: str, a: str = "",
            b: str = "", doc_id: str = "", doc_title: str = "") -> None:
        rows.append(dict(zip(CSV_COLUMNS, [scheme, label, measure, a, b, doc_id, doc_title,
                                           "" if value is None else value, reason])))

    for scheme, label, block in _schemes(report):
        for measure, value, reason in _cells(block, SCHEME_MEASURES):
            add(scheme, label, measure, value, reason)
        if scheme == "stance":
            for name, entry in block["per_label"].items():
                for measure, value, reason in _cells(entry, LABEL_MEASURES):
                    add(scheme, name, measure, value, reason)
        for pair in block["pairs"]:
            for measure, value, reason in _cells(pair, PAIR_MEASURES):
                add(scheme, label, measure, value, reason, *pair["coders"])
        for doc in block["documents"]:
            for measure, value, reason in _cells(doc, DOC_MEASURES):
                add(scheme, label, measure, value, reason, doc_id=doc["id"], doc_title=doc["title"])
    for name, entry in report.get("theme_presence", {}).items():
        for measure, value, reason in _cells(entry, ["alpha", "percent_agreement"]):
            add("themes", name, f"presence_{measure}", value, reason)
    return rows


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list) and len(value) == 2:
        return f"[{_fmt(value[0])}, {_fmt(value[1])}]"
    return str(value)


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    def clean(v: Any) -> str:
        return _fmt(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(clean(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _overview_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[label or "stance", b["alpha"], b["ci95"], b["interpretation"], b.get("alpha_coded"),
             b["alpha_u"], b["fleiss_kappa"], b["gwet_ac1"], b["percent_agreement"]]
            for _, label, b in _schemes(report)]


OVERVIEW_HEADER = ["scheme / theme", "α", "95% CI", "reading", "α coded", "αU", "Fleiss κ",
                   "AC1", "% agreement"]


def _reasons(report: dict[str, Any]) -> list[str]:
    out = []
    for _, label, block in _schemes(report):
        for key, why in block.get("reasons", {}).items():
            out.append(f"{label or 'stance'} · {key}: {why}")
    return out


def report_to_markdown(report: dict[str, Any]) -> str:
    parts = [f"# Agreement report\n\nCoders: {', '.join(report['coders']) or '—'} · "
             f"documents compared: {report['documents']} (excluded, coded by fewer than two "
             f"coders: {report.get('documents_excluded', 0)}) · bootstrap: "
             f"{report['bootstrap']['resamples']} resamples of documents, seed "
             f"{report['bootstrap']['seed']}\n",
             "## Overview\n", _md_table(OVERVIEW_HEADER, _overview_rows(report)),
             "Krippendorff's thresholds: α ≥ .800 reliable; α ≥ .667 tentative; below: "
             "unreliable.\n"]
    parts += ["## Stance labels\n", _md_table(
        ["label", "α (label vs rest)", "95% CI", "αU", "share"],
        [[n, e["alpha"], e["ci95"], e["alpha_u"], e["share"]]
         for n, e in report["stance"]["per_label"].items()])]
    for _, label, block in _schemes(report):
        parts += [f"## Coder pairs — {label or 'stance'}\n", _md_table(
            ["coders"] + PAIR_MEASURES,
            [[" × ".join(p["coders"])] + [p[m] for m in PAIR_MEASURES] for p in block["pairs"]])]
    parts += ["## Documents — stance\n", _md_table(
        ["document", "coders"] + DOC_MEASURES,
        [[d["title"], ", ".join(d["coders"])] + [d.get(m) for m in DOC_MEASURES]
         for d in report["stance"]["documents"]])]
    if report.get("theme_presence"):
        parts += ["## Theme presence per document\n", _md_table(
            ["theme", "α", "% agreement", "documents"],
            [[n, e["alpha"], e["percent_agreement"], e["n_documents"]]
             for n, e in report["theme_presence"].items()])]
    reasons = _reasons(report)
    if reasons:
        parts += ["## Undefined values\n", "\n".join(f"- {r}" for r in reasons) + "\n"]
    return "\n".join(parts)


def write_report(report: dict[str, Any], path: Path, *,
                 text_for: Callable[[str], str] | None = None,
                 data: AgreementData | None = None) -> None:
    """Write `report` to `path`; the extension (.json .csv .md .html) chooses the format."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        content = report_to_json(report)
    elif suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(tidy_rows(report))
        content = buffer.getvalue()
    elif suffix in (".md", ".markdown"):
        content = report_to_markdown(report)
    elif suffix in (".html", ".htm"):
        from desk_annotator.io.agreement_html import report_body
        passages = largest_disagreements(data) if data is not None else []
        template = Template((resources_dir() / "templates" / "agreement_report.html")
                            .read_text(encoding="utf-8"))
        content = template.substitute(title=html.escape("Agreement report"),
                                      body=report_body(report, passages, text_for))
    else:
        raise FormatError(f"{path.name}: unknown report format {suffix or '(none)'}; "
                          "use .json, .csv, .md or .html")
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise FormatError(f"cannot write {path}: {exc.strerror or exc}") from exc
