"""Write an agreement report (from `compute_agreement`) as JSON, tidy CSV, Markdown or HTML.

The HTML page is self-contained: inline CSS, inline SVG charts drawn here, no scripts, no
network. With `data` and `text_for`, it also quotes the passages where coders disagree most.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from string import Template
from typing import Any

from desk_annotator.agreement import AgreementData, largest_disagreements
from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import atomic_binary_writer, atomic_text_writer
from desk_annotator.paths import resources_dir

CSV_COLUMNS = ["scheme", "label", "measure", "coder_a", "coder_b", "document_id",
               "document_title", "value", "reason"]
SCHEME_MEASURES = ["alpha", "ci95", "alpha_coded", "ci95_alpha_coded", "alpha_u", "ci95_alpha_u",
                   "u_alpha", "ci95_u_alpha", "binary_u_alpha", "ci95_binary_u_alpha", "cu_alpha",
                   "ci95_cu_alpha", "alpha_ordinal", "ci95_alpha_ordinal", "alpha_interval",
                   "ci95_alpha_interval", "fleiss_kappa", "ci95_fleiss_kappa", "gwet_ac1",
                   "ci95_gwet_ac1", "brennan_prediger", "percent_agreement",
                   "fleiss_kappa_complete", "gwet_ac1_complete", "percent_agreement_complete",
                   "percent_agreement_pairs", "f1_exact", "ci95_f1_exact", "f1_overlap",
                   "ci95_f1_overlap", "positive_agreement", "negative_agreement", "pabak",
                   "prevalence_index"]
PAIR_MEASURES = ["cohen_kappa", "scott_pi", "gwet_ac1", "brennan_prediger", "percent_agreement",
                 "f1_exact", "f1_overlap"]
THEME_PAIR_MEASURES = ["positive_agreement", "negative_agreement", "pabak", "prevalence_index",
                       "bias_index"]
DOC_MEASURES = ["alpha", "alpha_coded", "alpha_u", "percent_agreement", "fleiss_kappa",
                "f1_exact", "f1_overlap"]
LABEL_MEASURES = ["alpha", "ci95", "alpha_u", "u_alpha", "share"]
INTERPRETATION = {
    "reliable": "α ≥ .800: reliable (Krippendorff 2004: 241)",
    "tentative": "α ≥ .667: tentative conclusions only",
    "unreliable": "α < .667: unreliable",
    "undefined": "undefined (see reason)",
}


def _plain(value: Any) -> Any:
    """A numpy scalar that reached the report (e.g. a float64 of numpy arithmetic) as the
    Python number it holds; anything else is not JSON."""
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def report_json_bytes(report: dict[str, Any]) -> bytes:
    """The report as indented JSON (UTF-8). orjson writes a 60 MB report (10,000 documents)
    in a tenth of a second rather than the json module's 15-20 s; the same values (small
    floats may be spelled 0.00001 rather than 1e-05), numpy scalars as their numbers (one
    such float once sent every big report down the slow path)."""
    import orjson

    try:
        return orjson.dumps(report, default=_plain, option=orjson.OPT_INDENT_2
                            | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # a value orjson does not know (e.g. a non-string key)
        return (json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False,
                           default=_plain) + "\n").encode("utf-8")


def report_to_json(report: dict[str, Any]) -> str:
    """report_json_bytes as text (what the CLI prints without --output)."""
    return report_json_bytes(report).decode("utf-8")


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
        if key.startswith("ci95"):
            low, high = obj[key] if obj[key] else (None, None)
            yield f"{key}_low", low, reasons.get(key, "")
            yield f"{key}_high", high, reasons.get(key, "")
        else:
            yield key, obj[key], reasons.get(key, "") if obj[key] is None else ""


def tidy_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per measure × scheme/label × pair/document."""
    rows: list[dict[str, Any]] = []

    def add(scheme: str, label: str, measure: str, value: Any, reason: str, a: str = "",
            b: str = "", doc_id: str = "", doc_title: str = "") -> None:
        if isinstance(value, float):
            value = round(value, 6)  # display precision; the JSON report keeps full doubles
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
            for measure, value, reason in _cells(pair, PAIR_MEASURES + THEME_PAIR_MEASURES):
                add(scheme, label, measure, value, reason, *pair["coders"])
        for doc in block["documents"]:
            for measure, value, reason in _cells(doc, DOC_MEASURES):
                add(scheme, label, measure, value, reason, doc_id=doc["id"], doc_title=doc["title"])
    for name, entry in report.get("theme_presence", {}).items():
        for measure, value, reason in _cells(entry, ["alpha", "percent_agreement"]):
            add("themes", name, f"presence_{measure}", value, reason)
    from desk_annotator.io.agreement_document_level import csv_rows  # article level
    return rows + csv_rows(report)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list) and len(value) == 2:
        return f"[{_fmt(value[0])}, {_fmt(value[1])}]"
    return str(value)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~!])")
