"""The wide data matrix of a project, for statistics packages (issue 12, "analysis exports").

One row per document (per coder, or for one coder such as ``gold``) or one row per passage
(annotation). Columns are described by :class:`Column` — a readable key (the CSV/XLSX header),
a full label, a kind and, for coded columns, value labels — so every writer (CSV, XLSX, SPSS,
Stata, the codebook sheet) describes the same matrix the same way. Headless: reads through
``project.q`` inside one read transaction; no Qt, no SQL.

Coding of values:
- ``stance``: the stance label's position in the codebook, 1..k (codebook order); no stance is
  missing. CSV/XLSX show the label name, SPSS/Stata the number with value labels.
- ``binary``: a theme, 0 = absent, 1 = present.
- document variables (``desk_annotator.variables`` when present, else the built-in metadata
  author, outlet, date, url, language): number variables numeric, category variables coded
  1..k in their defined order with value labels, the rest text.
- document rows: ``passages`` counts the coder's passages in the document, ``stance n: X`` the
  passages with stance X, ``stance share: X`` that count over the passages with any stance
  (missing when none has one), ``majority stance`` the stance most passages have (missing when
  none has one or two stances tie), ``theme: X`` 1 when any passage has theme X, ``theme n: X``
  how many passages have it, ``coded`` 1 when the coder has coded the document (an annotation
  there or status done; DESIGN §3: not coded is missing, not "nothing found").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import DeskAnnotatorError
from ..models import GOLD_CODER, is_model_coder

Kind = Literal["text", "integer", "number", "binary", "stance", "category"]
CODED_KINDS = ("stance", "category")  # numbers 1..k with value labels; CSV/XLSX show names
Rows = Literal["documents", "passages"]
BUILTIN_VARIABLES = ("author", "outlet", "date", "url", "language")
BINARY_VALUES = {0: "absent", 1: "present"}
NO_YES = {0: "no", 1: "yes"}


@dataclass
class Column:
    key: str  # the CSV/XLSX header, readable
    label: str  # the full description (SPSS/Stata variable label)
    kind: Kind
    values: dict[int, str] | None = None  # value labels of coded columns


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    rows_kind: Rows = "documents"

    def display_rows(self) -> list[list[Any]]:
        """Rows as CSV/XLSX show them: stance codes as label names, missing as empty."""
        stance_cols = [i for i, c in enumerate(self.columns) if c.kind in CODED_KINDS]
        out = []
        for row in self.rows:
            shown = ["" if v is None else v for v in row]
            for i in stance_cols:
                code = row[i]
                shown[i] = "" if code is None else (self.columns[i].values or {}).get(code, code)
            out.append(shown)
        return out


FIXED_KEYS = {"annotation_id", "document_id", "title", "coder", "coded", "start", "end",
              "quote", "note", "stance", "passages", "majority stance"}


@dataclass
class _Variable:
    key: str
    label: str
    kind: Kind
    values: dict[int, str] | None = None

    def cell(self, value: Any) -> Any:
        if value is None or value == "":
            return "" if self.kind == "text" else None
        if self.kind == "category":
            return next((k for k, v in (self.values or {}).items() if v == value), None)
        return value


def _variables(project: Any) -> tuple[list[_Variable], dict[str, dict[str, Any]]]:
    """The document variables and their values by document id: every variable of
    ``desk_annotator.variables`` when that module is there, else the built-in metadata."""
    try:
        from .. import variables as dv
    except ImportError:
        dv = None
    if dv is None or not hasattr(dv, "variable_table"):
        columns = [_Variable(key, f"Document {key}", "text") for key in BUILTIN_VARIABLES]
        values = {d.id: dict(d.metadata) for d in project.q.document_infos()}
        return columns, values
    columns = []
    names: dict[str, str] = {}  # column key -> variable name
    for var in dv.all_variables(project):
        key = var.name if var.name not in FIXED_KEYS else f"variable: {var.name}"
        names[key] = var.name
        label = f"Document {var.name}" if var.builtin else f"Variable: {var.name} ({var.type})"
        if var.type == "number":
            columns.append(_Variable(key, label, "number"))
        elif var.type == "category":
            columns.append(_Variable(key, label, "category",
                                     {i + 1: c for i, c in enumerate(var.categories)}))
        else:
            columns.append(_Variable(key, label, "text"))
    values = {}
    for doc_id, row in dv.variable_table(project, typed_values=True):
        values[doc_id] = {key: row.get(name) for key, name in names.items()}
    return columns, values


def _unique_key(key: str, taken: set[str]) -> str:
    base, n = key, 2
    while key in taken:
        key, n = f"{base} ({n})", n + 1
    taken.add(key)
    return key


def build_matrix(project: Any, rows: Rows = "documents", coder: str | None = None,
                 set_name: str | None = None) -> Matrix:
    """The matrix of ``project``; ``coder`` (a coder's name, e.g. ``gold``) restricts it to
    that coder's coding, else every coder's (a ``coder`` column tells them apart);
    ``set_name`` to the documents of that document set (an empty set is refused)."""
    if rows not in ("documents", "passages"):
        raise DeskAnnotatorError(f"unknown rows {rows!r}: use documents or passages")
    q = project.q
    with project.reading():
        if coder == GOLD_CODER and q.coder_by_name(GOLD_CODER) is None:
            raise DeskAnnotatorError("no gold layer yet: adjudicate the coders' work first")
        if coder is not None:
            coders = [project.require_coder(coder)]
        else:  # every coder but the models (suggestions)
            coders = [c for c in q.coders() if not is_model_coder(c.name)]
        codebook = q.codebook()
        if set_name is None:
            docs = q.document_infos()
        else:
            from ..document_sets import restrict_to_set
            docs = q.document_infos(restrict_to_set(project, set_name, None))
        kept = {d.id for d in docs}
        coder_ids = [c.id for c in coders]
        anns = [a for a in q.annotations(coder_ids=coder_ids)
                if a.document_id in kept] if coder_ids else []
        done = {(s.document_id, s.coder_id) for s in q.statuses() if s.status == "done"}
        variables, var_values = _variables(project)
    stances, themes = codebook.stance, codebook.themes
    stance_code = {lb.id: i + 1 for i, lb in enumerate(stances)}
    stance_values = {i + 1: lb.name for i, lb in enumerate(stances)}
    names = {c.id: c.name for c in coders}
    taken: set[str] = set()

    def col(key: str, label: str, kind: Kind, values: dict[int, str] | None = None) -> Column:
        return Column(_unique_key(key, taken), label, kind, values)

    doc_by_id = {d.id: d for d in docs}
    if rows == "passages":
        columns = [col("annotation_id", "Passage (annotation) id", "text"),
                   col("document_id", "Document id", "text"),
                   col("title", "Document title", "text"),
                   col("coder", "Coder", "text"),
                   col("start", "Start offset (code points)", "integer"),
                   col("end", "End offset (code points, exclusive)", "integer"),
                   col("quote", "Coded text", "text"),
                   col("note", "Note", "text"),
                   col("stance", "Stance of the passage", "stance", stance_values)]
        columns += [col(f"theme: {t.name}", f"Theme: {t.name}", "binary", BINARY_VALUES)
                    for t in themes]
        columns += [col(v.key, v.label, v.kind, v.values) for v in variables]
        order = {d.id: i for i, d in enumerate(docs)}
        matrix = Matrix(columns, rows_kind="passages")
        for a in sorted(anns, key=lambda a: (order.get(a.document_id, 0), a.start, a.end,
                                             names.get(a.coder_id, ""), a.created)):
            doc = doc_by_id.get(a.document_id)
            if doc is None:
                continue
            used = set(a.theme_ids)
            matrix.rows.append(
                [a.id, doc.id, doc.title, names.get(a.coder_id, ""), a.start, a.end, a.quote,
                 a.note or "", stance_code.get(a.stance_id) if a.stance_id else None]
                + [int(t.id in used) for t in themes]
                + [v.cell(var_values.get(doc.id, {}).get(v.key)) for v in variables])
        return matrix

    columns = [col("document_id", "Document id", "text"),
               col("title", "Document title", "text"),
               col("coder", "Coder", "text"),
               col("coded", "Coded by the coder (an annotation there or status done)", "binary",
                   NO_YES)]
    columns += [col(v.key, v.label, v.kind, v.values) for v in variables]
    columns.append(col("passages", "Number of coded passages", "integer"))
    columns += [col(f"stance n: {s.name}", f"Passages with stance: {s.name}", "integer")
                for s in stances]
    columns += [col(f"stance share: {s.name}",
                    f"Share of passages with a stance that have stance: {s.name}", "number")
                for s in stances]
    columns.append(col("majority stance", "Stance most passages have (missing on a tie)",
                       "stance", stance_values))
    columns += [col(f"theme: {t.name}", f"Theme used in the document: {t.name}", "binary",
                    BINARY_VALUES) for t in themes]
    columns += [col(f"theme n: {t.name}", f"Passages with theme: {t.name}", "integer")
                for t in themes]
    by_pair: dict[tuple[str, str], list[Any]] = {}
    for a in anns:
        by_pair.setdefault((a.document_id, a.coder_id), []).append(a)
    matrix = Matrix(columns, rows_kind="documents")
    for doc in docs:
        for c in coders:
            mine = by_pair.get((doc.id, c.id), [])
            coded = bool(mine) or (doc.id, c.id) in done
            if not coded and coder is None:
                continue  # every coder: only the documents each has coded
            cells = [v.cell(var_values.get(doc.id, {}).get(v.key)) for v in variables]
            matrix.rows.append(_document_row(doc, c.name, coded, mine, cells, stances,
                                             themes, stance_code))
    return matrix


def _document_row(doc: Any, coder_name: str, coded: bool, anns: list[Any],
                  variables: list[Any], stances: list[Any], themes: list[Any],
                  stance_code: dict[str, int]) -> list[Any]:
    stance_n = Counter(a.stance_id for a in anns if a.stance_id)
    theme_n = Counter(t for a in anns for t in set(a.theme_ids))
    with_stance = sum(stance_n.values())
    ranked = stance_n.most_common(2)
    majority = None
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        majority = stance_code.get(ranked[0][0])
    return ([doc.id, doc.title, coder_name, int(coded)]
            + variables
            + [len(anns)]
            + [stance_n.get(s.id, 0) for s in stances]
            + [stance_n.get(s.id, 0) / with_stance if with_stance else None for s in stances]
            + [majority]
            + [int(theme_n.get(t.id, 0) > 0) for t in themes]
            + [theme_n.get(t.id, 0) for t in themes])
