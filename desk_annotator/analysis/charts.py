"""Charts of the tables (analysis/tables.py), drawn with matplotlib without pyplot or any GUI
backend: a bare ``Figure`` that the Agg canvas saves as PNG or SVG here, and that the Tables
window puts into its own Qt canvas.

One chart per kind of table:
- frequencies: grouped bars of passages per label (codebook colours), one group per coder
  (and group value with ``by``), one panel per scheme;
- crosstab: bars per column value (e.g. outlet) stacked by row label (stance), or grouped for
  themes (a passage may carry several); counts, row % or column %;
- cooccurrence: a heatmap of theme × theme counts or Jaccard index, values in the cells;
- timeline: one panel per outlet (or other series), a line per stance in its colour, share
  of the stance by month.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import is_color_like
from matplotlib.figure import Figure

from ..atomic import atomic_path
from ..errors import OperationError
from .tables import Result

FORMATS = (".png", ".svg")
CROSSTAB_VALUES = ("counts", "row_percent", "column_percent")
COOCCURRENCE_VALUES = ("counts", "jaccard")
_FALLBACK = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
             "#ff9da7", "#9c755f", "#bab0ac"]
_MAX_LABEL = 28
_MAX_GROUPS = 40


def _plain(text: Any) -> str:
    """A label as matplotlib should show it: shortened, and "$" not read as mathtext."""
    shown = str(text)
    if len(shown) > _MAX_LABEL:
        shown = shown[:_MAX_LABEL - 1] + "…"
    return shown.replace("$", r"\$")


def _color(result: Result, name: str, k: int) -> str:
    color = result.data.get("colors", {}).get(name)
    return color if isinstance(color, str) and is_color_like(color) else \
        _FALLBACK[k % len(_FALLBACK)]


def _empty(ax: Any, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_xticks([])
    ax.set_yticks([])


def _bars(ax: Any, groups: list[str], series: list[tuple[str, str, list[float]]],
          stacked: bool, ylabel: str) -> None:
    """Bars at each group: one per series (name, colour, values), side by side or stacked."""
    if not groups or not series:
        _empty(ax)
        return
    positions = list(range(len(groups)))
    width = 0.8 if stacked else 0.8 / len(series)
    bottom = [0.0] * len(groups)
    for k, (name, color, values) in enumerate(series):
        values = [0.0 if v is None else float(v) for v in values]
        if stacked:
            ax.bar(positions, values, width, bottom=bottom, label=_plain(name), color=color,
                   edgecolor="white", linewidth=0.5)
            bottom = [b + v for b, v in zip(bottom, values)]
        else:
            ax.bar([p - 0.4 + width * (k + 0.5) for p in positions], values, width,
                   label=_plain(name), color=color, edgecolor="white", linewidth=0.5)
    ax.set_xticks(positions)
    long = len(groups) > 6 or max(len(str(g)) for g in groups) > 10
    ax.set_xticklabels([_plain(g) for g in groups], rotation=30 if long else 0,
                       ha="right" if long else "center")
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _frequencies(fig: Figure, result: Result) -> None:
    table = result.tables[0]
    cols = table.columns
    schemes = result.data.get("schemes") or sorted({r[cols.index("scheme")] for r in table.rows})
    axes = fig.subplots(len(schemes), 1, squeeze=False)[:, 0]
    by = result.data.get("by")
    group_cols = [0] + ([cols.index("document")] if by == "document" else
                        [1] if by else [])
    for ax, scheme in zip(axes, schemes):
        rows = [r for r in table.rows if r[cols.index("scheme")] == scheme]
        groups: list[str] = []
        for r in rows:
            key = " · ".join(str(r[i]) for i in group_cols)
            if key not in groups:
                groups.append(key)
        groups = groups[:_MAX_GROUPS]
        labels: list[str] = []
        for r in rows:
            if r[cols.index("label")] not in labels:
                labels.append(r[cols.index("label")])
        at = {g: i for i, g in enumerate(groups)}
        series = []
        for k, label in enumerate(labels):
            values = [0.0] * len(groups)
            for r in rows:
                key = " · ".join(str(r[i]) for i in group_cols)
                if r[cols.index("label")] == label and key in at:
                    values[at[key]] += r[cols.index("passages")]
            series.append((label, _color(result, label, k), values))
        _bars(ax, groups, series, stacked=False, ylabel="passages")
        ax.set_title(_plain(scheme), loc="left", fontsize="medium")


def _crosstab(fig: Figure, result: Result, values: str) -> None:
    if values not in CROSSTAB_VALUES:
        raise OperationError(f"unknown chart values {values!r} (choose from "
                             f"{', '.join(CROSSTAB_VALUES)})")
    d = result.data
    ax = fig.subplots()
    rows, columns, counts = d["rows"], d["columns"], d["counts"]
    series = []
    for k, (name, row) in enumerate(zip(rows, counts)):
        if values == "row_percent":
            total = sum(row)
            shown = [100.0 * c / total if total else 0.0 for c in row]
        elif values == "column_percent":
            shown = [100.0 * c / t if t else 0.0 for c, t in zip(row, d["column_totals"])]
        else:
            shown = [float(c) for c in row]
        series.append((name, _color(result, name, k), shown))
    stacked = d["row_variable"] == "stance" and values != "row_percent"
    ylabel = {"counts": result.unit, "row_percent": f"% of each {d['row_variable']} row",
              "column_percent": f"% of each {d['column_variable']}"}[values]
    _bars(ax, [str(c) for c in columns], series, stacked=stacked, ylabel=ylabel)
    ax.set_xlabel(_plain(d["column_variable"]))


def _cooccurrence(fig: Figure, result: Result, values: str) -> None:
    if values not in COOCCURRENCE_VALUES:
        raise OperationError(f"unknown chart values {values!r} (choose from "
                             f"{', '.join(COOCCURRENCE_VALUES)})")
    d = result.data
    ax = fig.subplots()
    names, matrix = d["themes"], d[values]
    if not names:
        _empty(ax)
        return
    grid = [[float("nan") if v is None else float(v) for v in row] for row in matrix]
    # aspect="auto": square cells in a short window (the Tables window's canvas) shrink the
    # grid until its rotated theme names overlap; cells as wide as the axes keep them apart.
    image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=1 if values == "jaccard" else None,
                      aspect="auto")
    top = max((v for row in grid for v in row if not math.isnan(v)), default=0) or 1
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if not math.isnan(v):
                text = f"{v:.2f}" if values == "jaccard" else f"{v:.0f}"
                dark = v / (1 if values == "jaccard" else top) > 0.6
                ax.text(j, i, text, ha="center", va="center", fontsize="small",
                        color="white" if dark else "#222")
    ticks = list(range(len(names)))
    ax.set_xticks(ticks)
    ax.set_xticklabels([_plain(n) for n in names], rotation=40, ha="right")
    ax.set_yticks(ticks)
    ax.set_yticklabels([_plain(n) for n in names])
    fig.colorbar(image, ax=ax, shrink=0.8,
                 label="Jaccard index" if values == "jaccard" else result.unit)


def _timeline(fig: Figure, result: Result) -> None:
    d = result.data
    by = d.get("by", "outlet")
    stances = d["stances"]
    names: list[str] = []
    for entry in d["series"]:
        if entry[by] not in names:
            names.append(entry[by])
    if not names:
        _empty(fig.subplots())
        return
    months = sorted({e["month"] for e in d["series"]})
    ncols = min(3, len(names))
    nrows = (len(names) + ncols - 1) // ncols
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax, name in zip(axes, names):
        points = {e["month"]: e["counts"] for e in d["series"] if e[by] == name}
        xs = [i for i, m in enumerate(months) if m in points]
        for k, stance in enumerate(stances):
            ys = [100.0 * points[months[i]][k] / (sum(points[months[i]]) or 1) for i in xs]
            ax.plot(xs, ys, marker="o", markersize=3, color=_color(result, stance, k),
                    label=_plain(stance))
        ax.set_title(_plain(name), fontsize="medium")
        ax.set_ylim(0, 100)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    step = max(1, len(months) // 8)
    for ax in axes:
        ax.set_xticks(range(0, len(months), step))
        ax.set_xticklabels(months[::step], rotation=40, ha="right", fontsize="small")
    axes[0].set_ylabel("% of stance passages" if result.unit == "passages"
                       else "% of documents")
    axes[0].legend(fontsize="small", frameon=False)


def figure_for(result: Result, *, values: str = "counts", figure: Figure | None = None
               ) -> Figure:
    """Draw ``result`` on ``figure`` (cleared; a new one when None). ``values``: for a
    crosstab counts, row_percent or column_percent; for co-occurrence counts or jaccard."""
    fig = figure if figure is not None else Figure(figsize=_size(result), dpi=100)
    fig.clear()
    fig.set_layout_engine("constrained")
    if result.kind == "frequencies":
        _frequencies(fig, result)
    elif result.kind == "crosstab":
        _crosstab(fig, result, values)
    elif result.kind == "cooccurrence":
        _cooccurrence(fig, result, values)
    elif result.kind == "timeline":
        _timeline(fig, result)
    else:
        raise OperationError(f"no chart for a {result.kind!r} table")
    fig.suptitle(_plain_title(result.title), fontsize="medium")
    return fig


def _plain_title(title: str) -> str:
    return title.replace("$", r"\$")


def _size(result: Result) -> tuple[float, float]:
    d = result.data
    if result.kind == "cooccurrence":
        n = len(d.get("themes", []))
        return (max(5.0, 1.5 + 0.6 * n), max(4.0, 1.0 + 0.5 * n))
    if result.kind == "timeline":
        names = {e.get(d.get("by", "outlet")) for e in d.get("series", [])}
        return (9.0, 2.8 * max(1, (len(names) + 2) // 3) + 0.8)
    if result.kind == "crosstab":
        return (max(6.0, 2.5 + 0.7 * len(d.get("columns", []))), 4.5)
    return (9.0, 3.2 * max(1, len(d.get("schemes") or [1])))


def save_chart(result: Result, path: str | Path, *, values: str = "counts") -> Path:
    """Draw ``result`` and write it as PNG or SVG (by the extension), atomically. SVG keeps
    text as text and carries no date, so the same table gives the same file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OperationError(f"cannot draw {path.name}: use one of {', '.join(FORMATS)}")
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "desk-annotator"}):
        fig = figure_for(result, values=values)
        FigureCanvasAgg(fig)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=120,
                        metadata={"Date": None} if suffix == ".svg" else None)
    return path


def svg_text(result: Result, *, values: str = "counts") -> str:
    """The chart as an SVG document (for inline use in the findings report)."""
    import io

    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "desk-annotator"}):
        fig = figure_for(result, values=values)
        FigureCanvasAgg(fig)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
