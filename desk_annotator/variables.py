"""Document variables: the built-in metadata plus custom variables defined per project.

A custom variable has a name, a type (text, number, date, category) and, for a category, its
allowed values in order. Values are stored as text in one canonical form (numbers as Python
writes them, dates as YYYY-MM-DD, categories spelled as defined) so that tables group them
reliably. The built-ins (author, outlet, date, url, language) stay where they are
(``documents`` columns and ``extra_metadata``) and are listed alongside.

:func:`variable_table` is the one accessor analysis code uses (``table ... --by VARIABLE``):
per document id, a dict of every variable, built-ins included. Changes go through the ops of
:mod:`ops_variables`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass
from typing import Any

from .errors import OperationError
from .store import variable_queries as vq

TYPES = ("text", "number", "date", "category")
BUILTIN = ("author", "outlet", "date", "url", "language")
# Names a custom variable may not take: the built-ins and what identifies a document.
RESERVED = BUILTIN + ("id", "title", "sha256", "source_file", "text")
LIST_HINT = "list them with: desk-annotator --project FILE variable list"


@dataclass(frozen=True)
class Variable:
    id: str
    name: str
    type: str
    categories: tuple[str, ...] = ()
    position: int = 0
    builtin: bool = False


def _q(project_or_q: Any) -> Any:
    return getattr(project_or_q, "q", project_or_q)


def custom_variables(project: Any) -> list[Variable]:
    """The project's custom variables in their order."""
    return [Variable(r["id"], r["name"], r["type"], tuple(json.loads(r["categories"] or "[]")),
                     r["position"]) for r in vq.variable_rows(_q(project))]


def builtin_variables() -> list[Variable]:
    return [Variable(name, name, "date" if name == "date" else "text", (), -1, True)
            for name in BUILTIN]


def all_variables(project: Any) -> list[Variable]:
    return builtin_variables() + custom_variables(project)


def variable_names(project: Any) -> list[str]:
    """Every variable a table can be grouped by: the built-ins, then the custom ones."""
    return [v.name for v in all_variables(project)]


