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

import numpy as np

from ..document_sets import document_sets
from ..errors import OperationError
from ..models import Label, is_model_coder
from ..store.table_queries import VARIABLES, TableQueries
from .table_facts import aggregate, facts_for
from .tables_cooccurrence import cluster_units, unit_matrix
from .tables_groups import grouping, set_mask
from .tables_stats import chi_square_test

UNITS = ("passages", "documents")
SCHEME_NAMES = ("stance", "themes")
FREQUENCY_GROUPS = ("document", "set", *VARIABLES)  # and every custom variable
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
    """The selection every table works on: coders, an optional document set, and the
    project's coding as arrays (table_facts). detail=False: the tables to come need only
    counts per (document, coder, label), so units() gives those (``n`` passages each)."""

    def __init__(self, project: Any, coders: list[str] | None,
                 set_name: str | None = None, *, themes: bool = True,
                 detail: bool = True, totals: bool = False, lengths: bool = True) -> None:
        self.project = project
        self.q = project.q
        self.codebook = self.q.codebook()
        self.detail = detail
        self.facts = facts_for(project, themes=themes, detail=detail, totals=totals,
                               lengths=lengths)
        self.coder_names = {c.id: c.name for c in self.q.coders()}
        code_of = {cid: i for i, cid in enumerate(self.facts.coder_ids)}
        self.coder_ok: np.ndarray | None = None
        if coders is not None:
            wanted = [code_of.get(_require_coder(self.q, name).id, -1) for name in coders]
        else:  # every coder but the models (suggestions); None = all, the fast path
            wanted = [code_of[cid] for cid, name in self.coder_names.items()
                      if not is_model_coder(name) and cid in code_of]
            if len(wanted) == len(code_of):
                wanted = None
        if wanted is not None:
            self.coder_ok = np.isin(np.arange(len(self.facts.coder_ids)), wanted)
        self.doc_ok = set_mask(project, self.facts, set_name)
        self.set_name = set_name
        # label name -> codebook colour, carried in every result for the charts
        self.colors = {lb.name: lb.color for lb in self.codebook.labels}
        self.who = "all coders" if coders is None else ", ".join(coders)
        if set_name is not None:
            self.who += f"; set {set_name}"

    def labels(self, scheme: str) -> list[Label]:
        return self.codebook.scheme(scheme)  # type: ignore[arg-type]

    def label_codes(self, scheme: str) -> tuple[np.ndarray, list[Label]]:
        """Per label code of the project: its position in the scheme's list, or -1."""
        labels = self.labels(scheme)
        where = {lb.id: i for i, lb in enumerate(labels)}
        return (np.array([where.get(lid, -1) for lid in self.facts.label_ids],
                         dtype=np.int64), labels)

    def units(self, scheme: str, doc_ok: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The selected labelled passages of a scheme as arrays: doc, coder, label (position in
        the scheme), length, ann, stance (the passage's stance position, -1 for none), n (1);
        without detail, per (document, coder, label): doc, coder, label, n (passages),
        length (their characters)."""
        every = self.facts.passages(scheme) if self.detail else self.facts.summary(scheme)
        pos, _ = self.label_codes(scheme)
        stance_pos, _ = self.label_codes("stance")
        keep = None
        if self.coder_ok is not None:
            keep = self.coder_ok[every["coder"]]
        for mask in (self.doc_ok, doc_ok):
            if mask is not None:
                inside = mask[every["doc"]]
                keep = inside if keep is None else keep & inside
        out = every if keep is None else {k: v[keep] for k, v in every.items()}
        label = pos[out["label"]] if len(out["label"]) else out["label"]
        sel = label >= 0
        if not sel.all():
            out = {k: v[sel] for k, v in out.items()}
            label = label[sel]
        if "stance" not in out:
            return {**out, "label": label}
        stance = out["stance"]
        stance = np.where(stance >= 0, stance_pos[stance] if len(stance) else stance, -1)
        return {**out, "label": label, "stance": stance}


def _require_coder(q: Any, name: str) -> Any:
    coder = q.coder_by_name(name)
    if coder is None:
        known = ", ".join(c.name for c in q.coders()) or "none"
        raise OperationError(f"no coder named {name!r} (coders: {known})")
    return coder


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise OperationError(f"unknown {what} {value!r} (choose from {', '.join(allowed)})")


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


# -- frequencies --------------------------------------------------------------------------
def _frequency_rows(ctx: _Context, scheme: str, by: str | None,
                    doc_ok: np.ndarray | None = None) -> list[tuple[Any, ...]]:
    """(coder id, group position, group value, label position, passages, characters,
    documents); group position -1 = missing value."""
    f = ctx.facts
    if by is None and doc_ok is None and ctx.doc_ok is None and scheme in f.totals:
        pos, _ = ctx.label_codes(scheme)  # per coder and label, as the triggers keep them
        return [(f.coder_ids[c], 0, None, int(pos[lab]), n, chars, docs)
                for c, lab, n, chars, docs in f.totals[scheme]
                if pos[lab] >= 0 and (ctx.coder_ok is None or ctx.coder_ok[c])]
    u = ctx.units(scheme, doc_ok)
    if by is None or by == "set":
        group, size, values = np.zeros(len(u["doc"]), dtype=np.int64), 1, [None]
    elif by == "document":
        group, size, values = u["doc"], f.n_docs, f.doc_ids
    else:
        g = grouping(ctx.project, f, by)
        group, size, values = g.of_document[u["doc"]] + 1, g.size + 1, [None, *g.labels]
    found = aggregate([(u["coder"], len(f.coder_ids)), (group, size),
                       (u["label"], len(ctx.labels(scheme)))],
                      weights=u["length"], documents=u["doc"], n_docs=f.n_docs, counts=u["n"])
    shift = 1 if by not in (None, "set", "document") else 0
    return [(f.coder_ids[c], g - shift, values[g], lab, n, chars, docs)
            for c, g, lab, n, chars, docs in found.rows()]


def frequencies(project: Any, *, coders: list[str] | None = None, by: str | None = None,
                schemes: tuple[str, ...] = SCHEME_NAMES, set_name: str | None = None) -> Result:
    """Per coder (and per document, document set or variable value with ``by``) and label:
    passages, characters (sum of passage lengths; overlapping passages each count) and
    documents. ``by="set"`` gives one block per document set (a document in two sets counts
    in both; documents in no set are not shown); ``set_name`` restricts to one set."""
    ctx = _Context(project, coders, set_name, themes="themes" in schemes, detail=False,
                   totals=by is None and set_name is None)
    if by is not None and by not in FREQUENCY_GROUPS:
        grouping(project, ctx.facts, by)  # refuses an unknown name with the choices
    titles = dict(zip(ctx.facts.doc_ids, ctx.facts.doc_titles)) if by == "document" else {}
    blocks: list[tuple[int, str | None, np.ndarray | None]] = [(0, None, None)]
    if by == "set":
        sets = document_sets(project)
        blocks = [(i, s.name, set_mask(project, ctx.facts, s.name) if s.size else
                   np.zeros(ctx.facts.n_docs, dtype=bool)) for i, s in enumerate(sets)]
    keyed: list[tuple[Any, list[Any]]] = []
    for k, scheme in enumerate(schemes):
        labels = ctx.labels(scheme)
        for block, set_label, mask in blocks:
            for coder_id, pos, group, lab, passages, chars, docs in _frequency_rows(
                    ctx, scheme, by, mask):
                name = ctx.coder_names.get(coder_id, coder_id)
                row = [name]
                if by == "document":
                    row += [group, titles.get(group, group)]
                    where: Any = str(group)
                elif by == "set":
                    row.append(set_label)
                    where = block
                elif by is not None:
                    row.append(MISSING if pos < 0 else group)
                    where = pos
                else:
                    where = ""
                row += [scheme, labels[lab].name, passages, chars, docs]
                keyed.append(((name, where, k, (labels[lab].order, labels[lab].name)), row))
    rows = [row for _, row in sorted(keyed, key=lambda kr: kr[0])]
    columns = ["coder"]
    columns += ["document_id", "document"] if by == "document" else ([by] if by else [])
    columns += ["scheme", "label", "passages", "characters", "documents"]
    title = f"Label frequencies per coder{f' and {by}' if by else ''} ({ctx.who})"
    return Result("frequencies", title, "passages, characters, documents",
                  [Table("frequencies", title, columns, rows)],
                  data={"by": by, "coders": coders, "set": set_name,
                        "schemes": list(schemes), "colors": ctx.colors})


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


def _multiple_response(labels: str, documents: bool) -> str | None:
    """The warning of a crosstab whose unit can count in several rows, or None."""
    if labels == "themes":
        return _MULTIPLE.format(what="document" if documents else "passage")
    if documents:
        return _MULTIPLE.format(what="document (one per stance it has)")
    return None


def crosstab(project: Any, *, labels: str = "stance", by: str = "outlet",
             coders: list[str] | None = None, unit: str = "passages",
             set_name: str | None = None) -> Result:
    """A label set (stance or themes) × a document variable (built-in or custom), or stance ×
    themes when one of ``labels``/``by`` is "stance" and the other "themes"."""
    _check(labels, SCHEME_NAMES, "label set")
    _check(unit, UNITS, "unit")
    ctx = _Context(project, coders, set_name, themes="themes" in (labels, by),
                   detail=by in SCHEME_NAMES, lengths=False)
    docs = unit == "documents"
    if by in SCHEME_NAMES:
        if by == labels:
            raise OperationError(f"cannot cross {labels} with itself")
        return _stance_by_theme(ctx, unit, transpose=labels == "themes")
    if by == "set":
        return _labels_by_set(ctx, labels, unit)
    groups = grouping(project, ctx.facts, by)
    row_labels = ctx.labels(labels)
    u = ctx.units(labels)
    found = aggregate([(u["label"], len(row_labels)), (groups.of_document[u["doc"]] + 1,
                                                       groups.size + 1)],
                      documents=u["doc"], n_docs=ctx.facts.n_docs, counts=u["n"])
    present = sorted({g - 1 for g in found.keys[1].tolist() if g > 0})
    col = {g: j for j, g in enumerate(present)}
    counts = [[0] * len(present) for _ in row_labels]
    missing = 0
    for lab, g, n, distinct in found.rows():
        n = distinct if docs else n
        if g == 0:
            missing += n
        else:
            counts[lab][col[g - 1]] += n
    warnings = [f"{missing} {unit if missing != 1 else unit[:-1]} with no {by} left out"
                ] if missing else []
    multiple = _multiple_response(labels, docs)
    title = f"{labels} by {groups.name} ({ctx.who})"
    result = _crosstab_result("crosstab", title, unit, labels, [lb.name for lb in row_labels],
                              groups.name, [str(groups.labels[g]) for g in present], counts,
                              warnings, multiple)
    result.data["colors"] = ctx.colors
    return result


_OVERLAPPING_SETS = ("overlapping sets: {n} document(s) are in more than one set and count in "
                     "each, so the columns are not independent samples and chi-square/Cramér's "
                     "V are only indicative")


def _labels_by_set(ctx: _Context, labels: str, unit: str) -> Result:
    """Labels × document sets: one column per set that has documents. A document in two sets
    counts in both columns (said in a warning: chi-square assumes disjoint columns); passages
    of documents in no set are left out (also said)."""
    sets = [s for s in document_sets(ctx.project) if s.size]
    if not sets:
        raise OperationError("no document set has documents yet (see: set create)")
    masks = [set_mask(ctx.project, ctx.facts, s.name) for s in sets]
    row_labels = ctx.labels(labels)
    docs = unit == "documents"
    counts = [[0] * len(sets) for _ in row_labels]
    for j, mask in enumerate(masks):
        u = ctx.units(labels, mask)
        found = aggregate([(u["label"], len(row_labels))], documents=u["doc"],
                          n_docs=ctx.facts.n_docs, counts=u["n"])
        for lab, n, distinct in found.rows():
            counts[lab][j] += distinct if docs else n
    in_sets = np.sum(masks, axis=0)
    warnings = []
    outside = ctx.units(labels, in_sets == 0)
    if len(outside["doc"]):
        n_out = (len(set(outside["doc"].tolist())) if docs else int(outside["n"].sum()))
        warnings.append(f"{n_out} {unit if n_out != 1 else unit[:-1]} of documents in no set "
                        "left out")
    shared = int((in_sets > 1).sum()) if ctx.doc_ok is None else int(
        ((in_sets > 1) & ctx.doc_ok).sum())
    if shared:
        warnings.append(_OVERLAPPING_SETS.format(n=shared))
    multiple = _multiple_response(labels, docs)
    title = f"{labels} by document set ({ctx.who})"
    result = _crosstab_result("crosstab", title, unit, labels, [lb.name for lb in row_labels],
                              "set", [s.name for s in sets], counts, warnings, multiple)
    result.data["colors"] = ctx.colors
    return result


def _stance_by_theme(ctx: _Context, unit: str, transpose: bool) -> Result:
    stances, themes = ctx.labels("stance"), ctx.labels("themes")
    u = ctx.units("themes")
    both = u["stance"] >= 0
    found = aggregate([(u["stance"][both], len(stances)), (u["label"][both], len(themes))],
                      documents=u["doc"][both], n_docs=ctx.facts.n_docs)
    counts = [[0] * len(themes) for _ in stances]
    for si, ti, n, distinct in found.rows():
        counts[si][ti] += distinct if unit == "documents" else n
    rows, cols = [lb.name for lb in stances], [lb.name for lb in themes]
    row_name, col_name = "stance", "themes"
    if transpose:
        counts = [list(c) for c in zip(*counts)] if counts else []
        rows, cols, row_name, col_name = cols, rows, col_name, row_name
    multiple = _MULTIPLE.format(what="passage with several themes")
    title = f"{row_name} by {col_name} ({ctx.who}; passages with both)"
    result = _crosstab_result("crosstab", title, unit, row_name, rows, col_name, cols, counts,
                              [], multiple)
    result.data["colors"] = ctx.colors
    return result


# -- co-occurrence ------------------------------------------------------------------------
COOCCURRENCE_MODES = ("passage", "overlap", "document")


def _units_by_key(key: np.ndarray, theme: np.ndarray, n_themes: int) -> list[list[int]]:
    """Theme × theme counts of units, a unit being the set of themes of one ``key`` value:
    each unit as a bit mask of its themes, then each distinct mask counted once."""
    matrix = [[0] * n_themes for _ in range(n_themes)]
    if not len(key):
        return matrix
    _, unit = np.unique(key, return_inverse=True)
    unit = unit.reshape(-1)
    if n_themes <= 62:
        masks = np.zeros(int(unit.max()) + 1, dtype=np.int64)
        np.bitwise_or.at(masks, unit, np.left_shift(np.int64(1), theme))
        distinct, count = np.unique(masks, return_counts=True)
        combos = [([t for t in range(n_themes) if (int(m) >> t) & 1], int(c))
                  for m, c in zip(distinct.tolist(), count.tolist())]
    else:  # too many themes for a 64-bit mask: sets of themes
        sets: dict[int, set[int]] = {}
        for u_, t in zip(unit.tolist(), theme.tolist()):
            sets.setdefault(u_, set()).add(t)
        combos = [(sorted(v), 1) for v in sets.values()]
    for present, c in combos:
        for i in present:
            for j in present:
                matrix[i][j] += c
    return matrix


def cooccurrence(project: Any, *, mode: str = "passage", coders: list[str] | None = None,
                 set_name: str | None = None) -> Result:
    """Theme × theme: how many units carry both themes (diagonal: units with the theme) and
    the Jaccard index n(a∧b) / n(a∨b). Units: ``passage`` = one annotation; ``overlap`` = a
    cluster of one coder's themed passages in one document that overlap each other (directly
    or through a chain), carrying every theme of its passages; ``document`` = one coder's
    themed passages in one document. Every unit belongs to one coder."""
    _check(mode, COOCCURRENCE_MODES, "mode")
    ctx = _Context(project, coders, set_name, themes=mode != "overlap")
    themes = ctx.labels("themes")
    ids = [lb.id for lb in themes]
    if mode == "overlap":
        coder_ids = None if ctx.coder_ok is None else [
            cid for cid, ok in zip(ctx.facts.coder_ids, ctx.coder_ok) if ok]
        rows = TableQueries(project.store.db).themed_passages(coder_ids)
        if ctx.doc_ok is not None:
            inside = {d for d, ok in zip(ctx.facts.doc_ids, ctx.doc_ok) if ok}
            rows = (r for r in rows if r[0] in inside)
        both = unit_matrix(cluster_units(rows), ids)
    else:
        u = ctx.units("themes")
        key = u["ann"] if mode == "passage" else u["doc"] * len(ctx.facts.coder_ids) + u["coder"]
        both = _units_by_key(key, u["label"], len(themes))
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
                  data={"mode": mode, "themes": names, "counts": both, "jaccard": jaccard,
                        "colors": ctx.colors})


# -- timeline -----------------------------------------------------------------------------
def timeline(project: Any, *, coders: list[str] | None = None, unit: str = "passages",
             by: str = "outlet", set_name: str | None = None) -> Result:
    """Stance share by month per outlet (or per value of another variable ``by``): for each
    (value, month), how many stance passages (or documents) and the percentage carrying
    each stance."""
    _check(unit, UNITS, "unit")
    ctx = _Context(project, coders, set_name, themes=False, detail=False, lengths=False)
    stances = ctx.labels("stance")
    series = grouping(project, ctx.facts, by)
    months = grouping(project, ctx.facts, "month")
    u = ctx.units("stance")
    found = aggregate([(series.of_document[u["doc"]] + 1, series.size + 1),
                       (months.of_document[u["doc"]] + 1, months.size + 1),
                       (u["label"], len(stances))], documents=u["doc"], n_docs=ctx.facts.n_docs,
                      counts=u["n"])
    cells: dict[tuple[int, int], list[int]] = {}
    missing = 0
    for s_, m_, lab, n, distinct in found.rows():
        n = distinct if unit == "documents" else n
        if s_ == 0 or m_ == 0:
            missing += n
        else:
            cells.setdefault((s_ - 1, m_ - 1), [0] * len(stances))[lab] += n
    rows, data_series = [], []
    for (s_, m_), counts in sorted(cells.items()):
        total = sum(counts)
        name, month = series.labels[s_], months.labels[m_]
        rows.append([name, month, total, *[_pct(c, total) for c in counts]])
        data_series.append({by: name, "month": month, "counts": counts})
    warnings = [f"{missing} {unit} with no {by} or no ISO date left out"] if missing else []
    if unit == "documents":
        warnings.append("a document with several stances counts once under each of them "
                        "(n counts such a document more than once)")
    title = f"Stance share (%) by month per {series.name} ({ctx.who})"
    columns = [by, "month", "n", *[lb.name for lb in stances]]
    return Result("timeline", title, unit, [Table("timeline", title, columns, rows)],
                  warnings=warnings,
                  data={"by": by, "stances": [lb.name for lb in stances],
                        "series": data_series, "colors": ctx.colors})