_MD_BLOCK_START = re.compile(r"^(\s*)([-+]|\d+[.)])")


def _escape_block_start(match: re.Match[str]) -> str:
    marker = match.group(2)
    escaped = f"\\{marker}" if marker in "-+" else f"{marker[:-1]}\\{marker[-1]}"
    return match.group(1) + escaped


def md_escape(value: object) -> str:
    """User data (titles, coder and label names) as inert Markdown text: ``& < >`` become HTML
    entities (no raw HTML, no ``<http://…>`` autolinks), Markdown punctuation is backslashed
    (no links, images, code, emphasis or table cells of its own), a leading list marker is
    escaped, and line breaks become spaces (one cell, one list item, one heading)."""
    text = " ".join(str(value).replace("\r", "\n").split("\n"))
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return _MD_BLOCK_START.sub(_escape_block_start, text)


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    def clean(v: Any) -> str:
        if isinstance(v, str):  # user data (or our own words, which escaping leaves readable)
            return md_escape(v)
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
# Where coders marked text (|uα), what they assigned where they both marked (cuα), both at
# once (uα), each with its interval, beside α's q and the reading from the lower bound.
WHERE_WHAT_HEADER = ["scheme / theme", "where (binary uα)", "95% CI", "what (cuα)", "95% CI",
                     "uα", "95% CI", "αU", "95% CI", "q(α<.667)", "q(α<.800)",
                     "reading (lower bound)", "reading (point)"]
THEME_INDEX_KEYS = ["positive_agreement", "negative_agreement", "pabak", "prevalence_index"]
THEME_INDEX_HEADER = ["theme", "positive agreement", "negative agreement", "PABAK",
                      "prevalence index"]


ORDINAL_KEYS = ["alpha_ordinal", "ci95_alpha_ordinal", "alpha_interval", "ci95_alpha_interval",
                "gwet_ac2_linear", "gwet_ac2_quadratic"]
ORDINAL_HEADER = ["scale", "ordinal α", "95% CI", "interval α", "95% CI", "AC2 linear",
                  "AC2 quadratic"]


def _ordinal_row(report: dict[str, Any]) -> list[Any] | None:
    """The ordinal figures of an ordered stance scale (codebook `ordered`), else None."""
    stance = report.get("stance", {})
    if "alpha_ordinal" not in stance:
        return None
    labels = (stance.get("scale") or {}).get("labels", [])
    return [" < ".join(labels)] + [stance.get(k) for k in ORDINAL_KEYS]


def _where_what_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for _, label, b in _schemes(report):
        q = b.get("q") or {}
        rows.append([label or "stance", b.get("binary_u_alpha"), b.get("ci95_binary_u_alpha"),
                     b.get("cu_alpha"), b.get("ci95_cu_alpha"), b.get("u_alpha"),
                     b.get("ci95_u_alpha"), b.get("alpha_u"), b.get("ci95_alpha_u"),
                     q.get("0.667"), q.get("0.8"), b["interpretation"],
                     b.get("interpretation_point")])
    return rows


def _reasons(report: dict[str, Any]) -> list[str]:
    out = []
    for _, label, block in _schemes(report):
        for key, why in block.get("reasons", {}).items():
            out.append(f"{label or 'stance'} · {key}: {why}")
    return out