def find_variable(project: Any, name: str, *, builtin: bool = True) -> Variable:
    """The variable called ``name`` (exact, else the only case-insensitive match)."""
    wanted = " ".join(str(name).split())
    pool = all_variables(project) if builtin else custom_variables(project)
    for var in pool:
        if var.name == wanted:
            return var
    folded = [v for v in pool if v.name.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    kind = "variable" if builtin else "custom variable"
    raise OperationError(f"no {kind} named {name!r} ({LIST_HINT})")


def clean_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise OperationError("a variable needs a name")
    if cleaned.casefold() in RESERVED:
        raise OperationError(f"{cleaned!r} is a built-in name; built-ins: {', '.join(RESERVED)}")
    return cleaned


def clean_categories(categories: Any) -> tuple[str, ...]:
    """Allowed values of a category variable, in order: trimmed, none blank, none twice."""
    if isinstance(categories, str):
        categories = categories.split(",")
    out: list[str] = []
    for raw in categories or ():
        value = " ".join(str(raw).split())
        if not value:
            continue
        if value.casefold() in (c.casefold() for c in out):
            raise OperationError(f"category {value!r} is given twice")
        out.append(value)
    if not out:
        raise OperationError("a category variable needs its categories, e.g. --categories a,b,c")
    return tuple(out)


def _number(raw: Any) -> str:
    if isinstance(raw, bool):
        raise ValueError  # noqa: TRY004 (caught by parse_value: "not a number")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        number = raw
    else:
        text = str(raw).strip().replace("\u2212", "-")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")  # a decimal comma
        try:
            return str(int(text))
        except ValueError:
            number = float(text)
    if not math.isfinite(number):
        raise ValueError
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _date(raw: Any) -> str:
    if isinstance(raw, _dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    text = str(raw).strip()
    if len(text) > 10 and text[10] in "T ":  # a timestamp: keep the day
        text = text[:10]
    if len(text) != 10:  # fromisoformat would also take 20200304 or 2020-W10-3
        raise ValueError
    return _dt.date.fromisoformat(text).isoformat()


def parse_value(var: Variable, raw: Any) -> str | None:
    """``raw`` in the canonical form of ``var``'s type; None (clear) for None or blank.
    Raises OperationError with one line saying what is wrong."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if var.type == "number":
        try:
            return _number(raw)
        except (ValueError, OverflowError):
            raise OperationError(f"{var.name} is a number: {str(raw)!r} is not one") from None
    if var.type == "date":
        try:
            return _date(raw)
        except ValueError:
            raise OperationError(
                f"{var.name} is a date: {str(raw)!r} is not a date (YYYY-MM-DD)") from None
    text = " ".join(str(raw).split())
    if var.type == "category":
        for category in var.categories:
            if category == text or category.casefold() == text.casefold():
                return category
        raise OperationError(f"{var.name} is a category: {text!r} is not one of "
                             f"{', '.join(var.categories)}")
    return text


def typed(var: Variable, value: str | None) -> Any:
    """A stored value as its Python type (numbers as int/float, the rest as str) for tables
    and spreadsheets."""
    if value is None or var.type != "number":
        return value
    try:
        return int(value)
    except ValueError:
        return float(value)


def variable_table(project: Any, document_ids: list[str] | None = None, *,
                   typed_values: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """Per document (list order): (document id, {variable name: value or None}) with every
    variable of :func:`variable_names`, built-ins first. Other metadata keys an importer
    found (in ``extra_metadata``) are added after them as text. typed_values=True gives
    numbers as int/float."""
    q = _q(project)
    customs = custom_variables(q)
    by_id = {v.id: v for v in customs}
    values: dict[str, dict[str, Any]] = {}
    for doc_id, var_id, value in vq.value_rows(q):
        var = by_id.get(var_id)
        if var is not None:
            values.setdefault(doc_id, {})[var.name] = typed(var, value) if typed_values else value
    wanted = None if document_ids is None else set(document_ids)
    names = set(BUILTIN) | {v.name for v in customs}
    out = []
    for info in q.document_infos():
        if wanted is not None and info.id not in wanted:
            continue
        row: dict[str, Any] = {name: info.metadata.get(name) for name in BUILTIN}
        mine = values.get(info.id, {})
        row.update({v.name: mine.get(v.name) for v in customs})
        for key, value in info.metadata.items():
            if key not in names and key != "source_file":
                row[key] = value
        out.append((info.id, row))
    return out


def variable_values(project: Any, name: str) -> dict[str, Any]:
    """document id -> value (None when unset) of one variable, built-in or custom."""
    var = find_variable(project, name)
    return {doc_id: row.get(var.name) for doc_id, row in variable_table(project)}


def custom_values(project: Any, typed_values: bool = True) -> dict[str, dict[str, Any]]:
    """document id -> {custom variable name: value} of the values that are set, typed (what
    the dataset JSONL writes into each record's ``metadata``); typed_values=False keeps
    them as stored text (document metadata in snapshots, hence REFI-QDA Text variables)."""
    q = _q(project)
    by_id = {v.id: v for v in custom_variables(q)}
    out: dict[str, dict[str, Any]] = {}
    for doc_id, var_id, value in vq.value_rows(q):
        var = by_id.get(var_id)
        if var is not None:
            out.setdefault(doc_id, {})[var.name] = typed(var, value) if typed_values else value
    return out


def values_by_document(project: Any, var: Variable) -> dict[str, Any]:
    """document id -> value of one variable, for the documents where it is set: one query
    for a custom variable (what the document list reads for a shown column or a filter
    term), typed (numbers as int/float) so that they sort as numbers."""
    q = _q(project)
    if var.builtin:
        return {info.id: info.metadata[var.name] for info in q.document_infos()
                if info.metadata.get(var.name) not in (None, "")}
    return {doc_id: typed(var, value) for doc_id, _var_id, value in vq.value_rows(q, var.id)}
