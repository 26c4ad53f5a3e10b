"""Frequencies and tables (issue 12): headless, read-only, one function per table.

Units of counting (explicit in every result as ``unit``):

- *passages* (default): one annotation counts once per label it carries. A passage with two
  themes counts in both theme rows (multiple response), so theme tables are not a partition.
- *documents*: a document counts once in a cell when at least one selected coder has a
  passage there with that label.

``coders``: coder names to include (``["gold"]`` for the gold standard, which is the coder of
that name); None pools every coder. Document variables are the built-in metadata (outlet,
author, language, date) and month/year taken from an ISO date (``YYYY-MM…``); documents with no
value for the variable are left out of a crosstab and counted in its warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import OperationError
from ..models import Label, is_model_coder
from ..store.table_queries import VARIABLES, TableQueries
from .tables_cooccurrence import cluster_units, document_units, unit_matrix
from .tables_stats import chi_square_test

UNITS = ("passages", "documents")
SCHEME_NAMES = ("stance", "themes")
FREQUENCY_GROUPS = ("document", *VARIABLES)
MISSING = "(missing)"


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Result:
    """What every table function returns; writers in tables_output.py render it."""

    kind: str
    title: str
    unit: str
    tables: list[Table]
    statistics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # structured form for JSON

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "unit": self.unit, **self.data,
                "statistics": self.statistics, "warnings": self.warnings,
                "tables": [{"name": t.name, "title": t.title, "columns": t.columns,
                            "rows": t.rows} for t in self.tables]}


class _Context:
    def __init__(self, project: Any, coders: list[str] | None) -> None:
        self.q = project.q
        self.tq = TableQueries(project.store.db)
        self.codebook = self.q.codebook()
        self.coder_names = {c.id: c.name for c in self.q.coders()}
        models = [cid for cid, name in self.coder_names.items() if is_model_coder(name)]
        if coders is None:
            # every coder but the models (suggestions); None = all, the fast path
            self.coder_ids: list[str] | None = None if not models else [
                cid for cid in self.coder_names if cid not in models]
        else:
            self.coder_ids = [project.require_coder(name).id for name in coders]
        self.who = "all coders" if coders is None else ", ".join(coders)

    def labels(self, scheme: str) -> list[Label]:
        return self.codebook.scheme(scheme)  # type: ignore[arg-type]


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise OperationError(f"unknown {what} {value!r} (choose from {', '.join(allowed)})")


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


# -- frequencies --------------------------------------------------------------------------
def frequencies(project: Any, *, coders: list[str] | None = None, by: str | None = None,
                schemes: tuple[str, ...] = SCHEME_NAMES) -> Result:
    """Per coder (and per document or variable value with ``by``) and label: passages,
    characters (sum of passage lengths; overlapping passages each count) and documents."""
    if by is not None:
        _check(by, FREQUENCY_GROUPS, "grouping")
    ctx = _Context(project, coders)
    titles = {}
    if by == "document":
        titles = {d.id: d.title for d in ctx.q.document_infos()}
    keyed: list[tuple[Any, list[Any]]] = []
    for k, scheme in enumerate(schemes):
        order = {lb.id: (lb.order, lb.name) for lb in ctx.labels(scheme)}
        names = {lb.id: lb.name for lb in ctx.labels(scheme)}
        found = ctx.tq.label_frequencies(scheme, ctx.coder_ids, by)
        for coder_id, group, label_id, passages, chars, docs in found:
            group_text = titles.get(group, group) if by == "document" else group
            key = (ctx.coder_names.get(coder_id, coder_id), "" if group is None else str(group),
                   k, order.get(label_id, (1 << 30, "")))
            row = [ctx.coder_names.get(coder_id, coder_id)]
            if by == "document":
                row += [group, group_text]
            elif by is not None:
                row.append(MISSING if group is None else group)
            row += [scheme, names.get(label_id, label_id), passages, chars, docs]
            keyed.append((key, row))
    rows = [row for _, row in sorted(keyed, key=lambda kr: kr[0])]
    columns = ["coder"]
    columns += ["document_id", "document"] if by == "document" else ([by] if by else [])
    columns += ["scheme", "label", "passages", "characters", "documents"]
    title = f"Label frequencies per coder{f' and {by}' if by else ''} ({ctx.who})"
    return Result("frequencies", title, "passages, characters, documents",
                  [Table("frequencies", title, columns, rows)],
                  data={"by": by, "coders": coders})


# -- crosstabs ----------------------------------------------------------------------------
def _crosstab_result(kind: str, title: str, unit: str, row_name: str, row_labels: list[str],
                     col_name: str, col_labels: list[str], counts: list[list[int]],
                     warnings: list[str], multiple: str | None) -> Result:
    row_tot = [sum(r) for r in counts]
    col_tot = [sum(r[j] for r in counts) for j in range(len(col_labels))]
    total = sum(row_tot)
    head = [row_name, *col_labels, "Total"]
    count_rows = [[lab, *r, t] for lab, r, t in zip(row_labels, counts, row_tot)]
    count_rows.append(["Total", *col_tot, total])
    row_pct = [[lab, *[_pct(c, t) for c in r], _pct(t, t)]
               for lab, r, t in zip(row_labels, counts, row_tot)]
    row_pct.append(["Total", *[_pct(c, total) for c in col_tot], _pct(total, total)])
    col_pct = [[lab, *[_pct(c, ct) for c, ct in zip(r, col_tot)], _pct(t, total)]
               for lab, r, t in zip(row_labels, counts, row_tot)]
    col_pct.append(["Total", *[_pct(c, c) for c in col_tot], _pct(total, total)])
    test = chi_square_test(counts)
    warnings = list(warnings) + test.pop("warnings")
    if multiple:
        warnings.append(multiple)
    stats = {k: test[k] for k in ("n", "chi2", "df", "p", "cramers_v")}
    stat_rows = [[k, v] for k, v in stats.items()]
    tables = [Table("counts", f"{title}: counts ({unit})", head, count_rows),
              Table("row_percent", f"{title}: row %", head, row_pct),
              Table("column_percent", f"{title}: column %", head, col_pct),
              Table("statistics", f"{title}: Pearson chi-square", ["statistic", "value"],
                    stat_rows)]
    data = {"row_variable": row_name, "column_variable": col_name, "rows": row_labels,
            "columns": col_labels, "counts": counts, "row_totals": row_tot,
            "column_totals": col_tot, "total": total, "expected": test["expected"]}
    return Result(kind, title, unit, tables, stats, warnings, data)


_MULTIPLE = ("multiple response: a {what} can count in several rows, so the cells are not "
             "independent observations and chi-square/Cramér's V are only indicative")


def crosstab(project: Any, *, labels: str = "stance", by: str = "outlet",
             coders: list[str] | None = None, unit: str = "passages") -> Result:
    """A label set (stance or themes) × a document variable, or stance × themes when one of
    ``labels``/``by`` is "stance" and the other "themes"."""
    _check(labels, SCHEME_NAMES, "label set")
    _check(by, (*VARIABLES, *SCHEME_NAMES), "variable")
    _check(unit, UNITS, "unit")
    ctx = _Context(project, coders)
    docs = unit == "documents"
    if by in SCHEME_NAMES:
        if by == labels:
            raise OperationError(f"cannot cross {labels} with itself")
        return _stance_by_theme(ctx, unit, transpose=labels == "themes")
    row_labels = ctx.labels(labels)
    index = {lb.id: i for i, lb in enumerate(row_labels)}
    found = ctx.tq.label_by_variable(labels, by, ctx.coder_ids, docs)
    values = sorted({v for _, v, _ in found if v is not None}, key=str)
    col = {v: j for j, v in enumerate(values)}
    counts = [[0] * len(values) for _ in row_labels]
    missing = 0
    for label_id, value, n in found:
        if value is None:
            missing += n
        elif label_id in index:
            counts[index[label_id]][col[value]] += n
    warnings = [f"{missing} {unit if missing != 1 else unit[:-1]} with no {by} left out"
                ] if missing else []
    multiple = None
    if labels == "themes":
        multiple = _MULTIPLE.format(what="passage" if not docs else "document")
    elif docs:
        multiple = _MULTIPLE.format(what="document (one per stance it has)")
    title = f"{labels} by {by} ({ctx.who})"
    return _crosstab_result("crosstab", title, unit, labels, [lb.name for lb in row_labels],
                            by, [str(v) for v in values], counts, warnings, multiple)


def _stance_by_theme(ctx: _Context, unit: str, transpose: bool) -> Result:
    stances, themes = ctx.labels("stance"), ctx.labels("themes")
    si = {lb.id: i for i, lb in enumerate(stances)}
    ti = {lb.id: j for j, lb in enumerate(themes)}
    counts = [[0] * len(themes) for _ in stances]
    for stance_id, theme_id, n in ctx.tq.stance_by_theme(ctx.coder_ids, unit == "documents"):
        if stance_id in si and theme_id in ti:
            counts[si[stance_id]][ti[theme_id]] += n
    rows, cols = [lb.name for lb in stances], [lb.name for lb in themes]
    row_name, col_name = "stance", "themes"
    if transpose:
        counts = [list(c) for c in zip(*counts)] if counts else []
        rows, cols, row_name, col_name = cols, rows, col_name, row_name
    multiple = _MULTIPLE.format(what="passage with several themes")
    title = f"{row_name} by {col_name} ({ctx.who}; passages with both)"
    return _crosstab_result("crosstab", title, unit, row_name, rows, col_name, cols, counts,
                            [], multiple)


# -- co-occurrence ------------------------------------------------------------------------
COOCCURRENCE_MODES = ("passage", "overlap", "document")


def cooccurrence(project: Any, *, mode: str = "passage",
                 coders: list[str] | None = None) -> Result:
    """Theme × theme: how many units carry both themes (diagonal: units with the theme) and
    the Jaccard index n(a∧b) / n(a∨b). Units: ``passage`` = one annotation; ``overlap`` = a
    cluster of one coder's themed passages in one document that overlap each other (directly
    or through a chain), carrying every theme of its passages; ``document`` = one coder's
    themed passages in one document. Every unit belongs to one coder."""
    _check(mode, COOCCURRENCE_MODES, "mode")
    ctx = _Context(project, coders)
    themes = ctx.labels("themes")
    ids = [lb.id for lb in themes]
    if mode == "passage":
        single = {i: 0 for i in ids}
        for _, _, label_id, passages, _, _ in ctx.tq.label_frequencies("themes", ctx.coder_ids):
            if label_id in single:
                single[label_id] += passages
        pairs = {(a, b): n for a, b, n in ctx.tq.theme_pairs_in_passages(ctx.coder_ids)}
        both = [[single[a] if a == b else pairs.get((a, b), 0) for b in ids] for a in ids]
    else:
        rows = ctx.tq.themed_passages(ctx.coder_ids)
        units = cluster_units(rows) if mode == "overlap" else document_units(rows)
        both = unit_matrix(units, ids)
    jaccard = [[(both[i][j] / (both[i][i] + both[j][j] - both[i][j])
                 if both[i][i] + both[j][j] - both[i][j] else None)
                for j in range(len(ids))] for i in range(len(ids))]
    names = [lb.name for lb in themes]
    unit = {"passage": "passages", "overlap": "clusters of overlapping passages (per coder)",
            "document": "documents (per coder)"}[mode]
    title = f"Theme co-occurrence, same {mode} ({ctx.who})"
    tables = [Table("counts", f"{title}: counts ({unit})", ["theme", *names],
                    [[n, *r] for n, r in zip(names, both)]),
              Table("jaccard", f"{title}: Jaccard", ["theme", *names],
                    [[n, *r] for n, r in zip(names, jaccard)])]
    return Result("cooccurrence", title, unit, tables,
                  data={"mode": mode, "themes": names, "counts": both, "jaccard": jaccard})


# -- timeline -----------------------------------------------------------------------------
def timeline(project: Any, *, coders: list[str] | None = None,
             unit: str = "passages") -> Result:
    """Stance share by month per outlet: for each (outlet, month), how many stance passages
    (or documents) and the percentage carrying each stance."""
    _check(unit, UNITS, "unit")
    ctx = _Context(project, coders)
    stances = ctx.labels("stance")
    index = {lb.id: i for i, lb in enumerate(stances)}
    cells: dict[tuple[str, str], list[int]] = {}
    missing = 0
    for outlet, month, label_id, n in ctx.tq.stance_timeline(ctx.coder_ids,
                                                             unit == "documents"):
        if outlet is None or month is None:
            missing += n
        elif label_id in index:
            cells.setdefault((outlet, month), [0] * len(stances))[index[label_id]] += n
    rows = []
    for (outlet, month), counts in sorted(cells.items()):
        total = sum(counts)
        rows.append([outlet, month, total, *[_pct(c, total) for c in counts]])
    warnings = [f"{missing} {unit} with no outlet or no ISO date left out"] if missing else []
    if unit == "documents":
        warnings.append("a document with several stances counts once under each of them "
                        "(n counts such a document more than once)")
    title = f"Stance share (%) by month per outlet ({ctx.who})"
    columns = ["outlet", "month", "n", *[lb.name for lb in stances]]
    return Result("timeline", title, unit, [Table("timeline", title, columns, rows)],
                  warnings=warnings,
                  data={"stances": [lb.name for lb in stances],
                        "series": [{"outlet": o, "month": m, "counts": c}
                                   for (o, m), c in sorted(cells.items())]})