def report_to_markdown(report: dict[str, Any]) -> str:
    coders = ", ".join(map(md_escape, report["coders"])) or "—"
    parts = [(f"# Agreement report\n\nCoders: {coders} · "
              f"documents compared: {report['documents']} (excluded, coded by fewer than two "
              f"coders: {report.get('documents_excluded', 0)}) · bootstrap: "
              f"{report['bootstrap']['resamples']} resamples of documents, seed "
              f"{report['bootstrap']['seed']}\n"),
             "## Overview\n", _md_table(OVERVIEW_HEADER, _overview_rows(report)),
             ("Krippendorff's thresholds: α ≥ .800 reliable; α ≥ .667 tentative; below: "
              "unreliable. The reading is taken from the lower bound of the 95% interval.\n"),
             "## Where and what\n", _md_table(WHERE_WHAT_HEADER, _where_what_rows(report))]
    warnings = list(dict.fromkeys(w for _, _, b in _schemes(report) for w in b.get("warnings", [])))
    if warnings:
        parts += ["## Warnings\n", "\n".join(f"- {md_escape(w)}" for w in warnings) + "\n"]
    if _ordinal_row(report):
        parts += ["## Ordered stance scale\n", _md_table(ORDINAL_HEADER, [_ordinal_row(report)])]
    themes = report.get("themes", {})
    if themes:
        parts += ["## Theme indices\n", _md_table(THEME_INDEX_HEADER, [
            [n] + [b.get(k) for k in THEME_INDEX_KEYS] for n, b in themes.items()])]
    parts += ["## Stance labels\n", _md_table(
        ["label", "α (label vs rest)", "95% CI", "αU", "share"],
        [[n, e["alpha"], e["ci95"], e["alpha_u"], e["share"]]
         for n, e in report["stance"]["per_label"].items()])]
    for _, label, block in _schemes(report):
        parts += [f"## Coder pairs — {md_escape(label or 'stance')}\n", _md_table(
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
    from desk_annotator.io.agreement_document_level import markdown_parts  # article level
    parts += markdown_parts(report)
    reasons = _reasons(report)
    if reasons:
        parts += ["## Undefined values\n", "\n".join(f"- {md_escape(r)}" for r in reasons) + "\n"]
    return "\n".join(parts)


# ---------------------------------------------------------------- HTML (inline SVG)
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: Any, reason: str | None = None) -> str:
    if value is None:
        return f'<td class="null" title="{_e(reason or "undefined")}">–</td>'
    return f"<td>{_e(_fmt(value))}</td>"


def _html_table(header: list[str], rows: list[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _x(value: float, lo: float, hi: float, width: float) -> float:
    return (min(max(value, lo), hi) - lo) / (hi - lo) * width


def _alpha_chart(items: list[tuple[str, float | None, list[float] | None]]) -> str:
    """Horizontal dot-and-whisker chart of α with 95% CI on [-0.2, 1], threshold lines."""
    label_w, plot_w, row_h, lo, hi = 280, 520, 22, -0.2, 1.0
    height = row_h * len(items) + 30
    out = [(f'<svg width="{label_w + plot_w + 20}" height="{height}" role="img" '
            f'aria-label="alpha per label with 95% intervals">')]
    for value, colour in ((0.667, "#9a6700"), (0.8, "#1a7f37"), (0.0, "#999")):
        x = label_w + _x(value, lo, hi, plot_w)
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="{colour}" '
                   f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{height - 6}" '
                   f'text-anchor="middle">{value:g}</text>')
    for i, (name, value, ci) in enumerate(items):
        y = i * row_h + 14
        out.append(f'<text x="{label_w - 8}" y="{y + 4}" text-anchor="end">{_e(name)}</text>')
        if ci:
            x1, x2 = (label_w + _x(v, lo, hi, plot_w) for v in ci)
            out.append(f'<line x1="{x1:.1f}" y1="{y}" x2="{x2:.1f}" y2="{y}" stroke="#555" '
                       f'stroke-width="2"/>')
        if value is None:
            out.append(f'<text x="{label_w + 4}" y="{y + 4}" fill="#999">undefined</text>')
        else:
            cx = label_w + _x(value, lo, hi, plot_w)
            out.append(f'<circle cx="{cx:.1f}" cy="{y}" r="5" fill="#1f5fa8">'
                       f'<title>{_e(name)}: α = {value:.3f}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def _colour(value: float | None) -> str:
    """White (≤ 0) to green (1); grey when undefined."""
    if value is None:
        return "#eeeeee"
    t = min(max(value, 0.0), 1.0)
    return f"rgb({int(255 - 200 * t)},{int(255 - 90 * t)},{int(255 - 170 * t)})"


def _heat_map(coders: list[str], pairs: list[dict[str, Any]], measure: str) -> str:
    size, pad = 46, 110
    n = len(coders)
    value = {tuple(p["coders"]): p[measure] for p in pairs}
    out = [(f'<svg width="{pad + n * size + 10}" height="{pad + n * size + 10}" role="img" '
            f'aria-label="{_e(measure)} per coder pair">')]
    for i, a in enumerate(coders):
        out.append(f'<text x="{pad - 6}" y="{pad + i * size + size / 2 + 4}" '
                   f'text-anchor="end">{_e(a)}</text>')
        out.append(f'<text transform="translate({pad + i * size + size / 2},{pad - 6}) '
                   f'rotate(-45)">{_e(a)}</text>')
        for j, b in enumerate(coders):
            v = 1.0 if i == j else value.get((a, b), value.get((b, a)))
            x, y = pad + j * size, pad + i * size
            out.append(f'<rect x="{x}" y="{y}" width="{size - 2}" height="{size - 2}" '
                       f'fill="{_colour(v)}"><title>{_e(a)} × {_e(b)}: {_fmt(v)}</title></rect>')
            if i != j:
                out.append(f'<text x="{x + size / 2 - 1}" y="{y + size / 2 + 3}" '
                           f'text-anchor="middle">{_fmt(v)}</text>')
    out.append("</svg>")
    return "".join(out)


def _document_chart(docs: list[dict[str, Any]], limit: int = 60) -> str:
    shown = sorted((d for d in docs if d["alpha"] is not None), key=lambda d: d["alpha"])[:limit]
    items = [(d["title"][:28], d["alpha"], None) for d in shown]
    note = (f'<p class="note">The {len(shown)} documents with the lowest α '
            f'(of {len(docs)}; documents with undefined α omitted).</p>')
    return note + _alpha_chart(items) if items else '<p class="note">No document has a defined α.</p>'


def _confusion(pair: dict[str, Any]) -> str:
    conf = pair["confusion"]
    total = max(1, sum(map(sum, conf["matrix"])))
    rows = []
    for name, row in zip(conf["labels"], conf["matrix"]):
        cells = "".join(f'<td style="background:{_colour(v / total * 4)}">{v:,}</td>' for v in row)
        rows.append(f"<tr><th>{_e(name)}</th>{cells}</tr>")
    head = f"{_e(conf['rows'])} ↓ / {_e(conf['columns'])} →"
    return (f"<h3>{' × '.join(map(_e, pair['coders']))}</h3>"
            + _html_table([head] + conf["labels"], rows))


def _passages(passages: list[dict[str, Any]], text_for: Callable[[str], str] | None) -> str:
    if not passages:
        return '<p class="note">No disagreements to show (or no data was given).</p>'
    out = []
    for p in passages:
        quote = ""
        if text_for is not None:
            try:
                text = text_for(p["document_id"])[p["start"]:p["end"]]
            except (KeyError, IndexError, TypeError, OSError, LookupError):  # no text: no quote
                text = ""
            quote = f"<blockquote>{_e(text[:1200])}{'…' if len(text) > 1200 else ''}</blockquote>"
        coders = "".join(
            f"<li><b>{_e(c)}</b>: " + ("not coded" if not v["coded"] else
                                       f"stance {_e(', '.join(v['stance']))}; themes "
                                       f"{_e(', '.join(v['themes']) or '—')}") + "</li>"
            for c, v in p["coders"].items())
        out.append(f'<div class="passage"><b>{_e(p["document_title"])}</b> '
                   f'<span class="note">[{p["start"]}–{p["end"]}], score {p["score"]}</span>'
                   f"{quote}<ul>{coders}</ul></div>")
    return "".join(out)


def _interpretation_item(label: str | None, b: dict[str, Any]) -> str:
    """One line of the Interpretation list: the reading, its basis, q, and any warning."""
    reading = b["interpretation"]
    extra = []
    point = b.get("interpretation_point")
    if point and point != reading:
        extra.append(f"point estimate: {point}")
    q = b.get("q")
    if q:
        extra.append(f"q(α&lt;.667) = {q['0.667']:.3f}, q(α&lt;.800) = {q['0.8']:.3f}")
    if b.get("resamples_undefined"):
        extra.append(f"{b['resamples_undefined']} resamples without a value")
    note = f" ({'; '.join(extra)})" if extra else ""
    return (f'<li><b>{_e(label or "stance")}</b>: <span class="{_e(reading)}">'
            f'{_e(INTERPRETATION[reading])}</span>{note}</li>')


def _warnings_html(report: dict[str, Any]) -> str:
    """Each distinct warning once, naming the schemes it applies to (usually all of them)."""
    by_text: dict[str, list[str]] = {}
    for _, label, b in _schemes(report):
        for w in b.get("warnings", []):
            by_text.setdefault(w, []).append(label or "stance")
    total = sum(1 for _ in _schemes(report))
    items = [f'<p class="note">⚠ {_e(w)}'
             + ("" if len(names) == total else f" ({_e(', '.join(names))})") + "</p>"
             for w, names in by_text.items()]
    return "".join(items)


def _html_rows(header: list[str], rows: list[list[Any]]) -> str:
    return _html_table(header, ["<tr>" + "".join(
        f'<td class="{_e(v)}">{_e(v)}</td>' if isinstance(v, str) and v in INTERPRETATION
        else (f"<td>{_e(v)}</td>" if i == 0 else _cell(v)) for i, v in enumerate(row)) + "</tr>"
        for row in rows])


def _theme_indices(report: dict[str, Any]) -> str:
    themes = report.get("themes", {})
    if not themes:
        return ""
    rows = [[n] + [b.get(k) for k in THEME_INDEX_KEYS] for n, b in themes.items()]
    return ("<h2>Theme indices</h2>" + _html_rows(THEME_INDEX_HEADER, rows)
            + '<p class="note">Specific agreement on "present" and on "absent" (Cicchetti &amp; '
            "Feinstein 1990), PABAK and the prevalence index (Byrt, Bishop &amp; Carlin 1993): "
            "a rare theme lowers κ and α although coders agree almost everywhere; these show "
            "whether the agreement is on presence or only on absence.</p>")


def report_body(report: dict[str, Any], passages: list[dict[str, Any]],
                text_for: Callable[[str], str] | None) -> str:
    stance = report["stance"]
    overview = []
    for row, (_, _, block) in zip(_overview_rows(report), _schemes(report)):
        reasons = block.get("reasons", {})
        keys = ["alpha", "ci95", "interpretation", "alpha_coded", "alpha_u", "fleiss_kappa",
                "gwet_ac1", "percent_agreement"]
        cells = "".join(
            f'<td class="{_e(v)}">{_e(v)}</td>' if k == "interpretation" else _cell(v, reasons.get(k))
            for k, v in zip(keys, row[1:]))
        overview.append(f"<tr><td>{_e(row[0])}</td>{cells}</tr>")
    parts = [
        (f'<p>Coders: {_e(", ".join(report["coders"]) or "—")} · documents compared: '
        f'{report["documents"]} · bootstrap: {report["bootstrap"]["resamples"]} resamples of '
        f'documents (seed {report["bootstrap"]["seed"]}).</p>'),
        "<h2>Overview</h2>", _html_table(OVERVIEW_HEADER, overview), _warnings_html(report),
        "<h2>Where and what</h2>", _html_rows(WHERE_WHAT_HEADER, _where_what_rows(report)),
        ('<p class="note">Where: binary uα (written |uα in the paper), do coders mark the same '
         "stretches, whatever the label. What: cuα, do they give the same label where both "
         "marked text. uα asks both at once (Krippendorff, Mathet, Bouvry &amp; Widlöcher "
         "2016); αU is Krippendorff's (1995) unitizing α, pooled over documents. Intervals: "
         "bootstrap over documents (expanded percentile).</p>"),
        ("<h2>Interpretation</h2><ul>" + "".join(
            _interpretation_item(label, b) for _, label, b in _schemes(report)) + "</ul>"
        '<p class="note">Thresholds after Krippendorff (2004: 241), read from the lower bound '
        "of the 95% interval (the point estimate's reading in brackets); q is the share of "
        "bootstrap resamples with α below .667 and .800.</p>"),
        ("<h2>Ordered stance scale</h2>" + _html_rows(ORDINAL_HEADER, [_ordinal_row(report)])
         if _ordinal_row(report) else ""),
        _theme_indices(report),
        "<h2>α per label</h2>",
        _alpha_chart([(f"stance: {n}", e["alpha"], e["ci95"])
                      for n, e in stance["per_label"].items()]
                     + [(f"theme: {n}", b["alpha"], b["ci95"])
                        for n, b in report.get("themes", {}).items()]),
        ('<p class="note">Stance labels: α of "this label vs any other value" per character. '
         "Dots: α; bars: bootstrap 95% interval; dashed lines: .667 and .800.</p>"),
        "<h2>Coder pairs (stance, Cohen's κ)</h2>",
        _heat_map(report["coders"], stance["pairs"], "cohen_kappa"),
        _html_table(["coders"] + PAIR_MEASURES, [
            f"<tr><td>{_e(' × '.join(p['coders']))}</td>"
            + "".join(_cell(p[m], p.get("reasons", {}).get(m)) for m in PAIR_MEASURES) + "</tr>"
            for p in stance["pairs"]]),
        "<h2>α per document (stance)</h2>", _document_chart(stance["documents"]),
        "<h2>Stance confusion matrices</h2>",
        "".join(_confusion(p) for p in stance["pairs"]) or '<p class="note">No pairs.</p>',
        "".join(f"<h2>Theme confusion matrices — {_e(name)}</h2>"
                + "".join(_confusion(p) for p in block["pairs"] if "confusion" in p)
                for name, block in report.get("themes", {}).items()),
        "<h2>Largest disagreements</h2>", _passages(passages, text_for),
    ]
    from desk_annotator.io.agreement_document_level import html_part  # article level
    parts.append(html_part(report))
    reasons = _reasons(report)
    if reasons:
        parts.append("<h2>Undefined values</h2><ul>"
                     + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>")
    return "\n".join(parts)


REPORT_SUFFIXES = (".json", ".csv", ".md", ".markdown", ".html", ".htm")


def check_report_path(path: Path) -> None:
    """Refuse an unknown report format before the (possibly long) computation."""
    suffix = Path(path).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise FormatError(f"{Path(path).name}: unknown report format {suffix or '(none)'}; "
                          "use .json, .csv, .md or .html")


def write_report(report: dict[str, Any], path: Path, *,
                 text_for: Callable[[str], str] | None = None,
                 data: AgreementData | None = None) -> None:
    """Write `report` to `path`; the extension (.json .csv .md .html) chooses the format."""
    path = Path(path)
    check_report_path(path)
    suffix = path.suffix.lower()
    # A temporary sibling renamed into place: a full disk or a kill leaves the previous
    # report (or nothing), never a 0-byte or cut file; an OSError is one line naming `path`.
    if suffix == ".json":  # the bytes as made: no text copy of a report of 60 MB
        with atomic_binary_writer(path) as binary:
            binary.write(report_json_bytes(report))
        return
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(tidy_rows(report))
        content = buffer.getvalue()
    elif suffix in (".md", ".markdown"):
        content = report_to_markdown(report)
    else:  # .html, .htm
        passages = largest_disagreements(data) if data is not None else []
        template = Template((resources_dir() / "templates" / "agreement_report.html")
                            .read_text(encoding="utf-8"))
        content = template.substitute(title=html.escape("Agreement report"),
                                      body=report_body(report, passages, text_for))
    with atomic_text_writer(path, newline="") as handle:
        handle.write(content)
